"""PERSCOM's state: events by id (soft-deleted ones keep ``deleted_at``), calendars and users.

``events`` is an ``index.EventTable``: a dict that counts its writes, so what searches keep of
the events is dropped when they change; a stored event changed in place is counted with
``events.touch()`` (``records.py`` does). An event is stored as the API shows it (dates in Laravel's ``...000000Z`` form) plus ``deleted_at``
and its ``tags`` (``[{id, name}]``, loadable through fixtures). After a reset there are no events,
one calendar and one user, both with id 123 — the ids the vendor's docs use in every example
(seed S0), so the documented requests are valid against a fresh mock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.apis.perscom.dates import format_datetime, parse_datetime
from mockserver.apis.perscom.index import EventTable

DEFAULT_CALENDAR = {"id": 123, "name": "Operations", "description": None, "color": "#2563eb"}
DEFAULT_USER = {"id": 123, "name": "PERSCOM Administrator", "email": "admin@perscom.test"}

WRITABLE = (
    "name",
    "calendar_id",
    "description",
    "content",
    "location",
    "url",
    "author_id",
    "all_day",
    "starts",
    "ends",
    "repeats",
    "registration_enabled",
    "registration_deadline",
    "notifications_enabled",
    "notifications_interval",
    "notifications_channels",
)
DATE_INPUTS = ("starts", "ends", "registration_deadline")
DEFAULTS: dict[str, Any] = {
    "description": None,
    "content": None,
    "location": None,
    "url": None,
    "all_day": False,
    "ends": None,
    "repeats": False,
    "registration_enabled": True,
    "registration_deadline": None,
    "notifications_enabled": True,
    "notifications_interval": None,
    "notifications_channels": None,
}


def stored_date(value: Any) -> str | None:
    """A date input as stored (UTC, Laravel form); ``None`` stays ``None``."""
    if value is None:
        return None
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(f"not a date: {value!r}")
    return format_datetime(moment)


@dataclass
class PerscomState:
    events: EventTable = field(default_factory=EventTable)
    calendars: dict[int, dict[str, Any]] = field(default_factory=lambda: {123: dict(DEFAULT_CALENDAR)})
    users: dict[int, dict[str, Any]] = field(default_factory=lambda: {123: dict(DEFAULT_USER)})
    next_id: int = 1
    # a search's clauses by body (``search.kept_clauses``); not part of the state's data
    plans: dict[bytes, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.events, EventTable):  # PerscomState(events={...})
            self.events = EventTable(self.events)

    def export(self) -> dict[str, Any]:
        return {
            "events": [dict(self.events[i]) for i in sorted(self.events)],
            "calendars": [dict(self.calendars[i]) for i in sorted(self.calendars)],
            "users": [dict(self.users[i]) for i in sorted(self.users)],
            "next_id": self.next_id,
        }

    def load(self, data: Mapping[str, Any]) -> None:
        """Fixtures: ``calendars``/``users`` (``{id, name, ...}``) and ``events`` (any API fields)."""
        for key, target in (("calendars", self.calendars), ("users", self.users)):
            for raw in data.get(key, ()):
                record = dict(raw)
                record["id"] = int(record["id"])
                record["name"] = str(record["name"])
                target[record["id"]] = record
        for raw in data.get("events", ()):
            self._load_event(raw)
        self.next_id = max(self.next_id, int(data.get("next_id", self.next_id)))

    def _load_event(self, raw: Mapping[str, Any]) -> None:
        event_id = int(raw["id"]) if "id" in raw else self.allocate_id()
        event: dict[str, Any] = {"id": event_id, **DEFAULTS}
        event.update({k: raw[k] for k in WRITABLE if k in raw})
        for name in ("name", "calendar_id", "author_id", "starts"):
            if name not in raw:
                raise ValueError(f"event {event_id}: {name} is required")
        event["calendar_id"], event["author_id"] = int(raw["calendar_id"]), int(raw["author_id"])
        for name in (*DATE_INPUTS, "created_at", "updated_at", "deleted_at"):
            event[name] = stored_date(raw.get(name, event.get(name)))
        event["created_at"] = event["created_at"] or event["starts"]
        event["updated_at"] = event["updated_at"] or event["created_at"]
        event["tags"] = [{"id": int(t["id"]), "name": str(t["name"])} for t in raw.get("tags", ())]
        self.events[event_id] = event
        self.next_id = max(self.next_id, event_id + 1)

    def allocate_id(self) -> int:
        allocated = self.next_id
        self.next_id += 1
        return allocated
