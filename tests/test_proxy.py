"""The validating proxy: forwarding, every violation kind both ways, the header bound,
``proxy_errors``, an upstream that is down or slow, and ``mockserver serve --proxy``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.wrappers import Request

from contracts.live import LiveServer, free_port
from mockserver import create_app
from mockserver.apis import API_DEFINITIONS
from mockserver.errors import ConfigurationError
from mockserver.spec import SPECS_DIR
from tests.servers import serving

AUTH = {"Authorization": "Bearer dev-token"}
EVENTS = "/kona/api/calendar_events"
CREATE = {"calendar_events": [{"name": "Kickoff", "start_at": 1477900800000, "end_at": 1477904400000}]}


@dataclass
class Canned:
    """An upstream answering whatever a test sets, remembering what it was sent."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Content-Type", "application/json")])
    body: bytes = b"{}"
    delay: float = 0.0
    seen: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> None:
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.headers = headers if headers is not None else [("Content-Type", "application/json")]

    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        request = Request(environ)
        self.seen.append(
            {
                "method": request.method,
                "url": request.full_path,
                "headers": dict(request.headers),
                "body": request.get_data(),
            }
        )
        time.sleep(self.delay)
        start_response(f"{self.status} CANNED", self.headers)
        return [self.body]


@pytest.fixture(scope="module")
def event() -> dict[str, Any]:
    """A valid Kona event, as the mock itself answers it."""
    client = create_app({"strict": True, "log_requests": False}).test_client()
    created = client.post("/kona/api/calendar_events", json=CREATE, headers=AUTH).get_json()
    body: dict[str, Any] = created["calendar_events"][0]
    return body


@pytest.fixture
def canned() -> Iterator[tuple[Canned, str]]:
    upstream = Canned()
    with serving(upstream) as url:
        yield upstream, url


_APPS: list[Flask] = []


def proxy_app(upstream: str, **config: Any) -> Flask:
    app = create_app({"proxy": {"kona": upstream}, "log_requests": False, **config}, apis=["kona"])
    app.testing = True
    _APPS.append(app)
    return app


@pytest.fixture(autouse=True)
def close_pools() -> Iterator[None]:
    """The proxy keeps its upstream connections open for the next request: close them."""
    yield
    while _APPS:
        for proxy in _APPS.pop().extensions["mockserver"].proxies.values():
            proxy.pool.clear()


def violations(client: FlaskClient) -> list[dict[str, str]]:
    (entry,) = client.get("/__mock/journal").get_json()["entries"]
    found: list[dict[str, str]] = entry["violations"]
    return found


def test_a_faithful_upstream_is_passed_through_with_no_violation() -> None:
    with serving(create_app({"log_requests": False})) as upstream_root:
        client = proxy_app(f"{upstream_root}/kona").test_client()
        created = client.post(EVENTS, json=CREATE, headers=AUTH)
        assert created.status_code == 201 and "X-Mock-Violations" not in created.headers
        # the upstream's Location points behind the proxy, so a client following it stays here
        assert created.headers["Location"].startswith("http://localhost/kona/api/calendar_events/")
        event_id = created.get_json()["calendar_events"][0]["id"]
        read = client.get(f"{EVENTS}/{event_id}", headers=AUTH)
        assert read.status_code == 200 and read.get_json()["calendar_events"][0]["name"] == "Kickoff"
        assert (
            client.get(EVENTS, headers={"Authorization": "Bearer wrong"}).status_code == 401
        )  # upstream's own
        entries = client.get("/__mock/journal").get_json()["entries"]
        assert [(e["operation_id"], e["status"], e["violations"]) for e in entries] == [
            ("createCalendarEvent", 201, []),
            ("getCalendarEvent", 200, []),
            ("listCalendarEvents", 401, []),
        ]


