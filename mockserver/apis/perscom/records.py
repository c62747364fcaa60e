"""PERSCOM's event records: made from a create, changed by an update, trashed or deleted, and
their wire view (``render``, with the relations ``include`` asks for).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from mockserver.apis.perscom.dates import format_datetime, parse_datetime
from mockserver.apis.perscom.state import DATE_INPUTS, DEFAULTS, WRITABLE, PerscomState, stored_date
from mockserver.errors import FieldError, Kind, RequestValidationError

Event = dict[str, Any]
OUTPUT_FIELDS = ("id", *WRITABLE, "label", "created_at", "updated_at", "deleted_at")
NULLABLE_TEXT = ("description", "content", "location", "url")


def related(state: PerscomState) -> Callable[[Mapping[str, Any], str], Any]:
    def find(event: Mapping[str, Any], relation: str) -> Any:
        if relation == "calendar":
            return state.calendars.get(event["calendar_id"])
        if relation == "author":
            return state.users.get(event["author_id"])
        if relation == "tags":
            return event.get("tags", [])
        return None

    return find


def render(state: PerscomState, event: Event, relations: Iterable[str] = ()) -> Event:
    """The event as the API shows it; an all-day event's times are serialized at midnight."""
    out = {name: event.get(name) for name in OUTPUT_FIELDS}
    out["label"] = f"Event: {event['id']}"
    if event.get("all_day"):
        for name in ("starts", "ends"):
            moment = parse_datetime(out[name]) if out[name] else None
            if moment is not None:
                out[name] = format_datetime(moment.replace(hour=0, minute=0, second=0, microsecond=0))
    find = related(state)
    for relation in relations:
        if relation in ("calendar", "author", "tags"):
            found = find(event, relation)
            out[relation] = [dict(t) for t in found] if relation == "tags" else _record(found)
        else:  # attachments, comments, image, schedule: the mock keeps none
            out[relation] = [] if relation in ("attachments", "comments") else None
    return out


def _record(found: Any) -> Any:
    return dict(found) if isinstance(found, Mapping) else None


def clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Known fields only (unknown keys are dropped), trimmed; blank nullable texts become null."""
    out: dict[str, Any] = {}
    for name in WRITABLE:
        if name not in fields:
            continue
        value = fields[name]
        if isinstance(value, str):
            value = value.strip()
            if not value and name in NULLABLE_TEXT:
                value = None
        if name in DATE_INPUTS:
            value = stored_date(value)
        out[name] = value
    return out


def writable(items: Iterable[tuple[tuple[str | int, ...], Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The ``(path, fields)`` items as they will be stored (``clean``), every one checked before
    any is written. A date the schema lets through but no record can hold (year 0000) is
    Laravel's "must be a valid date" for its field; the problems of all items in one 422."""
    out: list[dict[str, Any]] = []
    problems: list[FieldError] = []
    for path, fields in items:
        bad = [
            FieldError("body", (*path, name), Kind.FORMAT, fields[name], format="date-time")
            for name in DATE_INPUTS
            if fields.get(name) is not None and parse_datetime(fields[name]) is None
        ]
        problems += bad
        if not bad:
            out.append(clean(fields))
    if problems:
        raise RequestValidationError(problems)
    return out


def new_event(state: PerscomState, fields: Mapping[str, Any], now: datetime) -> Event:
    """A new record from ``writable`` fields (nothing can fail once an id is taken)."""
    stamp = format_datetime(now)
    event: Event = {"id": state.allocate_id(), **DEFAULTS, **fields}
    event.update(created_at=stamp, updated_at=stamp, deleted_at=None, tags=[])
    state.events[event["id"]] = event
    return event


def update_event(state: PerscomState, event: Event, fields: Mapping[str, Any], now: datetime) -> None:
    """``event`` changed by ``writable`` fields."""
    event.update(fields)
    event["updated_at"] = format_datetime(now)
    state.events.touch()


def delete_event(state: PerscomState, event: Event, force: bool, now: datetime) -> Event:
    if force:
        removed: Event = state.events.pop(event["id"])
        return removed
    stamp = format_datetime(now)
    event.update(deleted_at=stamp, updated_at=stamp)
    state.events.touch()
    return event
