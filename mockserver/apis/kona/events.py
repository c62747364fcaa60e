"""Stored Kona calendar-event records: create, partial update, and the wire view.

A record is one dict per stored event (a recurring series is one record), keyed exactly as the
API names its fields. Dates (``start_at``, ``end_at``, ``series_end_at``, ``created_at``,
``updated_at``) are aware UTC ``datetime`` objects, truncated to milliseconds; ``to_wire`` turns
them into epoch milliseconds. ``participant_ids``/``editor_ids`` are stored but never returned.
``external_object`` is absent from a record (and its wire view) until one is linked.

Input items are assumed to have passed the spec's schema validation; read-only and unknown keys
are ignored. Defaults (seed): status 1, visibility 2, stakeholder 1, default_role 1; ``start_at``
and ``end_at`` default to now — except that a missing ``end_at`` never falls before a given
``start_at`` (it becomes ``start_at``) and a missing ``start_at`` never falls after a given
``end_at``, so a default alone never triggers the end-before-start 422.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from . import rules
from .dates import parse_date, to_epoch_ms, truncate_to_ms
from .recurrence import Occurrence, Series

HREF_TEMPLATE = "https://io.kona.com/api/calendar_events/{id}"
WRITE_ONLY_FIELDS = frozenset({"participant_ids", "editor_ids"})
INPUT_DATE_FIELDS = ("start_at", "end_at", "series_end_at")
OUTPUT_DATE_FIELDS = (*INPUT_DATE_FIELDS, "created_at", "updated_at")
WRITABLE_FIELDS = frozenset(
    {
        "name",
        "location",
        "details",
        "all_day",
        "start_at",
        "end_at",
        "space_id",
        "creator_id",
        "participant_ids",
        "editor_ids",
        "status",
        "visibility",
        "stakeholder",
        "default_role",
        "period",
        "frequency",
        "sel_days",
        "series_end_at",
        "external_object",
    }
)
DEFAULTS: Mapping[str, Any] = {
    "location": None,
    "details": None,
    "all_day": False,
    "status": 1,
    "visibility": 2,
    "stakeholder": 1,
    "default_role": 1,
    "period": 0,
    "frequency": 0,
    "sel_days": None,
    "series_end_at": None,
    "ics_feed_id": None,
}


def new_record(
    item: Mapping[str, Any],
    *,
    event_id: int,
    now: datetime,
    creator_id: int,
    default_space_id: int,
    space_ids: Collection[int],
) -> dict[str, Any]:
    """A new record from a create item; raises ``rules`` errors (InvalidDate, UnknownSpace, ...)."""
    stamp = truncate_to_ms(now)
    changes = _parsed(item)
    start = changes.get("start_at", min(stamp, changes.get("end_at", stamp)))
    record: dict[str, Any] = {
        "id": event_id,
        "href": HREF_TEMPLATE.format(id=event_id),
        **DEFAULTS,
        "participant_ids": [],
        "editor_ids": [],
        "tags": [],
        "space_id": default_space_id,
        "creator_id": creator_id,
        "start_at": start,
        "end_at": max(stamp, start),
        "created_at": stamp,
        "updated_at": stamp,
    }
    return _checked(_merged(record, changes), space_ids)


def updated_record(
    record: Mapping[str, Any], item: Mapping[str, Any], *, now: datetime, space_ids: Collection[int]
) -> dict[str, Any]:
    """A copy of ``record`` with the keys present in ``item`` changed (PUT is a patch)."""
    merged = _merged(dict(record), _parsed(item))
    merged["updated_at"] = truncate_to_ms(now)
    return _checked(merged, space_ids)


def to_wire(record: Mapping[str, Any], occurrence: Occurrence | None = None) -> dict[str, Any]:
    """The JSON item Kona returns; ``occurrence`` (default: the first) sets a series' dates."""
    body = {key: value for key, value in record.items() if key not in WRITE_ONLY_FIELDS}
    recurring = Series.from_record(record).recurring
    if occurrence is not None:
        body["start_at"], body["end_at"] = occurrence.start, occurrence.end
    body["series_id"] = record["id"] if recurring else None
    number = occurrence.num_in_series if occurrence else 1
    body["num_in_series"] = number if recurring else None
    for key in OUTPUT_DATE_FIELDS:
        if body.get(key) is not None:
            body[key] = to_epoch_ms(body[key])
    return body


def _parsed(item: Mapping[str, Any]) -> dict[str, Any]:
    changes = {key: value for key, value in item.items() if key in WRITABLE_FIELDS}
    for key in INPUT_DATE_FIELDS:
        if changes.get(key) is not None:
            changes[key] = parse_date(changes[key], field=key)
    return changes


def _merged(record: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        if key == "external_object":
            _link_external_object(record, value)
        elif key in WRITE_ONLY_FIELDS:
            record[key] = list(value)
        else:
            record[key] = value
    return record


def _link_external_object(record: dict[str, Any], value: Mapping[str, Any]) -> None:
    """``{}`` removes the link; an object replaces it (only id, name and url are kept)."""
    if not value:
        record.pop("external_object", None)
        return
    record["external_object"] = {key: value[key] for key in ("id", "name", "url") if key in value}


def _checked(record: dict[str, Any], space_ids: Collection[int]) -> dict[str, Any]:
    rules.check_space(record["space_id"], space_ids)
    rules.check_end_not_before_start(record["start_at"], record["end_at"])
    return record