def test_a_head_is_checked_as_the_get_without_a_body() -> None:
    with serving(create_app({"log_requests": False})) as upstream_root:
        client = proxy_app(f"{upstream_root}/kona").test_client()
        got = client.get(EVENTS, headers=AUTH)
        head = client.head(EVENTS, headers=AUTH)
        assert (head.status_code, head.get_data()) == (200, b"")
        assert head.headers["Content-Length"] == str(len(got.get_data())) != "0"
        assert "X-Mock-Violations" not in head.headers
        entries = client.get("/__mock/journal").get_json()["entries"]
        assert [(e["method"], e["operation_id"], e["violations"]) for e in entries] == [
            ("GET", "listCalendarEvents", []),
            ("HEAD", "listCalendarEvents", []),
        ]


def test_the_client_request_reaches_the_upstream_as_sent(canned: tuple[Canned, str], event: Any) -> None:
    upstream, url = canned
    upstream.answer(200, {"calendar_events": [event]})
    client = proxy_app(f"{url}/base").test_client()
    client.get(
        f"{EVENTS}/5?num_in_series=2&x=%C3%A9", headers={**AUTH, "X-Trace": "t1", "Accept-Encoding": "gzip"}
    )
    (seen,) = upstream.seen
    assert seen["method"] == "GET" and seen["url"] == "/base/api/calendar_events/5?num_in_series=2&x=%C3%A9"
    assert seen["headers"]["Authorization"] == "Bearer dev-token" and seen["headers"]["X-Trace"] == "t1"
    assert seen["headers"]["Host"] == url.removeprefix("http://")
    assert "gzip" not in seen["headers"].get("Accept-Encoding", "")  # the answer must be readable
    client.post(EVENTS, data=b'{"calendar_events": []}', headers={**AUTH, "Content-Type": "application/json"})
    assert upstream.seen[1]["body"] == b'{"calendar_events": []}'


REQUEST_VIOLATIONS = [
    ("GET", "/kona/api/nowhere", None, "GET /api/nowhere is not a path of the spec"),
    ("PATCH", EVENTS, None, "PATCH /api/calendar_events: the spec documents only GET, POST here"),
    ("GET", f"{EVENTS}?per_page=0", None, "query/per_page: must be >= 1 (minimum) (got 0)"),
    ("GET", f"{EVENTS}/0", None, "path/id: must be >= 1 (minimum) (got 0)"),
    ("POST", EVENTS, b'{"calendar_events": [{}]}', "body/calendar_events/0/name: required, missing"),
    (
        "POST",
        EVENTS,
        b'{"calendar_events": [{"name": 5}]}',
        "body/calendar_events/0/name: must be string (got 5)",
    ),
    ("POST", EVENTS, b"{not json", "body: malformed JSON"),
    ("POST", EVENTS, b"", "body: a request body is required"),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), REQUEST_VIOLATIONS)
