"""The router against the Werkzeug ``Map`` it replaced (same matches, same 404s, same 405s)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.routing import Map, Rule

from mockserver.apis import API_DEFINITIONS
from mockserver.errors import MethodNotAllowed, NotFound
from mockserver.routing import MEMO_ENTRIES, MEMO_PATH_CHARS, Router
from mockserver.spec import Operation

_PARAM = re.compile(r"\{([^}/]+)\}")
EXTRA_TEMPLATES = ["/a/{x}", "/{y}/b", "/a/b/{z}", "/{p}/{q}/c", "/files/{name}.json", "/files/{name}"]


def _operations(templates: list[str]) -> list[Operation]:
    return [
        Operation(f"op{i}", method, template, (), None, {}, ())
        for i, template in enumerate(templates)
        for method in ("GET", "DELETE")
    ]


class Reference:
    """Werkzeug's Map as the router used it: ``strict_slashes=False``, ``merge_slashes=False``."""

    def __init__(self, templates: list[str]) -> None:
        self.names: dict[str, dict[str, str]] = {}
        rules = []
        for template in templates:
            names: dict[str, str] = {}

            def alias(found: re.Match[str], names: dict[str, str] = names) -> str:
                names[f"p{len(names)}"] = found.group(1)
                return f"<p{len(names) - 1}>"

            rules.append(Rule(_PARAM.sub(alias, template), endpoint=template))
            self.names[template] = names
        self.adapter = Map(rules, strict_slashes=False, merge_slashes=False).bind("mock")

    def find(self, path: str) -> tuple[str, dict[str, str]] | None:
        try:
            template, args = self.adapter.match(path or "/", method="GET")
        except WerkzeugNotFound:
            return None
        return template, {self.names[template][k]: v for k, v in args.items()}


TEMPLATE_SETS = [
    *(sorted({op.path for op in d.load_spec().operations}) for d in API_DEFINITIONS.values()),
    EXTRA_TEMPLATES,
]
SEGMENTS = st.sampled_from(
    [
        "v1",
        "v2",
        "events",
        "search",
        "batch",
        "api",
        "a",
        "b",
        "c",
        "files",
        "x.json",
        "7",
        "",
        "é",
        "a\nb",
        "%2F",
    ]
)


@pytest.mark.parametrize("templates", TEMPLATE_SETS, ids=lambda t: t[0])
@settings(max_examples=400, deadline=None)
@given(segments=st.lists(SEGMENTS, max_size=6), leading=st.integers(0, 2), trailing=st.integers(0, 2))
def test_the_router_matches_as_werkzeug_did(
    templates: list[str], segments: list[str], leading: int, trailing: int
) -> None:
    path = "/" * leading + "/".join(segments) + "/" * trailing
    router, reference = Router(_operations(templates)), Reference(templates)
    assert router.template_for(path) == (reference.find(path) or (None,))[0]
    expected = reference.find(path)
    for _ in range(2):  # the second time from what the first remembered
        if expected is None:
            with pytest.raises(NotFound):
                router.match(path, "GET")
        else:
            operation, args = router.match(path, "GET")
            assert (operation.path, args) == expected


def test_spec_paths_match_with_their_parameters() -> None:
    router = Router(API_DEFINITIONS["perscom"].load_spec().operations)
    assert router.match("/v2/events/search", "POST")[0].operation_id == "searchEvents"
    operation, args = router.match("/v1/events/12", "GET")
    assert (operation.operation_id, args) == ("getEvent", {"version": "v1", "event": "12"})
    with pytest.raises(MethodNotAllowed) as refused:
        router.match("/v2/events/search", "GET")
    assert refused.value.allowed == ("POST",)


def test_remembered_matches_are_fresh_and_bounded() -> None:
    router = Router(API_DEFINITIONS["perscom"].load_spec().operations)
    operation, args = router.match("/v1/events/12", "GET")
    for _ in range(2):  # what a caller does with its arguments leaves the next caller's alone
        args["event"] = "changed"
        again, args = router.match("/v1/events/12", "GET")
        assert (again, args) == (operation, {"version": "v1", "event": "12"})
    for _ in range(2):  # a refusal is not remembered: it is raised every time
        with pytest.raises(MethodNotAllowed):
            router.match("/v2/events/search", "GET")
    assert ("/v2/events/search", "GET") not in router._memo
    for n in range(MEMO_ENTRIES + 10):
        assert router.match(f"/v1/events/{n}", "DELETE")[1]["event"] == str(n)
    assert len(router._memo) <= MEMO_ENTRIES
    long_path = "/v1/events/" + "9" * MEMO_PATH_CHARS
    assert router.match(long_path, "GET")[1]["event"] == "9" * MEMO_PATH_CHARS
    assert (long_path, "GET") not in router._memo
