"""The reviewed false positives and the pointer helpers our checks and the ledger rely on."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.openapi.checks import RejectedPositiveData, UseAfterFree

from contracts.checks import FalsePositive, load_false_positives
from contracts.resources import pointer_values, replace_values


def case(operation_id: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
    definition = SimpleNamespace(raw={"operationId": operation_id})
    operation = SimpleNamespace(definition=definition, label=operation_id)
    return SimpleNamespace(operation=operation, query=query, body=body)


def response(status: int, body: bytes) -> Any:
    return SimpleNamespace(status_code=status, content=body)


def rejected() -> RejectedPositiveData:
    return RejectedPositiveData(operation="op", message="m", status_code=422, allowed_statuses=["2xx"])


PERSCOM_FK = FalsePositive(
    api="perscom",
    code="ST202",
    reason="r",
    operations=frozenset({"createEvent"}),
    statuses=frozenset({422}),
    error_fields=frozenset({"calendar_id", "author_id"}),
)


def test_an_entry_drops_only_the_failure_its_rule_explains() -> None:
    foreign_key = b'{"error": {"errors": {"resources.1.calendar_id": ["x"]}}}'
    assert PERSCOM_FK.covers("perscom", rejected(), case("createEvent"), response(422, foreign_key))
    # another API, operation, status or field, or another check: kept
    assert not PERSCOM_FK.covers("kona", rejected(), case("createEvent"), response(422, foreign_key))
    assert not PERSCOM_FK.covers("perscom", rejected(), case("putEvent"), response(422, foreign_key))
    assert not PERSCOM_FK.covers("perscom", rejected(), case("createEvent"), response(400, foreign_key))
    name_too = b'{"error": {"errors": {"calendar_id": ["x"], "name": ["y"]}}}'
    assert not PERSCOM_FK.covers("perscom", rejected(), case("createEvent"), response(422, name_too))
    assert not PERSCOM_FK.covers("perscom", rejected(), case("createEvent"), response(422, b"{}"))
    other_check = UseAfterFree(operation="op", message="m", free="DELETE /x", usage="GET /x")
    assert not PERSCOM_FK.covers("perscom", other_check, case("createEvent"), response(422, foreign_key))


def test_a_query_condition_needs_the_parameter_set() -> None:
    trashed = FalsePositive(
        api="perscom", code="ST301", reason="r", query_any=frozenset({"with_trashed"})
    )
    failure = UseAfterFree(operation="op", message="m", free="DELETE /x", usage="GET /x")
    assert trashed.covers("perscom", failure, case("getEvent", {"with_trashed": True}), response(200, b"{}"))
    assert not trashed.covers(
        "perscom", failure, case("getEvent", {"with_trashed": False}), response(200, b"{}")
    )
    assert not trashed.covers("perscom", failure, case("getEvent", {}), response(200, b"{}"))
    for value, read in [
        ("1", True),
        (" Yes", True),
        ("ON", True),
        ("off", False),
        ("maybe", False),
        ("", False),
    ]:
        covered = trashed.covers(
            "perscom", failure, case("getEvent", {"with_trashed": value}), response(200, b"{}")
        )
        assert covered is read, value  # read as PERSCOM's Laravel reads the flag


def test_a_blank_body_condition_needs_a_body_of_whitespace_and_nothing_else() -> None:
    [blank] = [e for e in load_false_positives() if e.blank_body]  # PERSCOM's search, as Laravel reads it
    accepted = AcceptedNegativeData(operation="op", message="m", status_code=200, expected_statuses=["400"])
    for body, covered in [(b"\t", True), (" \r\n", True), (b"", True), (b"x", False), ("{", False), ({}, False)]:
        assert blank.covers("perscom", accepted, case("searchEvents", body=body), response(200, b"{}")) is covered
    assert not blank.covers("perscom", accepted, case("createEvent", body=b"\t"), response(200, b"{}"))
    assert not blank.covers("perscom", accepted, case("searchEvents", body=b"\t"), response(201, b"{}"))


def test_the_reviewed_file_loads_and_every_entry_says_why() -> None:
    entries = load_false_positives()
    assert entries and all(entry.reason.strip() for entry in entries)
    assert {(e.api, e.code) for e in entries} <= {
        ("perscom", "ST202"),
        ("perscom", "ST201"),  # a blank body on the search, read as no body
        ("perscom", "ST301"),
        ("b2core", "ST202"),
        ("kona", "ST202"),
    }


@pytest.mark.parametrize(
    "entry",
    [
        "- {api: perscom, code: ST301, reason: r}",  # no rule
        "- {api: perscom, code: ST301, rule: x}",  # no reason
        "- {api: nowhere, code: ST301, rule: x, reason: r}",
        "- {api: perscom, code: use_after_free, rule: x, reason: r}",  # a check name, not a code
        "- {api: perscom, rule: x, reason: r}",  # no code
        "- {api: perscom, code: ST301, rule: x, reason: r, status: [422]}",  # typo'd key
    ],
)
def test_a_malformed_entry_is_refused(tmp_path: Path, entry: str) -> None:
    path = tmp_path / "fp.yaml"
    path.write_text(entry)
    with pytest.raises(ValueError, match="malformed"):
        load_false_positives(path)


def test_pointers_with_stars() -> None:
    body = {"data": [{"id": 1}, {"id": 2}, {"name": "x"}]}
    assert pointer_values(body, "/data/*/id") == [1, 2]
    assert pointer_values(body, "/data/1/id") == [2]
    assert pointer_values(body, "") == [body]
    assert pointer_values([{"ExternalId": "a"}, "junk"], "/*/ExternalId") == ["a"]
    replace_values(body, "/data/*/id", lambda v: v * 10)
    assert pointer_values(body, "/data/*/id") == [10, 20]


def negative(query: dict[str, Any], *, positive: bool = False) -> Any:
    mode = SimpleNamespace(is_positive=positive)
    return SimpleNamespace(meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)), query=query)


@pytest.mark.parametrize(
    ("positive", "query", "lossy"),
    [
        (False, {"include": []}, True),
        (False, {"filter[name]": "x", "filter[endDate]": None}, True),  # dropped by both clients
        (False, {"filter[name]": "x", "filter[endDate]": [{}]}, True),  # CI, 2026-11: requests drops {}
        (False, {"filter[name]": "x", "filter[endDate]": [[], 1.5]}, True),  # the [] item is dropped
        (False, {"ids": ["a", ["2022-01-01"]]}, True),  # flattened by requests, repr'd by werkzeug
        (False, {"ids": ["1", None]}, True),  # the None item is dropped
        (False, {"limit": {"a": 1}}, True),  # sent as ?limit=a
        (False, {"limit": {}, "include": ""}, False),  # schemathesis sends {} as ?limit=
        (False, {"limit": 0}, False),
        (False, {"include": ""}, False),  # an empty string is sent as ?include=
        (False, {"limit": "x", "ids": ["a", "b"]}, False),
        (False, {"filter[+$0&>g]": "x"}, False),  # reserved characters survive in a key
        (True, {"limit": None}, False),  # a positive case is sent whatever its wire form
    ],
)
def test_negative_cases_whose_invalid_value_vanishes_are_not_judged(
    positive: bool, query: dict[str, Any], lossy: bool
) -> None:
    from contracts.suite import Suite

    assert Suite.lossy(negative(query, positive=positive)) is lossy


JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
)
KEYS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8)


@given(st.dictionaries(KEYS, JSON_VALUES, max_size=4))
def test_a_query_judged_whole_reaches_both_transports_as_written(query: dict[str, Any]) -> None:
    """The lossy test is checked against what each client really sends, not against itself."""
    from contracts.suite import Suite

    if Suite.lossy(negative(query)):
        return
    params = sent_params(query)
    meant = sorted((key, str(item)) for key, value in params.items() for item in as_list(value))
    assert sorted(requests_sent(params)) == meant
    assert sorted(werkzeug_sent(params)) == meant


def sent_params(query: dict[str, Any]) -> dict[str, Any]:
    from schemathesis.transport.requests import prepare_query

    params = prepare_query(SimpleNamespace(query=query))  # type: ignore[arg-type]
    assert isinstance(params, dict)
    return params


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def requests_sent(params: dict[str, Any]) -> list[tuple[str, str]]:
    import requests

    url = requests.Request("GET", "http://h/", params=params).prepare().url or ""
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def werkzeug_sent(params: dict[str, Any]) -> list[tuple[str, str]]:
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder("/", query_string=params).get_environ()
    return parse_qsl(environ["QUERY_STRING"], keep_blank_values=True)
