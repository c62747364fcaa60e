"""Stored Kona calendar-event records: create, partial update, and the wire view.

A record is one ``KonaRecord`` per stored event (a recurring series is one record): a mapping keyed
exactly as the API names its fields, kept in slots rather than a dict. ``href`` is derived from
``id``; the write-only id lists are kept as tuples and read back as fresh lists. A record becomes
read-only once an ``index.EventStore`` holds it: a change is a new record (``updated_record``)
stored in its place. Dates (``start_at``, ``end_at``, ``series_end_at``, ``created_at``,
``updated_at``) read as aware UTC ``datetime`` objects, truncated to milliseconds, and are kept as
the epoch milliseconds Kona's wire form uses; fields left at their default take no room. Both are
what lets 100k events fit the memory budget (bench/scale.py). ``participant_ids``/``editor_ids``
are stored but never returned. ``external_object`` is absent from a record (and its wire view)
until one is linked.

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
from .dates import from_epoch_ms, parse_ms, to_epoch_ms
from .recurrence import Occurrence

HREF_TEMPLATE = "https://io.kona.com/api/calendar_events/{id}"
WRITE_ONLY_FIELDS = frozenset({"participant_ids", "editor_ids"})
INPUT_DATE_FIELDS = ("start_at", "end_at", "series_end_at")
DATE_SLOTS = ("start_at", "end_at", "created_at", "updated_at")
WRITABLE_FIELDS = frozenset(
    {
        *("name", "location", "details", "all_day", "start_at", "end_at", "space_id", "creator_id"),
        *("participant_ids", "editor_ids", "status", "visibility", "stakeholder", "default_role"),
        *("period", "frequency", "sel_days", "series_end_at", "external_object"),
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
    *("id", "href", *DEFAULTS, "participant_ids", "editor_ids", "tags", "space_id", "creator_id"),
    *("start_at", "end_at", "created_at", "updated_at", "name", "external_object"),
)
_STORED_FIELDS = frozenset(RECORD_FIELDS) - {"href"}
_LIST_FIELDS = frozenset({"participant_ids", "editor_ids", "tags"})
_SLOTTED = ("id", "name", "location", "details", "space_id", "creator_id", *DATE_SLOTS)  # in every record
_REST_DEFAULTS: Mapping[str, Any] = {
    **{key: value for key, value in DEFAULTS.items() if key not in _SLOTTED},
    "participant_ids": (),
    "editor_ids": (),
    "tags": (),
}
_MS_FIELDS = frozenset({*DATE_SLOTS, "series_end_at"})  # kept as epoch milliseconds
_ABSENT = object()


class ReadOnlyRecord(TypeError):
    """A stored record was changed in place; store a changed copy instead."""


class KonaRecord(MutableMapping[str, Any]):
    """One stored event as a mapping over slots; iteration follows ``RECORD_FIELDS``.

    Dates are kept as epoch-millisecond ints (the attributes ``start_at`` & co. hold them) and
    read through the mapping as aware UTC datetimes; ``end_at`` is kept as its distance from
    ``start_at`` (a state load keeps one object per distinct length: most events share a few),
    ``created_at`` and ``updated_at`` in one slot (one int while they are equal);
    a field left at its default costs nothing (``_rest`` holds the others, ``None`` when there
    are none)."""

    __slots__ = (*(key for key in _SLOTTED if key not in DATE_SLOTS), "_start", "_span", "_stamps", "_rest")

    id: int
    space_id: int
    _start: int
    _span: int
    _stamps: Any  # created_at, or (created_at, updated_at) when they differ
    _rest: dict[str, Any] | None

    def __init__(self, data: Mapping[str, Any] | None = None, /) -> None:
        self._rest = None
        # end_at last: it is kept as a span from start_at
        for key, value in sorted((data or {}).items(), key=lambda item: item[0] == "end_at"):
            if key != "href":
                self[key] = value

    @classmethod
    def of(
        cls, values: Mapping[str, Any], rest: dict[str, Any] | None, shared: dict[Any, Any] | None = None
    ) -> KonaRecord:
        """A new record: ``values`` names slotted fields only (dates in epoch ms, both start_at
        and end_at), ``rest`` the others that differ from their default (id lists as tuples);
        the bulk path of a create and of a state load (``shared``: see ``new_record``)."""
        record = cls.__new__(cls)
        for key, value in values.items():
            if key not in _DATES:
                setattr(record, key, value)
        record._stamps = _stamps(values["created_at"], values["updated_at"])
        record._start = start = values["start_at"]
        span = values["end_at"] - start
        record._span = span if shared is None else shared.setdefault(span, span)
        record._rest = rest or None
        return record

    @property
    def start_at(self) -> int:
        return self._start

    @start_at.setter
    def start_at(self, value: int) -> None:
        end = getattr(self, "end_at", None)
        self._start = value
        if end is not None:
            self._span = end - value  # the end stays where it was

    @property
    def end_at(self) -> int:
        return self._start + self._span

    @end_at.setter
    def end_at(self, value: int) -> None:
        self._span = value - self._start

    @property
    def created_at(self) -> int:
        stamps = self._stamps
        return stamps if type(stamps) is int else stamps[0]

    @created_at.setter
    def created_at(self, value: int) -> None:
        self._stamps = _stamps(value, getattr(self, "updated_at", value))

    @property
    def updated_at(self) -> int:
        stamps = self._stamps
        return stamps if type(stamps) is int else stamps[1]

    @updated_at.setter
    def updated_at(self, value: int) -> None:
        self._stamps = _stamps(getattr(self, "created_at", value), value)

    @property
    def length(self) -> int:
        """``end_at - start_at`` in ms, the object the record keeps."""
        return self._span

    def freeze(self) -> None:
        self.__class__ = _FrozenKonaRecord  # same slots: only the write methods differ

    def copy(self) -> KonaRecord:
        """A writable copy."""
        copied = KonaRecord.__new__(KonaRecord)
        for key in KonaRecord.__slots__:
            value = getattr(self, key, _ABSENT)
            if value is not _ABSENT:
                setattr(copied, key, value)
        copied._rest = dict(self._rest) if self._rest else None
        return copied

    def raw(self, key: str, default: Any = None) -> Any:
        """A stored value as kept: dates in epoch ms, id lists as tuples."""
        if key in _SLOTTED_SET:
            return getattr(self, key, default)
        rest = self._rest
        if rest is not None and key in rest:
            return rest[key]
        return _REST_DEFAULTS.get(key, default)

    def __getitem__(self, key: str) -> Any:
        value = self.raw(key, _ABSENT)
        if value is _ABSENT:
            if key == "href" and hasattr(self, "id"):
                return HREF_TEMPLATE.format(id=self.id)
            raise KeyError(key)
        if key in _MS_FIELDS:
            return None if value is None else from_epoch_ms(value)
        return list(value) if key in _LIST_FIELDS else value

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in _STORED_FIELDS:
            raise KeyError(f"{key!r} is not a stored Kona event field")
        if key in _MS_FIELDS and value is not None and not isinstance(value, int):
            value = to_epoch_ms(value)
        if key in _SLOTTED_SET:
            setattr(self, key, value)
            return
        if key in _LIST_FIELDS:
            value = tuple(value)
        rest = self._rest or {}
        if key in _REST_DEFAULTS and value == _REST_DEFAULTS[key] and type(value) is type(_REST_DEFAULTS[key]):
            rest.pop(key, None)
        else:
            rest[key] = value
        self._rest = rest or None

    def __delitem__(self, key: str) -> None:
        if key in _SLOTTED_SET and hasattr(self, key):
            delattr(self, key)
        elif self._rest is not None and key in self._rest:
            del self._rest[key]
            self._rest = self._rest or None
        else:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_dict())

    def __len__(self) -> int:
        return len(self.as_dict())

    def __repr__(self) -> str:
        return f"KonaRecord({self.as_dict()!r})"

    def as_dict(self, skip: Collection[str] = (), *, epoch_ms: bool = False) -> dict[str, Any]:
        """The record as a plain dict in ``RECORD_FIELDS`` order, without the keys in ``skip``;
        dates as datetimes, or as epoch milliseconds with ``epoch_ms``."""
        out: dict[str, Any] = {}
        event_id = getattr(self, "id", _ABSENT)
        if event_id is not _ABSENT:
            out["id"] = event_id
            out["href"] = HREF_TEMPLATE.format(id=event_id)
        rest = self._rest or {}
        for key, kind in _AFTER_HREF:
            if key in skip:
                continue
            if kind == _SLOT:
                value: Any = getattr(self, key, _ABSENT)
            else:
                value = rest.get(key, _REST_DEFAULTS.get(key, _ABSENT))
            if value is _ABSENT:
                continue
            if kind == _LIST:
                value = list(value)
            elif key in _MS_FIELDS and not epoch_ms and value is not None:
                value = from_epoch_ms(value)
            out[key] = value
        return out


def _stamps(created: int, updated: int) -> Any:
    return created if created == updated and type(created) is int else (created, updated)


class _FrozenKonaRecord(KonaRecord):
    """A record an ``index.EventStore`` holds: read-only."""

    __slots__ = ()

    def __setitem__(self, key: str, value: Any) -> None:
        raise ReadOnlyRecord("a stored Kona record is read-only; store a changed copy")

    def __delitem__(self, key: str) -> None:
        raise ReadOnlyRecord("a stored Kona record is read-only; store a changed copy")


_SLOTTED_SET = frozenset(_SLOTTED)
_DATES = frozenset(DATE_SLOTS)
_SLOT, _LIST, _PLAIN = range(3)
_AFTER_HREF = tuple(
    (key, _SLOT if key in _SLOTTED_SET else _LIST if key in _LIST_FIELDS else _PLAIN)
    for key in RECORD_FIELDS[2:]
)


def new_record(
    item: Mapping[str, Any],
    *,
    event_id: int,
    now: datetime | int,
    creator_id: int,
    default_space_id: int,
    space_ids: Collection[int],
    stored: Mapping[str, Any] | None = None,
    shared: dict[Any, Any] | None = None,
) -> KonaRecord:
    """A new record from a create item; raises ``rules`` errors (InvalidDate, UnknownSpace, ...).
    ``now`` may be given in epoch ms. ``stored`` holds values of stored fields no create item can
    set (a state load's ``tags``, ``updated_at`` in epoch ms), taken as they are. With ``shared``
    (a state load), every string value is replaced by its copy in that dict, made on first sight,
    and so is each event's length (end_at - start_at): equal ones are kept once, and none is an
    object of the parsed request."""
    stamp = now if isinstance(now, int) else to_epoch_ms(now)
    values: dict[str, Any] = {"id": event_id, "space_id": default_space_id, "creator_id": creator_id}
    rest: dict[str, Any] = {}
    for key, value in item.items():
        if key not in WRITABLE_FIELDS:
            continue
        if shared is not None:
            value = _kept(value, shared)
        if key in _SLOTTED_SET:
            values[key] = value
        elif key in INPUT_DATE_FIELDS:  # series_end_at
            if value is not None:
                rest[key] = parse_ms(value, field=key)
        elif key == "external_object":
            if value:
                rest[key] = _external_object(value)
        elif key in _LIST_FIELDS:
            if value := tuple(value):
                rest[key] = value
        elif value != _REST_DEFAULTS[key] or type(value) is not type(_REST_DEFAULTS[key]):
            rest[key] = value
    has_start, has_end = "start_at" in values, "end_at" in values
    if has_start:
        values["start_at"] = start = parse_ms(values["start_at"], field="start_at")
    if has_end:
        values["end_at"] = parse_ms(values["end_at"], field="end_at")
    if not has_start:
        values["start_at"] = start = min(stamp, values.get("end_at", stamp))
    if not has_end:
        values["end_at"] = max(stamp, start)
    values["created_at"] = values["updated_at"] = stamp
    for key, value in (stored or {}).items():
        if key in _SLOTTED_SET:
            values[key] = value
        elif key in _LIST_FIELDS:
            if value:
                rest[key] = tuple(value if shared is None else _kept(value, shared))
        elif value != _REST_DEFAULTS.get(key, _ABSENT):
            rest[key] = value
    record = KonaRecord.of(values, rest, shared)
    rules.check_space(record.space_id, space_ids)
    rules.check_end_not_before_start(record.start_at, record.end_at)
    return record


def updated_record(
    record: Mapping[str, Any], item: Mapping[str, Any], *, now: datetime, space_ids: Collection[int]
) -> KonaRecord:
    """A copy of ``record`` with the keys present in ``item`` changed (PUT is a patch)."""
    merged = record.copy() if isinstance(record, KonaRecord) else KonaRecord(record)
    for key, value in item.items():
        if key not in WRITABLE_FIELDS:
            continue
        if key in INPUT_DATE_FIELDS and value is not None:
            value = parse_ms(value, field=key)
        if key == "external_object":  # {} removes the link; an object replaces it
            if value:
                merged["external_object"] = _external_object(value)
            else:
                merged.pop("external_object", None)
        else:
            merged[key] = value
    merged["updated_at"] = to_epoch_ms(now)
    rules.check_space(merged.space_id, space_ids)
    rules.check_end_not_before_start(merged.start_at, merged.end_at)
    return merged


def to_wire(record: KonaRecord, occurrence: Occurrence | None = None) -> dict[str, Any]:
    """The JSON item Kona returns; ``occurrence`` (default: the first) sets a series' dates."""
    body = record.as_dict(WRITE_ONLY_FIELDS, epoch_ms=True)
    recurring = bool(record.raw("period")) and bool(record.raw("frequency"))  # as Series.recurring
    if occurrence is not None:
        body["start_at"], body["end_at"] = to_epoch_ms(occurrence.start), to_epoch_ms(occurrence.end)
    body["series_id"] = record["id"] if recurring else None
    number = occurrence.num_in_series if occurrence else 1
    body["num_in_series"] = number if recurring else None
    return body


def _kept(value: Any, shared: dict[Any, Any]) -> Any:
    """``value`` made of new objects, each string its copy in ``shared`` (made on first sight):
    see ``new_record``. Containers are copied (the caller's document is never shared)."""
    kind = type(value)
    if kind is str:
        kept = shared.get(value)
        if kept is None:
            kept = shared[value] = value.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
        return kept
    if kind is int:
        return value + 0  # a new int object (small ones are shared by every int anyway)
    if kind is bool or kind is float or value is None:
        return value
    if isinstance(value, Mapping):
        return {_kept(key, shared): _kept(item, shared) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_kept(item, shared) for item in value]
    return value


def _external_object(value: Mapping[str, Any]) -> dict[str, Any]:
    """Only id, name and url are kept."""
    return {key: value[key] for key in ("id", "name", "url") if key in value}
