"""The events of a Kona state, indexed by time so a window list touches only what may overlap it.

``EventStore`` is the ``events`` mapping of ``KonaState`` (id -> ``KonaRecord``). Beside the dict
it keeps two ``WindowIndex``es, one of single events and one of recurring series, updated on every
write. Records are frozen when stored, so an index entry can never go stale: an update stores a new
record, which moves the entry.

``WindowIndex`` holds each record as an interval [first start, last end] (a single event: its own
start and end; a series: its first start and the end of its last possible occurrence, which is
the horizon for an endless one), as (start, length) in epoch milliseconds, as records keep them.
Intervals are bucketed by length: bucket ``c`` holds spans under 2**c seconds, in a ``SortedList`` ordered by (start, id). Every interval in bucket ``c`` that can
overlap ``[window_start, window_end)`` starts in ``[window_start - 2**c s, window_end)``, so a query
bisects to that slice of each bucket: a 100k-event store answers a one-day window by reading the
events of about that day, and a year-long event does not make short windows scan a year.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from sortedcontainers import SortedList

from .dates import EPOCH
from .records import KonaRecord
from .recurrence import Series, last_end

Window = tuple[datetime, datetime]
# (start ms, id, record) when the interval is the record's own (a single event: 64 bytes, the
# commonest entry), (start ms, id, record, length ms) otherwise; ids are unique, so no two
# entries compare beyond the id
Entry = tuple[Any, ...]
_MICROSECOND = timedelta(microseconds=1)


def _bucket(length: int) -> int:
    return (length // 1000).bit_length()


def _entry(event_id: int, start: int, length: int, record: KonaRecord) -> Entry:
    return (start, event_id, record) if length is record.length else (start, event_id, record, length)


def _ms_bounds(moment: datetime) -> tuple[int, int]:
    """``moment`` in epoch ms, rounded down and up: against a whole-ms ``x``, ``x > moment`` is
    ``x > floor`` and ``x >= moment`` is ``x >= ceil`` (a window bound may carry microseconds)."""
    micros = (moment - EPOCH) // _MICROSECOND
    return micros // 1000, -(-micros // 1000)


class WindowIndex:
    """Records as intervals, found by overlap with a half-open window (see the module doc)."""

    def __init__(self) -> None:
        self._buckets: dict[int, SortedList] = {}

    def add(self, event_id: int, start: int, length: int, record: KonaRecord) -> None:
        bucket = _bucket(length)
        if bucket not in self._buckets:
            self._buckets[bucket] = SortedList()
        self._buckets[bucket].add(_entry(event_id, start, length, record))

    def remove(self, event_id: int, start: int, length: int, record: KonaRecord) -> None:
        bucket = _bucket(length)
        entries = self._buckets[bucket]
        entries.remove(_entry(event_id, start, length, record))
        if not entries:
            del self._buckets[bucket]

    def clear(self) -> None:
        self._buckets.clear()

    def overlapping(self, window: Window) -> list[Iterator[Entry]]:
        """One lazy iterator per bucket, each in (start, id) order, of the entries overlapping
        ``window``: starting before its end, and ending after its start or starting inside it."""
        after, at_start = _ms_bounds(window[0])
        before = _ms_bounds(window[1])[1]
        return [
            self._in_bucket(entries, after - (1000 << bucket), after, at_start, before)
            for bucket, entries in sorted(self._buckets.items())
        ]

    @staticmethod
    def _in_bucket(entries: SortedList, lowest: int, after: int, at_start: int, before: int) -> Iterator[Entry]:
        for entry in entries.irange((lowest,), (before,), inclusive=(True, False)):
            start = entry[0]
            if start + (entry[3] if len(entry) == 4 else entry[2].length) > after or start >= at_start:
                yield entry


class EventStore(MutableMapping[int, KonaRecord]):
    """id -> record, with the single events and the series indexed by time."""

    def __init__(self, records: Mapping[int, Mapping[str, Any]] | None = None) -> None:
        self._records: dict[int, KonaRecord] = {}
        self.singles = WindowIndex()
        self.series = WindowIndex()
        for event_id, record in (records or {}).items():
            self[event_id] = record

    def __getitem__(self, event_id: int) -> KonaRecord:
        return self._records[event_id]

    def __setitem__(self, event_id: int, record: Mapping[str, Any]) -> None:
        stored = record if isinstance(record, KonaRecord) else KonaRecord(record)
        stored.freeze()
        if event_id in self._records:
            self._unindex(event_id, self._records[event_id])
        self._records[event_id] = stored
        index, start, length = self._placement(stored)
        index.add(event_id, start, length, stored)

    def __delitem__(self, event_id: int) -> None:
        self._unindex(event_id, self._records.pop(event_id))

    def __iter__(self) -> Iterator[int]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._records

    def clear(self) -> None:
        self._records.clear()
        self.singles.clear()
        self.series.clear()

    def __repr__(self) -> str:
        return f"EventStore({self._records!r})"

    def _unindex(self, event_id: int, record: KonaRecord) -> None:
        index, start, length = self._placement(record)
        index.remove(event_id, start, length, record)

    def _placement(self, record: KonaRecord) -> tuple[WindowIndex, int, int]:
        if not (record.raw("period") and record.raw("frequency")):  # not recurring (most events)
            return self.singles, record.start_at, record.length  # the record's own int: no new object
        series = Series.from_record(record)
        # + 1 µs, rounded up to the ms: the overlap test is "ends after the window start"; a
        # zero-length last occurrence exactly at the window start must still be found.
        return self.series, record.start_at, _ms_bounds(last_end(series) + _MICROSECOND)[1] - record.start_at
