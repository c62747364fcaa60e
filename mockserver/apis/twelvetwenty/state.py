"""12Twenty's state: calendar events keyed by ExternalId, and the known students."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

# Ids look like the vendor's (S2 success example) and never repeat within a state.
FIRST_ID = 270067010486464
FIELDS = ("Id", "ExternalId", "UserId", "TypeId", "StartTime", "EndTime", "Title")
_fields = itemgetter(*FIELDS)


@dataclass
class TwelveTwentyState:
    """``users`` empty means every UserId is a known student (the default directory)."""

    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: set[int] = field(default_factory=set)
    next_id: int = FIRST_ID

    def export(self) -> dict[str, Any]:
        return {
            # a batch stores each item's own dict, its fields in the client's order
            "events": [dict(zip(FIELDS, _fields(e), strict=True)) for e in self.events.values()],
            "users": sorted(self.users),
            "next_id": self.next_id,
        }

    def load(self, data: Mapping[str, Any]) -> None:
        for raw in data.get("events", ()):
            event = {name: raw[name] for name in FIELDS if name != "Id"}
            if not isinstance(event["ExternalId"], str) or not isinstance(event["UserId"], int):
                raise ValueError(f"event {raw!r}: ExternalId must be a string and UserId an integer")
            event["Id"] = int(raw["Id"]) if "Id" in raw else self.allocate_id()
            self.events[event["ExternalId"]] = {name: event[name] for name in FIELDS}
            self.next_id = max(self.next_id, event["Id"] + 1)
        self.users.update(int(u) for u in data.get("users", ()))
        self.next_id = max(self.next_id, int(data.get("next_id", self.next_id)))

    def allocate_id(self) -> int:
        allocated = self.next_id
        self.next_id += 1
        return allocated
