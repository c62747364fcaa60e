"""The gateway that answers API requests without Flask: it must behave as Flask's views did."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from flask import Flask, got_request_exception
from hypothesis import given
from hypothesis import strategies as st

from mockserver import create_app
from mockserver.runtime import json_bytes
from tests.conftest import AUTH, BATCH
from tests.planted import twelvetwenty_empty_batch_crashes

ORIGIN = "http://localhost:5173"


@pytest.fixture
def app() -> Flask:
    return create_app({"log_requests": False})


def test_a_crash_is_a_json_500_logged_and_signalled(caplog: pytest.LogCaptureFixture) -> None:
    app = twelvetwenty_empty_batch_crashes()
    seen: list[BaseException] = []

    def listener(sender: Flask, exception: BaseException, **_: Any) -> None:
        seen.append(exception)

    got_request_exception.connect(listener, app)
    try:
        response = app.test_client().put(BATCH, json=[], headers={**AUTH, "Origin": ORIGIN})
    finally:
        got_request_exception.disconnect(listener, app)
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"] == "Internal Server Error"
    assert "/twelvetwenty" in body["apis"]
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN  # a browser can read it
    assert [type(e) for e in seen] == [IndexError]  # schemathesis' in-process transport listens
    assert any("Exception on /twelvetwenty" in r.message and r.exc_info for r in caplog.records)
    entry = app.extensions["mockserver"].journal.entries()[-1]
    assert (entry["status"], entry["api"], entry["operation_id"]) == (500, "twelvetwenty", None)


def test_a_crash_propagates_when_testing() -> None:
    app = twelvetwenty_empty_batch_crashes()
    app.testing = True
    with pytest.raises(IndexError):
        app.test_client().put(BATCH, json=[], headers=AUTH)


def test_head_is_answered_without_a_body(app: Flask) -> None:
    # a GET route answers HEAD as GET (here the vendor's 404), headers only, the GET's length
    client = app.test_client()
    get = client.get("/kona/api/calendar_events/1", headers=AUTH)
    head = client.head("/kona/api/calendar_events/1", headers=AUTH)
    assert get.status_code == 404 and get.get_data()
    assert (head.status_code, head.get_data()) == (404, b"")
    assert head.headers["Content-Length"] == str(len(get.get_data()))
    assert head.headers.getlist("Content-Length") == [head.headers["Content-Length"]]
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    # a route without GET: the vendor's 405, still headers only
    refused = client.head(BATCH, headers=AUTH)
    assert (refused.status_code, refused.get_data(), refused.headers["Allow"]) == (405, b"", "PUT")


def test_a_preflight_answer_carries_no_length(app: Flask) -> None:
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}
    response = app.test_client().options(BATCH, headers=headers)
    assert response.status_code == 204
    assert "Content-Length" not in response.headers and response.get_data() == b""


def test_api_answers_and_flask_views_get_the_same_cors_headers(app: Flask) -> None:
    client = app.test_client()
    headers = {**AUTH, "Origin": ORIGIN}
    api = client.get("/b2core/api/v2/calendars/events", headers=headers)
    admin = client.get("/__mock/health", headers=headers)
    cors = sorted((k, v) for k, v in api.headers.items() if k.startswith("Access-Control") or k == "Vary")
    assert cors == sorted(
        (k, v) for k, v in admin.headers.items() if k.startswith("Access-Control") or k == "Vary"
    )
    assert ("Access-Control-Expose-Headers", "Allow, Location, X-Mock-Violations") in cors
    foreign = client.get(
        "/b2core/api/v2/calendars/events", headers={**AUTH, "Origin": "https://evil.example"}
    )
    assert not [k for k in foreign.headers.keys() if k.startswith("Access-Control")]


@pytest.mark.parametrize("path", ["/perscom", "/perscom/", "/perscom/v2//events", "/perscom/v2/events/1/x"])
def test_odd_paths_inside_an_api_get_its_404(app: Flask, path: str) -> None:
    response = app.test_client().get(path, headers=AUTH)
    assert response.status_code == 404
    assert response.get_json()["error"]["type"] == "NotFoundHttpException"


def test_the_spec_and_the_admin_api_stay_flask_views(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/perscom/openapi.json").get_json()["openapi"].startswith("3.1")
    assert client.post("/perscom/openapi.json").status_code == 405
    assert client.get("/__mock/health").get_json()["status"] == "ok"
    root = create_app({"root_api": "perscom", "log_requests": False}).test_client()
    assert root.get("/__mock/health").get_json()["status"] == "ok"  # not swallowed by the root API
    assert root.get("/openapi.json").get_json()["servers"][0]["url"] == "/"
    assert root.get("/v2/events", headers=AUTH).status_code == 200


def test_journal_and_access_log_cover_both_paths(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app()
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="mockserver.access"):
        client.get("/b2core/api/v2/calendars/events?limit=1", headers=AUTH)
        client.get("/nowhere")
        client.get("/__mock/health")
    lines = [r.getMessage() for r in caplog.records if r.name == "mockserver.access"]
    assert lines[0].startswith('127.0.0.1 "GET /b2core/api/v2/calendars/events?limit=1" 200 ')
    assert lines[0].endswith(" b2core")
    assert lines[1].startswith('127.0.0.1 "GET /nowhere" 404 ') and lines[1].endswith(" -")
    assert lines[2].startswith('127.0.0.1 "GET /__mock/health" 200 ')
    entries = app.extensions["mockserver"].journal.entries()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entries[0]["time"])
    assert [(e["path"], e["api"], e["operation_id"], e["query"]) for e in entries] == [
        ("/b2core/api/v2/calendars/events", "b2core", "listCalendarEvents", "limit=1"),
        ("/nowhere", None, None, ""),
    ]


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson refuses those, json takes them
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]))
)
JSON_DOCUMENTS = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=4) | st.integers(-3, 3), inner, max_size=4)
    ),  # int keys too
    max_leaves=20,
)


@given(JSON_DOCUMENTS)
def test_replies_are_encoded_as_the_standard_library_reads_them(body: Any) -> None:
    assert json.loads(json_bytes(body)) == json.loads(json.dumps(body))


def test_a_page_is_encoded_byte_for_byte_as_before() -> None:
    page = [{"id": 1, "caption": "Réunion ☕", "description": None, "recipients": ["a@b.c"], "n": 1.5}]
    assert json_bytes(page) == json.dumps(page, separators=(",", ":"), ensure_ascii=False).encode()


@given(
    path=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="?#"), max_size=12),
    root=st.sampled_from(["", "/", "/mount", "/m\u00e9/"]),
    query=st.text("ab=&%\u00e9", max_size=8),
    method=st.sampled_from(["GET", "post", "HEAD"]),
    body=st.binary(max_size=8),
)
def test_the_api_request_reads_what_werkzeugs_request_reads(
    path: str, root: str, query: str, method: str, body: bytes
) -> None:
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from mockserver.gateway import ApiRequest
    from mockserver.intake import BODY_KEY

    environ = EnvironBuilder(
        path="/" + path, base_url="http://example.test:8080" + root, query_string=query,
        method=method, data=body, headers={"Authorization": "Bearer x", "X-Two": "a"},
    ).get_environ()
    expected = Request(environ, populate_request=False)
    fast = ApiRequest({**environ, BODY_KEY: body})  # the front's body, never read from the stream
    for name in ("method", "scheme", "server", "root_path", "path", "query_string", "remote_addr", "host_url"):
        assert getattr(fast, name) == getattr(expected, name), name
    assert list(fast.headers.items()) == list(expected.headers.items())
    assert fast.get_data() == expected.get_data() == body


def test_a_grants_principal_is_remembered_but_scopes_and_minted_tokens_are_checked_every_time() -> None:
    grants = [{"token": "viewer", "apis": ["perscom"], "scopes": ["view:event"]}, "dev-token"]
    client = create_app({"log_requests": False, "tokens": grants}).test_client()
    viewer = {"Authorization": "Bearer viewer"}
    for _ in range(3):  # the first from the grants, the others from what the first remembered
        assert client.get("/perscom/v2/events", headers=viewer).status_code == 200
        assert client.post("/perscom/v2/events", json={}, headers=viewer).status_code == 403
        assert client.get("/b2core/api/v2/calendars/events", headers=viewer).status_code == 401
    client.put("/__mock/clock", json={"now": "2030-01-01T00:00:00Z"})
    minted = client.get("/twelvetwenty/api/client/generateAuthenticationToken?key=dev-api-key").get_data(True)
    bearer = {"Authorization": f"Bearer {minted}"}
    assert client.put(BATCH, json=[], headers=bearer).status_code != 401
    client.put("/__mock/clock", json={"advance_seconds": 25 * 3600})  # past its 24 hours
    assert client.put(BATCH, json=[], headers=bearer).status_code == 401