def test_request_violations_are_reported_and_still_forwarded(
    canned: tuple[Canned, str], method: str, path: str, body: bytes | None, expected: str
) -> None:
    upstream, url = canned
    upstream.answer(400, {"problemType": "x", "title": "bad", "details": []})
    client = proxy_app(url, proxy_errors=True).test_client()
    response = client.open(
        path, method=method, data=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert len(upstream.seen) == 1  # reported, not blocked: what does the real API do with it?
    found = violations(client)
    assert any(v["in"] == "request" and v["message"].startswith(expected) for v in found), found
    assert json.loads(response.headers["X-Mock-Violations"]) == found


RESPONSE_VIOLATIONS = [
    (
        "GET",
        f"{EVENTS}/1",
        418,
        "EVENT",
        None,
        "status 418 is not documented for GET /api/calendar_events/{id}",
    ),
    ("GET", f"{EVENTS}/1", 200, {"calendar_events": "nope"}, None, "body/calendar_events: "),
    ("GET", f"{EVENTS}/1", 200, {"calendar_events": [{"id": 1}]}, None, "body/calendar_events/0: "),
    (
        "GET",
        f"{EVENTS}/1",
        200,
        b"<html>",
        [("Content-Type", "text/html")],
        "status 200 must have a JSON body",
    ),
    ("GET", f"{EVENTS}/1", 200, b"{oops", None, "body: not valid JSON although the Content-Type says JSON"),
    ("POST", EVENTS, 201, "EVENT", None, "missing response header Location"),
    (
        "POST",
        EVENTS,
        201,
        "EVENT",
        [("Content-Type", "application/json"), ("Location", "calendar_events/1")],
        "response header Location: ",  # the spec: format uri (an absolute URL)
    ),
]


@pytest.mark.parametrize(("method", "path", "status", "body", "headers", "expected"), RESPONSE_VIOLATIONS)
def test_response_violations_are_reported(
    canned: tuple[Canned, str],
    event: Any,
    method: str,
    path: str,
    status: int,
    body: Any,
    headers: Any,
    expected: str,
) -> None:
    upstream, url = canned
    upstream.answer(status, {"calendar_events": [event]} if body == "EVENT" else body, headers)
    client = proxy_app(url).test_client()
    sent = json.dumps(CREATE).encode() if method == "POST" else None
    response = client.open(
        path, method=method, data=sent, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == status  # passed through without --proxy-errors
    found = violations(client)
    assert [v["in"] for v in found] == ["response"] * len(found) and found
    assert any(v["message"].startswith(expected) for v in found), found


def test_a_header_parameter_violation_is_reported(tmp_path: Path) -> None:
    """No shipped spec constrains a request header (B2Core's Accept-Language is any string), so
    a copy of B2Core's spec gives it an enum; the proxy checks headers as the mock does."""
    spec = yaml.safe_load((SPECS_DIR / "b2core.yaml").read_text())
    spec["components"]["parameters"]["AcceptLanguage"]["schema"] = {"type": "string", "enum": ["en", "ja"]}
    (tmp_path / "b2core.yaml").write_text(yaml.safe_dump(spec))
    definition = replace(API_DEFINITIONS["b2core"], spec_file=tmp_path / "b2core.yaml")
    upstream = Canned()
    upstream.answer(200, [])
    with serving(upstream) as url:
        app = create_app({"proxy": {"b2core": url}, "log_requests": False}, definitions=[definition])
        client = app.test_client()
        client.get("/b2core/api/v2/calendars/events", headers={**AUTH, "Accept-Language": "fr"})
        found = violations(client)
        client.delete("/__mock/journal")
        client.get("/b2core/api/v2/calendars/events", headers={**AUTH, "Accept-Language": "ja"})
        clean = violations(client)
        for proxy in app.extensions["mockserver"].proxies.values():
            proxy.pool.clear()
    assert len(upstream.seen) == 2 and upstream.seen[0]["headers"]["Accept-Language"] == "fr"
    assert [v["in"] for v in found] == ["request"] and found[0]["message"].startswith("header/Accept-Language: ")
    assert clean == []


def test_proxy_errors_turns_response_violations_into_a_502_listing_them(canned: tuple[Canned, str]) -> None:
    upstream, url = canned
    upstream.answer(200, {"calendar_events": "nope"})
    client = proxy_app(url, proxy_errors=True).test_client()
    response = client.get(f"{EVENTS}/0", headers=AUTH)
    assert response.status_code == 502
    body = response.get_json()
    assert body["mock_error"] == "the upstream's response does not match the spec (--proxy-errors)"
    assert (body["api"], body["operation"], body["status"]) == ("kona", "getCalendarEvent", 200)
    assert [v["in"] for v in body["violations"]] == ["request", "response"]
    assert violations(client) == body["violations"]
    assert client.get("/__mock/journal").get_json()["entries"][0]["status"] == 502


def test_proxy_errors_lets_a_conforming_response_through(canned: tuple[Canned, str], event: Any) -> None:
    upstream, url = canned
    upstream.answer(200, {"calendar_events": [event]})
    response = proxy_app(url, proxy_errors=True).test_client().get(f"{EVENTS}/1", headers=AUTH)
    assert response.status_code == 200 and response.get_json() == {"calendar_events": [event]}


def many_violations(canned: tuple[Canned, str], **config: Any) -> tuple[Any, list[dict[str, str]]]:
    upstream, url = canned
    upstream.answer(200, {"calendar_events": [{"id": "x", "name": n} for n in range(40)]})
    client = proxy_app(url, **config).test_client()
    response = client.get(f"{EVENTS}/1", headers=AUTH)
    return response, violations(client)


def test_the_violations_header_is_bounded_and_the_journal_keeps_everything(
    canned: tuple[Canned, str],
) -> None:
    response, found = many_violations(canned, violations_header_bytes=300)
    header = response.headers["X-Mock-Violations"]
    shown = json.loads(header)
    assert len(header.encode()) <= 300 and header.isascii()
    assert len(found) > 40 and shown[:-1] == found[: len(shown) - 1]
    assert shown[-1] == {
        "in": "mock",
        "message": f"{len(found) - len(shown) + 1} more violation(s) in GET /__mock/journal",
    }
    default, _ = many_violations(canned)
    assert len(default.headers["X-Mock-Violations"]) <= 4096


def test_the_violations_header_can_be_turned_off(canned: tuple[Canned, str]) -> None:
    response, found = many_violations(canned, violations_header_bytes=0)
    assert "X-Mock-Violations" not in response.headers and found


def test_an_unreachable_upstream_is_a_502_at_once() -> None:
    port = free_port()  # nothing listens there
    client = proxy_app(f"http://127.0.0.1:{port}", proxy_timeout=2).test_client()
    started = time.monotonic()
    response = client.get(f"{EVENTS}/1", headers=AUTH)
    assert time.monotonic() - started < 2
    assert response.status_code == 502
    body = response.get_json()
    assert body["mock_error"] == "the upstream could not be reached" and body["status"] is None
    assert body["violations"][-1]["message"].startswith(f"upstream http://127.0.0.1:{port} unreachable")


def test_a_slow_upstream_is_a_502_within_the_timeout(canned: tuple[Canned, str]) -> None:
    upstream, url = canned
    upstream.delay = 1.5
    client = proxy_app(url, proxy_timeout=0.5).test_client()
    started = time.monotonic()
    response = client.get(f"{EVENTS}/1", headers=AUTH)
    assert 0.4 < time.monotonic() - started < 2.0
    assert response.status_code == 502 and "unreachable" in response.get_json()["violations"][-1]["message"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"proxy": {"kona": "ftp://x"}}, "is not an http(s) base URL"),
        ({"proxy": {"kona": "http://x/?a=1"}}, "is not an http(s) base URL"),
        ({"proxy": ["kona"]}, "proxy must map API names"),
        ({"proxy": {"perscom": "http://x"}}, "proxy for perscom: not a mounted API"),
        ({"proxy_timeout": 0}, "proxy_timeout must be"),
        ({"proxy_timeout": "5"}, "proxy_timeout must be"),
        ({"violations_header_bytes": 10}, "violations_header_bytes must be 0 (off) or 256..65536"),
    ],
)
def test_bad_proxy_config_is_refused_at_start(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_app(config, apis=["kona"])


@pytest.mark.live
def test_serve_with_proxy_flags_end_to_end(canned: tuple[Canned, str]) -> None:
    upstream, url = canned
    upstream.answer(200, {"calendar_events": "nope"})
    server = LiveServer.start(
        strict=False, extra=["--proxy", f"kona={url}", "--proxy-errors", "--proxy-timeout", "5"]
    )
    try:
        request = urllib.request.Request(f"{server.url}/kona/api/calendar_events/1", headers=AUTH)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        with refused.value:
            assert refused.value.code == 502 and json.loads(refused.value.headers["X-Mock-Violations"])
        # the other APIs are still the mock's own
        request = urllib.request.Request(f"{server.url}/perscom/v2/events", headers=AUTH)
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
    finally:
        server.stop()
    assert upstream.seen[0]["headers"]["Authorization"] == "Bearer dev-token"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--proxy", "kona"], "--proxy wants API=URL"),
        (["--proxy", "nosuch=http://x"], "--proxy nosuch: unknown API"),
        (["--proxy", "kona=http://x", "--proxy", "kona=http://y"], "--proxy kona given twice"),
        (["--proxy", "kona=x"], "is not an http(s) base URL"),
    ],
)
def test_serve_refuses_bad_proxy_arguments(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and message in result.stderr, result.stderr
