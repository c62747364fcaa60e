"""The mock inside another project's tests: a real HTTP server on a free loopback port, in a thread.

``MockService.start()`` builds the app, binds 127.0.0.1 on a port the OS picks (no race with
another process), serves it from a background thread and hands back a handle: each API's base
URL, the dev token, and helpers over the admin API (``/__mock``) to reset state, load fixtures,
read the journal, assert an operation was called, and freeze or move the clock. The pytest
plugin (``mockserver.pytest_plugin``) wraps it in fixtures; any other runner can use it directly::

    with MockService.start() as mock:
        requests.get(f"{mock.urls['kona']}/api/v2/calendars/events", headers=mock.auth_headers)
        mock.assert_called("listCalendarEvents", times=1)
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from mockserver.config import DEV_TOKEN


class MockService:
    """A running mock: ``url`` (its root), ``urls`` (per API), ``token``, and the admin helpers."""

    def __init__(self, url: str, apis: Sequence[str], server: Any = None, token: str = DEV_TOKEN) -> None:
        self.url = url.rstrip("/")
        self.apis = list(apis)
        self.urls = {api: f"{self.url}/{api}" for api in self.apis}
        self.token = token
        self._server = server
        self._thread: threading.Thread | None = None
        self.seed: Path | None = None  # loaded at start and by clean()

    @classmethod
    def start(
        cls,
        config: Mapping[str, Any] | None = None,
        *,
        apis: Sequence[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: str | Path | None = None,
    ) -> MockService:
        """Serve a new mock (its own state) until ``stop()``; ``port=0`` lets the OS pick one.
        ``seed`` is a YAML/JSON ``{api: state}`` file loaded now and by every ``clean()``."""
        from werkzeug.serving import WSGIRequestHandler, make_server

        from mockserver.app import create_app

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                """The journal records every request; no second log line per request."""

        app = create_app(config, apis=apis)
        server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
        mounted = sorted(app.extensions["mockserver"].runtimes)
        service = cls(f"http://{host}:{server.server_port}", mounted, server)
        service._thread = threading.Thread(target=server.serve_forever, name="mockserver", daemon=True)
        service._thread.start()
        if seed is not None:
            service.seed = Path(seed)
            try:
                service.load(service.seed)
            except (OSError, AssertionError):
                service.stop()
                raise
        return service

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MockService:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def auth_headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer dev-token"}``: what every API accepts out of the box."""
        return {"Authorization": f"Bearer {self.token}"}

    # -- the admin API --------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> Any:
        """One call to ``/__mock<path>``; a refused call raises ``AssertionError`` with its message."""
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/__mock{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise AssertionError(
                f"mockserver refused {method} /__mock{path}: {error.code} {detail}"
            ) from None

    def clean(self) -> None:
        """A clean slate: every API's start-up state (the seed, if any), empty journal, real clock."""
        self.reset()
        if self.seed is not None:
            self.load(self.seed)
        self.clear_journal()
        self.unfreeze()

    def reset(self, api: str | None = None) -> None:
        """Every API (or one) back to its empty start-up state; minted tokens are forgotten."""
        self.admin("POST", f"/reset/{api}" if api else "/reset")

    def load(self, fixtures: Mapping[str, Any] | str | Path, *, replace: bool = False) -> list[str]:
        """Add ``{api: state}`` fixtures (a mapping, or a YAML/JSON file) to the current state;
        ``replace=True`` replaces the named APIs' state instead. All or nothing."""
        method = "PUT" if replace else "POST"
        if isinstance(fixtures, Mapping):
            loaded = self.admin(method, "/state", dict(fixtures))
        else:
            loaded = self.admin(method, "/state", Path(fixtures).read_bytes(), "application/yaml")
        names: list[str] = loaded["loaded"]
        return names

    def state(self, api: str | None = None) -> Any:
        return self.admin("GET", f"/state/{api}" if api else "/state")

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries, oldest first; filters as ``GET /__mock/journal`` takes them
        (api, operation_id, method, path, path_prefix, status, since, limit)."""
        query = urllib.parse.urlencode({k: v for k, v in filters.items() if v is not None})
        entries: list[dict[str, Any]] = self.admin("GET", f"/journal?{query}" if query else "/journal")[
            "entries"
        ]
        return entries

    def clear_journal(self) -> None:
        self.admin("DELETE", "/journal")

    def calls(self, operation_id: str, *, api: str | None = None, **fields: Any) -> list[dict[str, Any]]:
        """The journal entries of ``operation_id`` whose request body holds ``fields``."""
        entries = self.journal(operation_id=operation_id, api=api)
        return [e for e in entries if not fields or _holds(e["request"]["body"], fields)]

    def assert_called(
        self,
        operation_id: str,
        *,
        times: int | None = None,
        api: str | None = None,
        status: int | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Assert ``operation_id`` was called (``times`` times exactly, if given), optionally with
        that answer status and a request body holding ``body``'s fields (for a JSON array body:
        an item holding them). Returns the matching journal entries."""
        everything = self.journal(operation_id=operation_id, api=api)
        matching = [
            e
            for e in everything
            if (status is None or e["status"] == status)
            and (body is None or _holds(e["request"]["body"], body))
        ]
        if (times is None and not matching) or (times is not None and len(matching) != times):
            wanted = "at least once" if times is None else f"{times} time(s)"
            conditions = [f"status {status}"] if status is not None else []
            conditions += [f"body holding {dict(body)!r}"] if body is not None else []
            seen = "".join(
                f"\n  #{e['seq']} {e['method']} {e['path']} -> {e['status']} body={e['request']['body']!r}"
                for e in everything
            )
            condition = f" with {' and '.join(conditions)}" if conditions else ""
            raise AssertionError(
                f"expected {operation_id}{condition} {wanted}, "
                f"matched {len(matching)} of {len(everything)} call(s){':' if seen else ''}{seen}"
            )
        return matching

    def assert_not_called(self, operation_id: str, *, api: str | None = None) -> None:
        self.assert_called(operation_id, times=0, api=api)

    def freeze(self, at: datetime | str) -> datetime:
        """Stop the mock's clock at ``at`` (an aware datetime, or ISO 8601 with an offset)."""
        now = at.isoformat() if isinstance(at, datetime) else at
        return _now(self.admin("PUT", "/clock", {"now": now}))

    def advance(self, by: timedelta | float) -> datetime:
        """Move the mock's clock forward (seconds or a timedelta), e.g. past a token's expiry."""
        seconds = by.total_seconds() if isinstance(by, timedelta) else float(by)
        return _now(self.admin("PUT", "/clock", {"advance_seconds": seconds}))

    def unfreeze(self) -> datetime:
        """Back to the real time."""
        return _now(self.admin("DELETE", "/clock"))

    def now(self) -> datetime:
        return _now(self.admin("GET", "/clock"))


def _now(clock: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(clock["now"])


def _holds(body: Any, fields: Mapping[str, Any]) -> bool:
    """Whether a JSON body (an object, or an array with such an object) has these field values."""
    if isinstance(body, list):
        return any(_holds(item, fields) for item in body)
    return isinstance(body, Mapping) and all(k in body and body[k] == v for k, v in fields.items())
