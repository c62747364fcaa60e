"""A bounded, thread-safe ring buffer of the requests the mock answered."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(slots=True)
class JournalEntry:
    """One answered request. ``time`` is a Unix timestamp, shown as ISO 8601 when read: the
    entry is written on every request, so it is kept as cheap to build as possible."""

    seq: int
    time: float
    api: str | None
    operation_id: str | None
    method: str
    path: str
    query: str
    status: int
    duration_ms: float

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


FILTERS = ("api", "operation_id", "method", "path", "status", "since", "path_prefix")


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, **fields: Any) -> JournalEntry:
        with self._lock:
            entry = JournalEntry(next(self._seq), **fields)
            self._entries.append(entry)
        return entry

    def entries(
        self, filters: Mapping[str, str] | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        with self._lock:
            snapshot = list(self._entries)
        chosen = [e for e in snapshot if e.matches(filters or {})]
        return [_shown(e) for e in (chosen[-limit:] if limit else chosen)]

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
        return count


def _shown(entry: JournalEntry) -> dict[str, Any]:
    shown = asdict(entry)
    shown["time"] = datetime.fromtimestamp(entry.time, UTC).isoformat(timespec="milliseconds")
    return shown
