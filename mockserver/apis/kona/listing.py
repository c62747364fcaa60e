"""``GET /calendar_events``: the window, the expansion into occurrences, the order and the page.

* No window → the current UTC calendar month (``recurrence.month_window``); "active events" means
  every stored (i.e. not deleted) event overlapping it.
* ``date_range_start`` only → ``[start, HORIZON)``; ``date_range_end`` only → ``[EPOCH, end)``.
  The window is half-open; an empty or inverted window lists nothing.
* Default order (open question 2): occurrence ``start_at`` ascending, then event id, then
  ``num_in_series``. ``order_by=created_at|updated_at``: newest first (ties: higher id first);
  occurrences of one series stay together in start order (they share those timestamps).
* Everything is lazy: a page consumes at most ``page * per_page`` items, and each series stops at
  the window end, so an endless series never makes a list unbounded.
* ``window_rows`` is what the handler uses: the same rows as ``rows`` over every stored record, but
  it reads only the records ``index.EventStore`` finds overlapping the window (no scan).
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from itertools import chain, islice
from typing import Any, TypeVar

from .dates import EPOCH, HORIZON, from_epoch_ms
from .index import Entry, EventStore
from .recurrence import Occurrence, Series, month_window, occurrences_in_window

T = TypeVar("T")
Row = tuple[Mapping[str, Any], Occurrence]
ORDER_FIELDS = ("created_at", "updated_at")


def list_window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    if start is None and end is None:
        return month_window(now)
    return (start or EPOCH, end or HORIZON)


def rows(
    records: Iterable[Mapping[str, Any]],
    window: tuple[datetime, datetime],
    order_by: str | None = None,
) -> Iterator[Row]:
    """(record, occurrence) pairs inside ``window`` in list order, lazily."""
    if order_by is None:
        per_record = (_record_rows(record, window) for record in records)
        return heapq.merge(*per_record, key=_start_key)
    if order_by not in ORDER_FIELDS:
        raise ValueError(f"order_by must be one of {ORDER_FIELDS}")
    newest_first = sorted(records, key=lambda r: (r[order_by], r["id"]), reverse=True)
    return chain.from_iterable(_record_rows(record, window) for record in newest_first)


def window_rows(
    events: EventStore, window: tuple[datetime, datetime], order_by: str | None = None
) -> Iterator[Row]:
    """``rows(events.values(), window, order_by)``, touching only the records that may overlap."""
    if order_by is None:
        singles = [_single_rows(entries) for entries in events.singles.overlapping(window)]
        series = [
            _record_rows(entry[2], window)
            for entries in events.series.overlapping(window)
            for entry in entries
        ]
        return heapq.merge(*singles, *series, key=_start_key)
    candidates = [
        entry[2]
        for index in (events.singles, events.series)
        for entries in index.overlapping(window)
        for entry in entries
    ]
    return rows(candidates, window, order_by)


def _single_rows(entries: Iterable[Entry]) -> Iterator[Row]:
    for entry in entries:
        start, record = entry[0], entry[2]
        yield record, Occurrence(1, from_epoch_ms(start), from_epoch_ms(record.end_at))


def page_of(items: Iterable[T], page: int, per_page: int) -> list[T]:
    """Items of 1-based ``page`` of size ``per_page`` (no metadata, as Kona)."""
    first = min((page - 1) * per_page, sys.maxsize)
    return list(islice(items, first, min(first + per_page, sys.maxsize)))


def _record_rows(record: Mapping[str, Any], window: tuple[datetime, datetime]) -> Iterator[Row]:
    for occurrence in occurrences_in_window(Series.from_record(record), *window):
        yield record, occurrence


def _start_key(row: Row) -> tuple[datetime, int, int]:
    record, occurrence = row
    return occurrence.start, record["id"], occurrence.num_in_series
