"""A bounded, thread-safe ring buffer of the requests the mock answered, with what was exchanged.

Each entry keeps the request's headers and body and the response's status, size and body, so a
test can check what its client sent. Recording is on every request's path, so an entry keeps
the raw bytes (a body past the configured limit cut there) and the header pairs as they came;
bodies are parsed, headers masked and timestamps formatted only when the journal is read.

The buffer is bounded twice: at most ``size`` entries and at most ``max_bytes`` of kept bodies
and headers; the oldest entries go first.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from mockserver.intake import HEADER_NAMES_KEY
from mockserver.masking import mask_header

# every query parameter GET /__mock/journal understands (admin.yaml lists the same)
FILTERS = ("api", "operation_id", "method", "path", "path_prefix", "status", "since", "limit")
_NUMERIC = ("status", "since", "limit")
ENTRY_OVERHEAD = 400  # bytes an entry costs besides its bodies and headers (the object, its fields)


class JournalQueryError(ValueError):
    """An unknown or malformed journal filter; the message names the valid ones."""


def parse_filters(args: Iterable[tuple[str, str]]) -> tuple[dict[str, str], int | None]:
    """The (filters, limit) of a journal query, or JournalQueryError naming what is wrong."""
    filters: dict[str, str] = {}
    for key, value in args:
        if key not in FILTERS:
            raise JournalQueryError(f"unknown journal filter {key!r}; valid filters: {', '.join(FILTERS)}")
        if key in _NUMERIC:
            try:
                number = int(value)
            except ValueError:
                raise JournalQueryError(f"journal filter {key!r} must be an integer, got {value!r}") from None
            if key == "limit" and number < 1:
                raise JournalQueryError(f"journal filter 'limit' must be at least 1, got {value!r}")
        filters[key] = value
    limit = filters.pop("limit", None)
    return filters, int(limit) if limit is not None else None


@dataclass(slots=True)
class Body:
    """A request or response body as kept: at most the journal's limit of its bytes."""

    data: bytes
    size: int
    content_type: str | None

    @classmethod
    def keep(cls, data: bytes, content_type: str | None, limit: int) -> Body:
        return cls(data[:limit], len(data), content_type)  # no copy when it fits

    @property
    def truncated(self) -> bool:
        return len(self.data) < self.size

    def shown(self) -> Any:
        """Parsed JSON when the body is JSON and whole, else its text; None when empty."""
        if not self.data:
            return None
        text = self.data.decode("utf-8", "replace")
        if not self.truncated and self.content_type and "json" in self.content_type:
            try:
                return json.loads(text)
            except ValueError:
                pass
        return text


@dataclass(slots=True)
class JournalEntry:
    """One answered request. ``time`` is a Unix timestamp, shown as ISO 8601 when read."""

    seq: int
    time: float
    api: str | None
    operation_id: str | None
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    request_headers: list[tuple[str, str]]  # (WSGI environ key, value): named when read
    request_body: Body
    response_body: Body
    effects: list[dict[str, Any]] | None = None  # what a chaos rule or a Prefer header did
    # What the validating proxy found wrong with the request or the upstream's answer.
    violations: tuple[dict[str, str], ...] = ()

    @property
    def cost(self) -> int:
        """Bytes this entry holds, for the journal's byte bound."""
        headers = sum(map(len, chain.from_iterable(self.request_headers)))
        found = sum(len(v["message"]) + 32 for v in self.violations) if self.violations else 0
        return ENTRY_OVERHEAD + headers + found + len(self.request_body.data) + len(self.response_body.data)

    def matches(self, filters: Mapping[str, str]) -> bool:
        for key, wanted in filters.items():
            if key == "since":
                if self.seq <= int(wanted):
                    return False
            elif key == "path_prefix":
                if not self.path.startswith(wanted):
                    return False
            elif str(getattr(self, key)).lower() != wanted.lower():
                return False
        return True

    def summary(self) -> dict[str, Any]:
        """The entry without bodies (what a JSON access-log line holds; ``seq`` 0: not kept)."""
        return {
            "seq": self.seq,
            "time": datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds"),
            "api": self.api,
            "operation_id": self.operation_id,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "effects": self.effects,
            "violations": list(self.violations),
            "request": {"headers": _headers(self.request_headers), "size": self.request_body.size},
            "response": {"status": self.status, "size": self.response_body.size},
        }

    def shown(self) -> dict[str, Any]:
        shown = self.summary()
        for part, body in (("request", self.request_body), ("response", self.response_body)):
            shown[part]["body"] = body.shown()
            shown[part]["truncated"] = body.truncated
        return shown


