"""Input that used to answer 500: huge integers, deep nesting, YAML aliases (never a 500, the
owner's format, state unchanged)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

AUTH = {"Authorization": "Bearer dev-token", "Accept": "application/json"}  # Kona: JSON errors
HUGE = "9" * 5000  # past Python's 4,300-digit int-parsing limit
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"


@pytest.mark.parametrize(
    ("path", "status", "key"),
    [
        (f"/b2core/api/v2/calendars/events/{HUGE}", 404, "message"),
        (f"/b2core/api/v2/calendars/events?limit={HUGE}", 400, "errors"),
        (f"/b2core/api/v2/calendars/events?limit=-{HUGE}", 400, "errors"),
        (f"/perscom/v2/events/{HUGE}", 404, "error"),
        (f"/kona/api/v1/calendar_events/{HUGE}", 404, "title"),
    ],
)
def test_huge_integers_get_the_vendor_answer(client: FlaskClient, path: str, status: int, key: str) -> None:
    response = client.get(path, headers=AUTH)
    assert response.status_code == status
    assert key in response.get_json()


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "application/json", "nested too deeply"),
        ("a: " + "[" * 100_000, "application/yaml", "nested too deeply"),
        (BOMB, "application/yaml", "aliases"),
    ],
    ids=["json-100k", "yaml-100k", "alias-bomb"],
)
def test_hostile_state_documents_are_refused(
    client: FlaskClient, body: str, content_type: str, words: str
) -> None:
    before = client.get("/__mock/state?secrets=include").get_data()
    response = client.put("/__mock/state", data=body, content_type=content_type)
    assert response.status_code == 400
    assert words in response.get_json()["message"]
    assert client.get("/__mock/state?secrets=include").get_data() == before


def test_minted_tokens_expire_and_are_capped_per_api() -> None:
    from datetime import UTC, datetime, timedelta

    from mockserver.auth import TokenRegistry

    registry = TokenRegistry(per_api=3)
    start = datetime(2030, 1, 1, tzinfo=UTC)
    minted = [registry.mint("kona", "u", start + timedelta(hours=1), now=start).token for _ in range(5)]
    registry.mint("twelvetwenty", "k", start + timedelta(hours=1), now=start)
    assert registry.count("kona") == 3  # the oldest two went first
    assert registry.find("kona", minted[0]) is None and registry.find("kona", minted[-1]) is not None
    later = start + timedelta(hours=2)
    registry.mint("kona", "u", later + timedelta(hours=1), now=later)
    assert registry.count("kona") == 1  # the expired ones were dropped
    assert registry.count("twelvetwenty") == 1


def test_perscom_caches_keep_only_short_keys_and_a_reset_clears_them(client: FlaskClient) -> None:
    from mockserver import datetimes
    from mockserver.apis.perscom import dates, sql

    long_date = "2024-01-01T00:00:00." + "1" * 100_000 + "Z"
    dates.clear_caches()
    datetimes.clear_caches()  # RFC 3339 texts are read (and cached) by the core date-time policy
    sql.clear_caches()
    assert dates.parse_datetime(long_date) is not None
    sql.like_matcher("%" + "a" * 1000 + "%")("b")
    assert datetimes._parse_cached.cache_info().currsize == 0  # 100 KB keys are not kept
    assert sql._like_matcher.cache_info().currsize == 0
    assert dates.parse_datetime("2024-01-02T00:00:00Z") is not None
    assert dates.parse_datetime("2024-01-02 10:00") is not None  # a search's other forms: dateutil's cache
    sql.like_matcher("%drill%")("a drill")
    assert datetimes._parse_cached.cache_info().currsize == 1
    assert dates._isoparse_utc.cache_info().currsize == 1
    assert sql._like_matcher.cache_info().currsize == 1
    assert client.post("/__mock/reset").status_code == 200
    assert dates._isoparse_utc.cache_info().currsize == 0
    assert datetimes._parse_cached.cache_info().currsize == 0
    assert sql._like_matcher.cache_info().currsize == 0


@pytest.mark.parametrize("path", ["/b2core/api/v2/calendars/events", "/__mock/state"])
def test_a_request_leaves_no_cycle_holding_its_body(app: Flask, path: str) -> None:
    """A Werkzeug request kept in its environ is a reference cycle: each body (up to the cap)
    then waited for a full GC. API requests and Flask's views alike leave none."""
    import gc
    import io
    import weakref

    from werkzeug.test import EnvironBuilder

    body = io.BytesIO(b'{"caption": "' + b"x" * 2**20 + b'"}')
    environ = EnvironBuilder(
        path=path,
        method="POST",
        input_stream=body,
        content_type="application/json",
        headers={**AUTH, "Content-Length": str(len(body.getvalue()))},
    ).get_environ()
    gone = weakref.ref(body)
    del body
    gc.disable()
    try:
        b"".join(app.wsgi_app(environ, lambda status, headers: None))
        assert "werkzeug.request" not in environ
        del environ
        assert gone() is None, "the body outlived its request"
    finally:
        gc.enable()


