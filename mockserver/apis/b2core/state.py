"""B2Core's state: calendar events keyed by integer id, and the next id to hand out.

A reset leaves no events (a fresh B2Core installation has an empty Back Office calendar); ids
start at 1 and never repeat within a state, even after a delete.

Beside the ``events`` dict the state keeps the events' start and end instants by id, and the
starts in a ``SortedList`` of ``(start, id)``, so a list filtered on dates reads only the events
whose start can match, in start order, and compares ends without parsing them. Every write goes
through ``put`` and ``remove``, which keep the four in step.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sortedcontainers import SortedList

from mockserver.apis.b2core.dates import format_timestamp, parse_instant
from mockserver.apis.b2core.rules import EndBeforeStart, check_date_order

EVENT_FIELDS = (
    "id",
    "caption",
    "description",
    "startDate",
    "endDate",
    "notifications",
    "recipients",
    "createTime",
    "updateTime",
)
_LOADED_AT = format_timestamp(datetime(2022, 1, 1, tzinfo=UTC))


def _loaded_event(raw: Mapping[str, Any], event_id: int) -> dict[str, Any]:
    """One event of an admin state document, checked like a created one."""
    caption, description = raw["caption"], raw.get("description")
    if not isinstance(caption, str) or not (description is None or isinstance(description, str)):
        raise ValueError(f"event {event_id}: caption and description must be strings")
    event: dict[str, Any] = {
        "id": event_id,
        "caption": caption,
        "description": description,
        "startDate": str(raw["startDate"]),
        "endDate": str(raw["endDate"]),
        "notifications": tuple(str(n) for n in raw.get("notifications", ())),
        "recipients": tuple(str(r) for r in raw.get("recipients", ())),
        "createTime": str(raw.get("createTime", _LOADED_AT)),
        "updateTime": str(raw.get("updateTime", raw.get("createTime", _LOADED_AT))),
    }
    for name in ("startDate", "endDate", "createTime", "updateTime"):
        parse_instant(event[name])  # ValueError if not RFC 3339
    try:
        check_date_order(event)
    except EndBeforeStart as exc:
        raise ValueError(f"event {event_id}: {exc}") from None
    return event


def _exported(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event as a state document holds it: its tuples (records.py) as lists."""
    return {**event, "notifications": list(event["notifications"]), "recipients": list(event["recipients"])}


@dataclass
class B2CoreState:
    """``events`` is read freely but written only through ``put`` and ``remove``."""

    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    # each event's start as indexed in _by_start, and its end, by id
    starts: dict[int, datetime] = field(init=False, repr=False, compare=False, default_factory=dict)
    ends: dict[int, datetime] = field(init=False, repr=False, compare=False, default_factory=dict)
    _by_start: SortedList = field(init=False, repr=False, compare=False, default_factory=SortedList)

    def __post_init__(self) -> None:
        for event in self.events.values():
            self._index(event)

    def put(self, event: dict[str, Any]) -> None:
        """Store ``event`` under its id, replacing any event of that id."""
        if event["id"] in self.events:
            self.remove(event["id"])
        self.events[event["id"]] = event
        self._index(event)

    def remove(self, event_id: int) -> dict[str, Any]:
        """Drop the event of ``event_id`` (``KeyError`` if there is none) and answer it."""
        self._by_start.remove((self.starts.pop(event_id), event_id))
        del self.ends[event_id]
        return self.events.pop(event_id)

    def by_start(
        self, earliest: datetime | None, latest: datetime | None, *, descending: bool = False
    ) -> Iterator[dict[str, Any]]:
        """The events starting at or after ``earliest`` and at or before ``latest`` (``None``: no
        bound) one at a time, by start (latest first if ``descending``); events with equal starts
        come by ascending id either way. Read lazily, so a caller that wants one page stops
        there; the state must not change while it is read."""
        low = None if earliest is None else (earliest,)
        high = None if latest is None else (latest, math.inf)  # after every (latest, id)
        keys = self._by_start.irange(low, high, reverse=descending)
        events = self.events
        if not descending:
            for _, event_id in keys:
                yield events[event_id]
            return
        tied: list[int] = []  # ids of one start, met in descending order
        tied_start = None
        for start, event_id in keys:
            if start != tied_start:
                for earlier_id in reversed(tied):
                    yield events[earlier_id]
                tied.clear()
                tied_start = start
            tied.append(event_id)
        for earlier_id in reversed(tied):
            yield events[earlier_id]

    def _index(self, event: Mapping[str, Any]) -> None:
        start, end = parse_instant(event["startDate"]), parse_instant(event["endDate"])
        self.starts[event["id"]] = start
        self.ends[event["id"]] = end
        self._by_start.add((start, event["id"]))

    def export(self) -> dict[str, Any]:
        return {
            "events": [_exported(self.events[i]) for i in sorted(self.events)],
            "next_id": self.next_id,
        }

    def load(self, data: Mapping[str, Any]) -> None:
        for raw in data.get("events", ()):
            event_id = int(raw["id"]) if "id" in raw else self.next_id
            if event_id < 1:
                raise ValueError(f"event id {event_id} must be at least 1")
            self.put(_loaded_event(raw, event_id))
            self.next_id = max(self.next_id, event_id + 1)
        self.next_id = max(self.next_id, int(data.get("next_id", self.next_id)))

    def allocate_id(self) -> int:
        allocated = self.next_id
        self.next_id += 1
        return allocated
