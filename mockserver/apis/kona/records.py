"""Stored Kona calendar-event records: create, partial update, and the wire view.

A record is one ``KonaRecord`` per stored event (a recurring series is one record): a mapping keyed
exactly as the API names its fields, kept in slots rather than a dict (~4x smaller, which is what
lets 100k events fit the memory budget). ``href`` is derived from ``id``; the write-only id lists
are kept as tuples and read back as fresh lists. A record becomes read-only once an
``index.EventStore`` holds it: a change is a new record (``updated_record``) stored in its place. Dates (``start_at``, ``end_at``, ``series_end_at``, ``created_at``,
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

from collections.abc import Collection, Iterator, Mapping, MutableMapping
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
RECORD_FIELDS = (
    "id",
    "href",
    *DEFAULTS,
    "participant_ids",
    "editor_ids",
    "tags",
    "space_id",
    "creator_id",
    "start_at",
    "end_at",
    "created_at",
    "updated_at",
    "name",
    "external_object",
)
_STORED_FIELDS = frozenset(RECORD_FIELDS) - {"href"}
_LIST_FIELDS = frozenset({"participant_ids", "editor_ids", "tags"})
_PLAIN_FIELDS = _STORED_FIELDS - _LIST_FIELDS
_AFTER_HREF = tuple((key, key in _LIST_FIELDS) for key in RECORD_FIELDS[2:])
_ABSENT = object()


class ReadOnlyRecord(TypeError):
    """A stored record was changed in place; store a changed copy instead."""


class KonaRecord(MutableMapping[str, Any]):
    """One stored event as a mapping over slots; iteration follows ``RECORD_FIELDS``."""

    __slots__ = (*sorted(_STORED_FIELDS), "_frozen")

    id: int
    start_at: datetime
    end_at: datetime

    def __init__(self, data: Mapping[str, Any] | None = None, /) -> None:
        for key, value in (data or {}).items():
            if key != "href":
                self[key] = value

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> KonaRecord:
        """A new record holding ``values``, whose keys are stored fields (no ``href``): the bulk
        path of a create and of a state load, ~3x quicker than item by item."""
        record = cls.__new__(cls)
        for key, value in values.items():
            setattr(record, key, tuple(value) if key in _LIST_FIELDS else value)
        return record

    def freeze(self) -> None:
        self._frozen = True

    def copy(self) -> KonaRecord:
        """A writable copy."""
        return KonaRecord(self)

    def __getitem__(self, key: str) -> Any:
        if key in _PLAIN_FIELDS:
            try:
                return getattr(self, key)
            except AttributeError:
                raise KeyError(key) from None
        if key == "href":
            try:
                return HREF_TEMPLATE.format(id=self.id)
            except AttributeError:
                raise KeyError(key) from None
        if key not in _STORED_FIELDS:
            raise KeyError(key)
        try:
            value = getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None
        return list(value) if key in _LIST_FIELDS else value

    def get(self, key: str, default: Any = None) -> Any:
        if key in _PLAIN_FIELDS:
            return getattr(self, key, default)
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: Any) -> None:
        self._writable()
        if key not in _STORED_FIELDS:
            raise KeyError(f"{key!r} is not a stored Kona event field")
        setattr(self, key, tuple(value) if key in _LIST_FIELDS else value)

    def __delitem__(self, key: str) -> None:
        self._writable()
        if key not in _STORED_FIELDS or not hasattr(self, key):
            raise KeyError(key)
        delattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_dict())

    def __len__(self) -> int:
        return len(self.as_dict())

    def __repr__(self) -> str:
        return f"KonaRecord({self.as_dict()!r})"

    def as_dict(self, skip: Collection[str] = ()) -> dict[str, Any]:
        """The record as a plain dict in ``RECORD_FIELDS`` order, without the keys in ``skip``."""
        out: dict[str, Any] = {}
        event_id = getattr(self, "id", _ABSENT)
        if event_id is not _ABSENT:
            out["id"] = event_id
            out["href"] = HREF_TEMPLATE.format(id=event_id)
        for key, is_list in _AFTER_HREF:
            value: Any = getattr(self, key, _ABSENT)
            if value is not _ABSENT and key not in skip:
                out[key] = list(value) if is_list else value
        return out

    def pairs(self) -> Iterator[tuple[str, Any]]:
        """``items()``, faster (no per-key lookup)."""
        return iter(self.as_dict().items())

    def _writable(self) -> None:
        if getattr(self, "_frozen", False):
            raise ReadOnlyRecord("a stored Kona record is read-only; store a changed copy")


def new_record(
    item: Mapping[str, Any],
    *,
    event_id: int,
    now: datetime,
    creator_id: int,
    default_space_id: int,
    space_ids: Collection[int],
    stored: Mapping[str, Any] | None = None,
) -> KonaRecord:
    """A new record from a create item; raises ``rules`` errors (InvalidDate, UnknownSpace, ...).
    ``stored`` holds values of stored fields no create item can set (a state load's ``tags``,
    ``updated_at``), taken as they are."""
    stored = stored or {}
    stamp = truncate_to_ms(now)
    changes = _parsed(item)
    start = changes.get("start_at", min(stamp, changes.get("end_at", stamp)))
    values = {
        "id": event_id,
        **DEFAULTS,
        "participant_ids": (),
        "editor_ids": (),
        "tags": (),
        "space_id": default_space_id,
        "creator_id": creator_id,
        "start_at": start,
        "end_at": max(stamp, start),
        "created_at": stamp,
        "updated_at": stamp,
    }
    linked = changes.pop("external_object", None)
    values.update(changes, **stored)
    if linked:
        values["external_object"] = _external_object(linked)
    return _checked(KonaRecord.of(values), space_ids)


def updated_record(
    record: Mapping[str, Any], item: Mapping[str, Any], *, now: datetime, space_ids: Collection[int]
) -> KonaRecord:
    """A copy of ``record`` with the keys present in ``item`` changed (PUT is a patch)."""
    merged = _merged(KonaRecord(record), _parsed(item))
    merged["updated_at"] = truncate_to_ms(now)
    return _checked(merged, space_ids)


def to_wire(record: Mapping[str, Any], occurrence: Occurrence | None = None) -> dict[str, Any]:
    """The JSON item Kona returns; ``occurrence`` (default: the first) sets a series' dates."""
    if isinstance(record, KonaRecord):
        body = record.as_dict(WRITE_ONLY_FIELDS)
    else:
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


def _merged(record: KonaRecord, changes: Mapping[str, Any]) -> KonaRecord:
    for key, value in changes.items():
        if key == "external_object":
            _link_external_object(record, value)
        elif key in WRITE_ONLY_FIELDS:
            record[key] = list(value)
        else:
            record[key] = value
    return record


def _link_external_object(record: KonaRecord, value: Mapping[str, Any]) -> None:
    """``{}`` removes the link; an object replaces it (only id, name and url are kept)."""
    if not value:
        record.pop("external_object", None)
        return
    record["external_object"] = _external_object(value)


def _external_object(value: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value[key] for key in ("id", "name", "url") if key in value}


def _checked(record: KonaRecord, space_ids: Collection[int]) -> KonaRecord:
    rules.check_space(record["space_id"], space_ids)
    rules.check_end_not_before_start(record["start_at"], record["end_at"])
    return record