def test_a_reset_gives_freed_memory_back(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from mockserver import memory

    calls: list[int] = []
    monkeypatch.setattr(memory, "_TRIM", calls.append)
    assert client.post("/__mock/reset").status_code == 200
    assert calls == [0]
    environ: dict[str, str] = {}
    memory.configure_server(environ)
    assert environ == {memory.JEMALLOC_VARIABLE: memory.JEMALLOC_SETTINGS}
    memory.configure_server(environ := {memory.JEMALLOC_VARIABLE: "narenas:1"})
    assert environ[memory.JEMALLOC_VARIABLE] == "narenas:1"  # the user's own settings are kept


def test_a_body_over_a_size_limit_is_answered_with_that_limit_alone() -> None:
    """jsonschema-rs lists every error at once (100k wrongly typed items: 300k errors, 15 s):
    past a maxItems/maxProperties only that one is reported."""
    from mockserver.errors import Kind
    from mockserver.schemas import SchemaValidator

    schema = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "maxItems": 3, "items": {"$ref": "#/components/schemas/N"}}
        },
    }
    validator = SchemaValidator(schema, {"schemas": {"N": {"type": "integer"}}})
    found = validator.errors({"items": ["x"] * 10_000})
    assert [(e.kind, e.path) for e in found] == [(Kind.MAX_ITEMS, ("items",))]
    assert len(validator.errors({"items": ["x", "y"]})) == 2  # within the limit: every problem


def test_the_size_check_refuses_nothing_but_sizes() -> None:
    """``additionalProperties: false`` (or any other rule) is left to the full check, which names
    every problem."""
    from mockserver.schemas import SchemaValidator

    schema = {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "integer"}}}
    found = SchemaValidator(schema, {}).errors({"zeta": 1, "alpha": 2, "a": "x"})
    assert len(found) == 2, found  # the unknown keys (one error naming both) and a's type


@pytest.mark.parametrize("depth", [129, 300, 900])
@pytest.mark.parametrize(
    ("method", "path", "wrap", "status"),
    [
        ("PUT", "/twelvetwenty/api/v2/calendar-events/batch", "{}", 400),
        ("POST", "/perscom/v2/events", '{{"name": {}}}', 422),
        ("POST", "/perscom/v2/events/search", '{{"filters": {}}}', 422),
        ("POST", "/b2core/api/v2/calendars/events", '{{"title": {}}}', 400),
        ("POST", "/kona/api/calendar_events", '{{"calendar_event": {}}}', 400),
    ],
)
def test_a_body_nested_past_what_validation_can_walk_is_malformed_not_a_500(
    client: FlaskClient, depth: int, method: str, path: str, wrap: str, status: int
) -> None:
    """Between the parser's limit and ours, jsonschema-rs raised "Recursion limit reached" (a 500
    in every API from ~300 levels); past 128 levels a body is now malformed in the API's words."""
    before = client.get("/__mock/state?secrets=include").get_data()
    for nested in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        response = client.open(path, method=method, data=wrap.format(nested), headers=AUTH, content_type="application/json")
        assert response.status_code == status, response.get_data()[:300]
    assert client.get("/__mock/state?secrets=include").get_data() == before
