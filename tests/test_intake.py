"""The intake front's ASGI side in-process (the RSGI side granian serves is in test_intake_live.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver import create_app
from mockserver.intake import Intake

EVENT = {"caption": "c", "startDate": "2024-03-01T10:00:00Z", "endDate": "2024-03-01T11:00:00Z"}


def _scope(method: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 5000),
        "scheme": "http",
    }


def _call(
    intake: Intake, method: str, path: str, headers: dict[str, str], chunks: list[bytes], pause: float = 0
) -> tuple[int, dict[str, str], Any, int]:
    """(status, headers, JSON body, how many body messages the front asked for)."""
    sent: list[dict[str, Any]] = []
    asked = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        await asyncio.sleep(pause)
        index = asked - 1
        return {"type": "http.request", "body": chunks[index], "more_body": index < len(chunks) - 1}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(intake(_scope(method, path, {"Host": "localhost", **headers}), receive, send))
    start, body = sent
    head = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], head, json.loads(body["body"]), asked


@pytest.fixture
def intake() -> Intake:
    app = create_app({"log_requests": False})
    return Intake(app.wsgi_app, max_body=100, body_timeout=0.2)


AUTH = {"Authorization": "Bearer dev-token", "Content-Type": "application/json"}
LIST = "/b2core/api/v2/calendars/events"


def test_a_declared_length_over_the_cap_is_refused_unread(intake: Intake) -> None:
    status, headers, body, asked = _call(
        intake, "POST", LIST, {**AUTH, "Content-Length": "101"}, [b"x" * 101]
    )
    assert (status, asked) == (413, 0)
    assert headers["connection"] == "close"
    assert "100 bytes" in body["message"]  # B2Core's envelope


def test_chunks_over_the_cap_stop_the_read(intake: Intake) -> None:
    status, _, _, asked = _call(intake, "POST", LIST, AUTH, [b"x" * 60] * 5)
    assert (status, asked) == (413, 2)


def test_a_slow_body_gets_408(intake: Intake) -> None:
    status, headers, body, _ = _call(intake, "POST", LIST, AUTH, [b"{}"] * 3, pause=0.15)
    assert status == 408 and headers["connection"] == "close"
    assert "0.2 seconds" in body["message"]


def test_a_whole_body_reaches_the_app(intake: Intake) -> None:
    data = json.dumps(EVENT).encode()
    chunks = [data[:10], data[10:]]
    status, _, body, _ = _call(intake, "POST", LIST, AUTH, chunks)
    assert status == 201 and body["caption"] == "c"


def test_the_admin_api_refuses_in_its_own_shape(intake: Intake) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": "5000"}
    status, _, body, _ = _call(intake, "PUT", "/__mock/state", headers, [b""])
    assert status == 413 and body["error"] == "Request Entity Too Large"


def test_a_plain_wsgi_server_gets_the_cap_too() -> None:
    client = create_app({"max_body": 10, "log_requests": False}).test_client()
    response = client.post(LIST, data=json.dumps(EVENT), headers=AUTH)
    assert response.status_code == 413


class _RsgiHeaders:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return self.pairs

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.pairs if k == name), None)


@given(
    path=st.sampled_from(["/", "/b2core/api/v2/calendars/events/1", "/caf\u00e9/x", "//a/"]),
    query=st.sampled_from(["", "a=1&b=%20", "filter%5Bname%5D=x"]),
    headers=st.lists(
        st.tuples(
            st.sampled_from(
                ["accept", "x-two", "content-type", "content-length", "authorization", "x-two", "transfer-encoding"]
            ),
            st.text("abc ,;=", max_size=5),
        ),
        max_size=6,
    ),
    body=st.sampled_from([b"", b"{}"]),
)
def test_the_rsgi_environ_is_the_asgi_environ(
    path: str, query: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    """granian's RSGI scope and an ASGI scope of the same request make the same WSGI environ."""
    from types import SimpleNamespace

    from mockserver.intake import HEADER_NAMES_KEY, rsgi_environ, wsgi_environ
    from mockserver.journal import environ_headers

    asgi = {
        **_scope("POST", path, {}),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(k.encode(), v.encode()) for k, v in headers],
    }
    rsgi = SimpleNamespace(
        method="POST", path=path, query_string=query, server="127.0.0.1:8080", client="127.0.0.1:5000",
        scheme="http", http_version="1.1", headers=_RsgiHeaders(headers),
    )
    one, other = rsgi_environ(rsgi, body), wsgi_environ(asgi, body)
    assert one.pop("wsgi.input").read() == other.pop("wsgi.input").read() == body
    assert one == other
    expected: dict[str, str] = {}  # PEP 3333: HTTP_ names, repeats comma-joined
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            expected[key] = value
        else:
            key = "HTTP_" + key
            expected[key] = f"{expected[key]},{value}" if key in expected else value
    if body:
        expected["CONTENT_LENGTH"] = str(len(body))
    if body:
        expected.pop("HTTP_TRANSFER_ENCODING", None)  # the body is whole: its length says how long
    shown = {k: v for k, v in one.items() if k.startswith("HTTP_") or k in ("CONTENT_TYPE", "CONTENT_LENGTH")}
    assert shown == expected
    # the journal's header list from the front's names is the one a walk over the environ finds
    walked = {k: v for k, v in one.items() if k != HEADER_NAMES_KEY}
    assert environ_headers(one) == environ_headers(walked)
    assert (one["PATH_INFO"], one["QUERY_STRING"], one["SERVER_PORT"]) == (
        path.encode().decode("latin-1"), query, "8080"
    )