def _headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for key, value in pairs:
        name = (key[5:] if key.startswith("HTTP_") else key).replace("_", "-").title()
        shown[name] = mask_header(name, value)
    return shown


def environ_headers(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A request's headers as the WSGI environ holds them (cheap: no name conversion), in the
    environ's order; the intake front lists the HTTP_ keys it added (``HEADER_NAMES_KEY``), so
    they are picked out without a walk over every key of the environ (~3 us of a request)."""
    names = environ.get(HEADER_NAMES_KEY)
    if names is not None:
        pairs = [(key, environ[key]) for key in names if key in environ]
    else:
        pairs = [(key, value) for key, value in environ.items() if key[:5] == "HTTP_"]
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            pairs.append((key, environ[key]))
    return pairs


class Journal:
    def __init__(self, size: int, max_bytes: int = 16 * 2**20, body_limit: int = 64 * 2**10) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.body_limit = body_limit
        self._entries: deque[tuple[JournalEntry, int]] = deque()
        self._bytes = 0
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def make(
        self,
        *,
        environ: Mapping[str, Any] | None = None,
        request_body: bytes = b"",
        response_body: bytes = b"",
        response_type: str | None = None,
        **fields: Any,
    ) -> JournalEntry:
        """An entry for one answered request, not yet kept (``seq`` 0); ``environ`` is its WSGI
        environ, read for the headers; bodies are cut at the journal's limit."""
        limit = self.body_limit
        request_headers = environ_headers(environ) if environ is not None else []
        request_type = environ.get("CONTENT_TYPE") if environ is not None else None
        return JournalEntry(
            0,
            **fields,
            request_headers=request_headers,
            request_body=Body.keep(request_body, request_type, limit),
            response_body=Body.keep(response_body, response_type, limit),
        )

    def entry(
        self,
        time: float,
        api: str | None,
        operation_id: str | None,
        method: str,
        path: str,
        query: str,
        status: int,
        duration_ms: float,
        environ: Mapping[str, Any],
        request_body: bytes,
        response_body: bytes,
        response_type: str | None,
        effects: list[dict[str, Any]] | None,
        violations: tuple[dict[str, str], ...],
    ) -> JournalEntry:
        """``make`` with every field given in order: what the gateway calls on every request."""
        limit = self.body_limit
        return JournalEntry(
            0,
            time,
            api,
            operation_id,
            method,
            path,
            query,
            status,
            duration_ms,
            environ_headers(environ),
            Body.keep(request_body, environ.get("CONTENT_TYPE"), limit),
            Body.keep(response_body, response_type, limit),
            effects,
            violations,
        )

    def add(self, entry: JournalEntry) -> JournalEntry:
        """Keep ``entry`` (numbered now), dropping the oldest past either bound."""
        cost = entry.cost
        with self._lock:
            entry.seq = next(self._seq)
            entries = self._entries
            entries.append((entry, cost))
            self._bytes += cost
            while len(entries) > self.size or (self._bytes > self.max_bytes and len(entries) > 1):
                self._bytes -= entries.popleft()[1]
        return entry

    def record(self, **fields: Any) -> JournalEntry:
        return self.add(self.make(**fields))

    @property
    def bytes(self) -> int:
        return self._bytes

    def entries(
        self, filters: Mapping[str, str] | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        with self._lock:
            snapshot = [entry for entry, _ in self._entries]
        chosen = [e for e in snapshot if e.matches(filters or {})]
        return [e.shown() for e in (chosen[-limit:] if limit else chosen)]

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self._bytes = 0
        return count
