"""``GET /api/v2/calendars/events``: filter, sort and paginate stored events.

Semantics from /work/shared/api-notes/b2core.md, open questions 2-4:

* ``filter[startDate]`` keeps events starting at or after it, ``filter[endDate]`` events ending
  at or before it (a window); ``filter[name]`` / ``filter[description]`` are case-insensitive
  substrings of ``caption`` / ``description``; ``filter[recipients]`` is a comma-separated list
  of e-mails, any of which must be among the event's recipients (case-insensitive);
* ``sort_by`` (default ``id``; ``startTime``/``endTime`` alias ``startDate``/``endDate``) and
  ``sort_order`` (default ``asc``); ties keep ascending ``id``;
* ``offset`` (default 0) then ``limit`` (default 10, 1..100).

Events are dicts as ``records`` describes them (dates as RFC 3339 strings).

``list_events`` reads a date-filtered or start-sorted list from the state's start index (see
``state``): the events starting in [``filter[startDate]``, ``filter[endDate]``] (an event ends
no earlier than it starts, which ``rules.check_date_order`` enforces on every write), already in
start order. Every other filter is applied to those candidates as to all events in a list
without date filters (the end filter to the state's parsed ends). Sorted by start, the page is
read lazily and the read stops at its last event; any other order sorts every match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from mockserver.apis.b2core.dates import parse_instant
from mockserver.apis.b2core.state import B2CoreState

E = TypeVar("E", bound=Mapping[str, Any])

SORT_ALIASES = {"startTime": "startDate", "endTime": "endDate"}
DEFAULT_SORT_FIELD = "id"
DEFAULT_SORT_ORDER = "asc"
DEFAULT_LIMIT = 10
_DATE_FIELDS = frozenset({"startDate", "endDate", "createTime", "updateTime"})


@dataclass(frozen=True)
class EventFilter:
    """Parsed ``filter[...]`` values; ``None`` / empty means "no constraint"."""

    starts_from: datetime | None = None
    ends_by: datetime | None = None
    recipients: frozenset[str] = frozenset()
    name: str | None = None
    description: str | None = None


def parse_filter(raw: Mapping[str, Any] | None) -> EventFilter:
    """The ``filter`` deepObject, already validated against the spec (keys, formats, pattern)."""
    raw = raw or {}
    starts, ends, recipients = raw.get("startDate"), raw.get("endDate"), raw.get("recipients")
    name, description = raw.get("name"), raw.get("description")
    return EventFilter(
        starts_from=None if starts is None else parse_instant(starts),
        ends_by=None if ends is None else parse_instant(ends),
        recipients=frozenset(part.strip().casefold() for part in recipients.split(","))
        if recipients
        else frozenset(),
        name=None if name is None else name.casefold(),
        description=None if description is None else description.casefold(),
    )


def _contains(text: str | None, needle: str | None) -> bool:
    return needle is None or needle in (text or "").casefold()


def matches(event: Mapping[str, Any], wanted: EventFilter) -> bool:
    """Whether one event passes every filter."""
    if wanted.starts_from is not None and parse_instant(event["startDate"]) < wanted.starts_from:
        return False
    if wanted.ends_by is not None and parse_instant(event["endDate"]) > wanted.ends_by:
        return False
    if wanted.recipients and wanted.recipients.isdisjoint(r.casefold() for r in event["recipients"]):
        return False
    return _contains(event["caption"], wanted.name) and _contains(event["description"], wanted.description)


def _selected(events: Iterable[E], wanted: EventFilter, state: B2CoreState) -> Iterator[E]:
    """``(e for e in events if matches(e, wanted))`` but for the start filter, which the start
    index applies: lazily, with one generator per filter given (no per-event dispatch over the
    filters that are absent) and ends read from ``state``."""
    chosen = iter(events)
    if wanted.ends_by is not None:
        ends, ends_by = state.ends, wanted.ends_by
        chosen = (e for e in chosen if not ends[e["id"]] > ends_by)
    if wanted.recipients:
        recipients = wanted.recipients
        chosen = (e for e in chosen if not recipients.isdisjoint(r.casefold() for r in e["recipients"]))
    if wanted.name is not None:
        name = wanted.name
        chosen = (e for e in chosen if _contains(e["caption"], name))
    if wanted.description is not None:
        description = wanted.description
        chosen = (e for e in chosen if _contains(e["description"], description))
    return chosen


def resolve_sort_field(sort_by: str | None) -> str:
    """The event key ``sort_by`` sorts on (aliases resolved; the spec lists the names)."""
    name = DEFAULT_SORT_FIELD if sort_by is None else sort_by
    return SORT_ALIASES.get(name, name)


def _sort_key(field: str) -> Callable[[Mapping[str, Any]], Any]:
    if field in _DATE_FIELDS:
        return lambda event: parse_instant(event[field])
    if field == "caption":
        return lambda event: (event["caption"].casefold(), event["caption"])
    return lambda event: event[field]


def _sorted(events: Iterable[E], field: str, descending: bool) -> list[E]:
    by_id = sorted(events, key=lambda event: event["id"])
    return sorted(by_id, key=_sort_key(field), reverse=descending)


def page_bounds(limit: int | None = None, offset: int | None = None) -> tuple[int, int]:
    """The slice ``[start, stop)`` of the page (the spec bounds both numbers)."""
    limit = DEFAULT_LIMIT if limit is None else int(limit)
    offset = 0 if offset is None else int(offset)
    return offset, offset + limit


def list_events(
    events: B2CoreState | Iterable[dict[str, Any]], query: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The page of events a validated list query (``limit``, ``offset``, ``sort_by``,
    ``sort_order``, ``filter``) selects from a state, or from any events (indexed here first).

    The spec has checked every value (filter keys and formats, sort names, page bounds).
    """
    state = events if isinstance(events, B2CoreState) else B2CoreState({e["id"]: e for e in events})
    wanted = parse_filter(query.get("filter"))
    field = resolve_sort_field(query.get("sort_by"))
    descending = query.get("sort_order", DEFAULT_SORT_ORDER) == "desc"
    start, stop = page_bounds(query.get("limit"), query.get("offset"))
    by_start = field == "startDate"
    if by_start or wanted.starts_from is not None or wanted.ends_by is not None:
        # the index applies the start filter, in start order
        candidates = state.by_start(wanted.starts_from, wanted.ends_by, descending=by_start and descending)
        chosen = _selected(candidates, wanted, state)
        if by_start:  # islice refuses bounds past sys.maxsize; no page holds more than every event
            everything = len(state.events)
            return list(islice(chosen, min(start, everything), min(stop, everything)))
    else:
        chosen = _selected(state.events.values(), wanted, state)
    return _sorted(chosen, field, descending)[start:stop]
