"""Injectable clocks so expiry and "current month" rules can be tested."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, shifted by an offset the admin API may set."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._frozen: datetime | None = None
        self._lock = threading.Lock()  # writers; a reader takes (frozen, offset) as one tuple
        self._reading: tuple[datetime | None, timedelta] = (None, self._offset)

    def now(self) -> datetime:
        frozen, offset = self._reading  # every request asks: no lock, and the pair always matches
        if frozen is not None:
            return frozen
        return datetime.now(UTC) + offset if offset else datetime.now(UTC)

    def _publish(self) -> None:
        self._reading = (self._frozen, self._offset)

    def freeze(self, at: datetime) -> None:
        with self._lock:
            self._frozen = at.astimezone(UTC)
            self._publish()

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta
            self._publish()

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta()
            self._frozen = None
            self._publish()

    @property
    def frozen(self) -> bool:
        return self._frozen is not None
