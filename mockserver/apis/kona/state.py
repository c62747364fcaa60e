"""Kona's state: events (one record per event or series), spaces, users and OAuth clients.

Records are stored as ``records.new_record`` builds them (dates kept in epoch milliseconds);
``export()`` gives dates as epoch milliseconds and ``load()`` accepts any Kona date input form.

After a reset there is one space (id 9, ``spaces.DEFAULT_SPACE_ID``), one user (id 42, the user of
every configured token) and one OAuth client (``dev-client`` / ``dev-secret``). Fixtures add more::

    {"kona": {"spaces": [{"id": 10, "name": "Sales"}],
              "users": [{"id": 43, "email": "kim@example.com", "name": "Kim"}],
              "clients": [{"client_id": "crm", "client_secret": "s3cret"}],
              "events": [{"name": "Kickoff", "space_id": 10, "start_at": 1477900800000}]}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .dates import parse_ms, to_epoch_ms
from .index import EventStore
from .records import KonaRecord, new_record
from .spaces import DEFAULT_SPACE_ID, initial_spaces

DEFAULT_USER_ID = 42
DEFAULT_CLIENT_ID = "dev-client"
DEFAULT_CLIENT: dict[str, Any] = {
    "client_id": DEFAULT_CLIENT_ID,
    "client_secret": "dev-secret",
    "redirect_uri": None,
}
RECORD_DATES = ("start_at", "end_at", "series_end_at", "created_at", "updated_at")
RECURRENCE_CHOICES = {"period": range(6), "frequency": range(4), "sel_days": range(7)}


def _default_users() -> dict[int, dict[str, Any]]:
    return {
        DEFAULT_USER_ID: {
            "id": DEFAULT_USER_ID,
            "email": "pat@example.com",
            "name": "Pat Doe",
            "picture_thumb": None,
            "updated_at": 1477900800000,
            "href": f"https://io.kona.com/api/users/{DEFAULT_USER_ID}",
            "current_account": {"id": 7, "member": True},
        }
    }


@dataclass
class KonaState:
    events: EventStore = field(default_factory=EventStore)
    spaces: dict[int, dict[str, Any]] = field(default_factory=initial_spaces)
    users: dict[int, dict[str, Any]] = field(default_factory=_default_users)
    clients: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {DEFAULT_CLIENT_ID: dict(DEFAULT_CLIENT)}
    )
    # refresh token -> {"client_id", "user_id"}; a refresh keeps the same refresh token.
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def allocate_id(self) -> int:
        allocated = self.next_id
        self.next_id += 1
        return allocated

    def user_for(self, subject: str) -> dict[str, Any]:
        """The user a token subject names (``"42"``); any other subject is the default user."""
        if subject.isdigit() and int(subject) in self.users:
            return self.users[int(subject)]
        return self.users.get(DEFAULT_USER_ID) or next(iter(self.users.values()))

    def export(self) -> dict[str, Any]:
        return {
            "events": [_exported(record) for record in self.events.values()],
            "spaces": [dict(s) for s in self.spaces.values()],
            "users": [dict(u) for u in self.users.values()],
            "clients": [dict(c) for c in self.clients.values()],
            "refresh_tokens": {k: dict(v) for k, v in self.refresh_tokens.items()},
            "next_id": self.next_id,
        }

    def load(self, data: Mapping[str, Any]) -> None:
        for space in data.get("spaces", ()):
            self.spaces[int(space["id"])] = {"id": int(space["id"]), "name": str(space.get("name", ""))}
        for user in data.get("users", ()):
            user_id = int(user["id"])
            self.users[user_id] = {
                **_default_users()[DEFAULT_USER_ID],
                "href": f"https://io.kona.com/api/users/{user_id}",
                **user,
                "id": user_id,
            }
        for client in data.get("clients", ()):
            self.clients[str(client["client_id"])] = {
                "client_id": str(client["client_id"]),
                "client_secret": str(client["client_secret"]),
                "redirect_uri": client.get("redirect_uri"),
            }
        for token, grant in dict(data.get("refresh_tokens", {})).items():
            self.refresh_tokens[str(token)] = {
                "client_id": str(grant["client_id"]),
                "user_id": int(grant["user_id"]),
            }
        # one copy of each distinct string (and event length), none an object of the parsed document:
        # if the records kept its strings, those few objects would pin the pages of the whole parsed
        # document after the request is freed (~30 MB of RSS at 100k events)
        shared: dict[Any, Any] = {}
        loaded_at = to_epoch_ms(datetime.now(UTC))  # created_at of the events that give none
        for raw in data.get("events", ()):
            self._load_event(raw, shared, loaded_at)
        self.next_id = max(self.next_id, int(data.get("next_id", self.next_id)))

    def _load_event(self, raw: Mapping[str, Any], shared: dict[Any, Any], loaded_at: int) -> None:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            raise ValueError(f"event {raw!r}: needs a string name")
        for key, choices in RECURRENCE_CHOICES.items():  # what the expansion can read (the spec's enums)
            if raw.get(key) is not None and raw[key] not in choices:
                bounds = f"{choices[0]}..{choices[-1]}"
                raise ValueError(f"event {raw.get('id', raw['name'])!r}: {key} must be {bounds}, not {raw[key]!r}")
        event_id = int(raw["id"]) + 0 if "id" in raw else self.allocate_id()
        created = parse_ms(raw["created_at"], field="created_at") if "created_at" in raw else loaded_at
        stored: dict[str, Any] = {"tags": [str(t) for t in raw.get("tags", ())]}
        if "updated_at" in raw:
            stored["updated_at"] = parse_ms(raw["updated_at"], field="updated_at")
        if raw.get("ics_feed_id") is not None:
            stored["ics_feed_id"] = int(raw["ics_feed_id"]) + 0
        record = new_record(
            raw,
            event_id=event_id,
            now=created,
            creator_id=int(raw.get("creator_id", DEFAULT_USER_ID)) + 0,
            default_space_id=DEFAULT_SPACE_ID,
            space_ids=self.spaces.keys(),
            stored=stored,
            shared=shared,
        )
        self.events[event_id] = record
        self.next_id = max(self.next_id, event_id + 1)


def _exported(record: KonaRecord) -> dict[str, Any]:
    out = record.as_dict(epoch_ms=True)
    for key in RECORD_DATES:  # dates last, as they always were
        out[key] = out.pop(key, None)
    return out
