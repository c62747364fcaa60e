"""A deliberately drifted Kona: our mock behind a WSGI middleware that changes ten things, each
in one operation, together covering every finding kind of ``contracts drift``.

``PLANTED`` lists them as (kind, operation, where): what the drift report must say, once each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tests.servers import WsgiApp

Headers = list[tuple[str, str]]
EVENT = re.compile(r"^/kona/api/calendar_events/\d+$")


@dataclass(frozen=True)
class Drift:
    kind: str
    operation: str
    where: str
    applies: Callable[[str, str, int], bool]  # (method, path, status)
    change: Callable[[int, Headers, Any], tuple[int, Headers, Any]]


def _events(body: Any, change: Callable[[dict[str, Any]], None]) -> Any:
    for event in body.get("calendar_events", []):
        change(event)
    return body


def _users(body: Any, change: Callable[[dict[str, Any]], None]) -> Any:
    for user in body.get("users", []):
        change(user)
    return body


def _header(headers: Headers, name: str, value: str | None) -> Headers:
    kept = [(k, v) for k, v in headers if k.lower() != name.lower()]
    return kept + ([(name, value)] if value is not None else [])


def _location(headers: Headers) -> Headers:
    [old] = [v for k, v in headers if k.lower() == "location"]
    return _header(headers, "Location", old.replace("/api/calendar_events/", "/api/v1/events/"))


ONE = "/api/calendar_events/{id}"
LIST = "/api/calendar_events"
DRIFTS = (
    Drift(
        "status", f"PUT {ONE}", "status",
        lambda m, p, s: m == "PUT" and bool(EVENT.match(p)) and s == 200,
        lambda s, h, b: (202, h, b),
    ),
    Drift(
        "missing-field", f"GET {ONE}", "/calendar_events/*/timezone",
        lambda m, p, s: m == "GET" and bool(EVENT.match(p)) and s == 200,
        lambda s, h, b: (s, h, _events(b, lambda e: e.update(timezone="UTC"))),
    ),
    Drift(
        "header", f"GET {ONE}", "cache-control",
        lambda m, p, s: m == "GET" and bool(EVENT.match(p)) and s == 200,
        lambda s, h, b: (s, _header(h, "Cache-Control", "private, max-age=60"), b),
    ),
    Drift(
        "extra-field", "GET /api/userinfo", "/users/*/picture_thumb",
        lambda m, p, s: m == "GET" and p == "/kona/api/userinfo" and s == 200,
        lambda s, h, b: (s, h, _users(b, lambda u: u.pop("picture_thumb", None))),
    ),
    Drift(
        "value", "GET /api/userinfo", "/users/*/name",
        lambda m, p, s: m == "GET" and p == "/kona/api/userinfo" and s == 200,
        lambda s, h, b: (s, h, _users(b, lambda u: u.update(name="Pat Doe (staging)"))),
    ),
    Drift(
        "type", f"POST {LIST}", "/calendar_events/*/space_id",
        lambda m, p, s: m == "POST" and p == f"/kona{LIST}" and s == 201,
        lambda s, h, b: (s, h, _events(b, lambda e: e.update(space_id=str(e["space_id"])))),
    ),
    Drift(
        "header", f"POST {LIST}", "location",
        lambda m, p, s: m == "POST" and p == f"/kona{LIST}" and s == 201,
        lambda s, h, b: (s, _location(h), b),
    ),
    Drift(
        "enum", f"GET {LIST}", "/calendar_events/*/visibility",
        lambda m, p, s: m == "GET" and p == f"/kona{LIST}" and s == 200,
        lambda s, h, b: (s, h, _events(b, lambda e: e.update(visibility=3))),
    ),
    Drift(
        "header", "POST /oauth/token", "content-type",
        lambda m, p, s: m == "POST" and p == "/kona/oauth/token" and s == 200,
        lambda s, h, b: (s, _header(h, "Content-Type", "text/plain; charset=utf-8"), b),
    ),
    Drift(
        "error-envelope", "GET (path not in the spec)", "",
        lambda m, p, s: m == "GET" and s == 404 and p.startswith("/kona/") and not p.startswith(f"/kona{LIST}"),
        lambda s, h, b: (s, h, {"error": {"code": 404, "message": "Not Found"}}),
    ),
)
PLANTED = sorted((d.kind, d.operation, d.where) for d in DRIFTS)


def drifted(app: WsgiApp, drifts: Iterable[Drift] = DRIFTS) -> WsgiApp:
    """``app`` with ``drifts`` applied to its answers."""
    chosen = tuple(drifts)

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        seen: dict[str, Any] = {}

        def keep(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
            seen["status"], seen["headers"] = status, list(headers)
            return lambda data: None

        raw = b"".join(app(environ, keep))
        status, headers = int(seen["status"].split()[0]), seen["headers"]
        body: Any = json.loads(raw) if raw.strip() else None
        applied = [d for d in chosen if d.applies(method, path, status)]
        for drift in applied:
            status, headers, body = drift.change(status, headers, body)
        if applied:
            raw = json.dumps(body).encode() if body is not None else b""
            headers = _header(headers, "Content-Length", str(len(raw)))
        reason = {202: "Accepted"}.get(status, seen["status"].split(" ", 1)[-1])
        start_response(f"{status} {reason}", headers)
        return [raw]

    return middleware
