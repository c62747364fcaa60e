"""Expansion of Kona recurring calendar events, with ``dateutil.rrule``.

Kona documents the fields (``period``, ``frequency``, ``sel_days``, ``series_end_at``,
``series_id``, ``num_in_series``) but not their semantics; the mock settles api-notes open
questions 3–5 as follows.

* A series is recurring when ``period`` != 0 (none) and ``frequency`` != 0 (none). Otherwise it
  has exactly one occurrence, the event itself.
* Occurrence 1 is always the stored event (``start_at``/``end_at``), even when ``start_at`` does not
  match the pattern (e.g. created on a Monday, repeating on Tuesdays). Later occurrences are the
  rrule dates strictly after ``start_at``; each keeps the event's duration and time of day (UTC).
* ``period`` → rrule: day → DAILY, week → WEEKLY, month → MONTHLY (same day of month; months
  without that day are skipped, as RFC 5545 says), year → YEARLY (Feb 29 only in leap years),
  weekday → DAILY on Monday–Friday.
* ``frequency`` (every 1, every other 2, every third 3) is the rrule ``interval`` for day, week,
  month and year. For weekday it counts weekdays: every other weekday from a Monday is Mon, Wed,
  Fri, Tue, Thu, … (the n-th date of the Mon–Fri rule, "step = frequency × period unit").
* ``sel_days`` is ONE weekday, Sunday 0 … Saturday 6 (open question 4: not a bitmask). It applies
  to weekly series only; when null, a weekly series repeats on ``start_at``'s weekday. Weeks start
  on Sunday (``wkst=SU``, matching Sunday = 0), which decides which weeks "every other" keeps.
* ``series_end_at`` is the last *date* of the series: occurrences starting any time on that UTC
  day are included. A series without an end stops at ``dates.HORIZON`` (the end of the date range
  the mock accepts), so every expansion is finite.
* Work is lazy and bounded: window iteration stops at the first occurrence starting at or after
  the window end; counting ``num_in_series`` walks from ``start_at`` (at most ~46,000 steps for a
  daily series over the whole supported range).
* Updating or deleting a series applies to all occurrences (open question 5): occurrences are
  never stored, only derived from the stored event.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from typing import Any, Literal

from dateutil.relativedelta import relativedelta
from dateutil.rrule import (
    DAILY,
    FR,
    MO,
    MONTHLY,
    SA,
    SU,
    TH,
    TU,
    WE,
    WEEKLY,
    YEARLY,
    rrule,
    weekday,
)

from .dates import HORIZON

NONE, DAY, WEEK, MONTH, YEAR, WEEKDAY = range(6)
EVERY, EVERY_OTHER, EVERY_THIRD = 1, 2, 3

_RRuleFreq = Literal[0, 1, 2, 3, 4, 5, 6]  # dateutil's YEARLY .. SECONDLY
_RRULE_FREQ: dict[int, _RRuleFreq] = {
    DAY: DAILY,
    WEEK: WEEKLY,
    MONTH: MONTHLY,
    YEAR: YEARLY,
    WEEKDAY: DAILY,
}
# Kona's sel_days index (Sunday 0) -> dateutil weekday.
_SEL_DAY = (SU, MO, TU, WE, TH, FR, SA)
_WORKDAYS = (MO, TU, WE, TH, FR)
_LAST_MOMENT = HORIZON - timedelta(microseconds=1)


@dataclass(frozen=True)
class Series:
    """The recurrence-relevant part of a stored event; datetimes are aware UTC."""

    start: datetime
    end: datetime
    period: int = NONE
    frequency: int = NONE
    sel_days: int | None = None
    series_end_at: datetime | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Series:
        """From a stored event dict (keys as the API names them, dates as datetimes)."""
        return cls(
            start=record["start_at"],
            end=record["end_at"],
            period=record.get("period") or NONE,
            frequency=record.get("frequency") or NONE,
            sel_days=record.get("sel_days"),
            series_end_at=record.get("series_end_at"),
        )

    @property
    def recurring(self) -> bool:
        return self.period != NONE and self.frequency != NONE


@dataclass(frozen=True)
class Occurrence:
    num_in_series: int
    start: datetime
    end: datetime


def occurrences(series: Series) -> Iterator[Occurrence]:
    """Every occurrence in order, lazily, numbered from 1 (finite: ends by ``HORIZON``)."""
    duration = series.end - series.start
    for number, start in enumerate(_starts(series), start=1):
        yield Occurrence(number, start, start + duration)


def occurrences_in_window(
    series: Series, window_start: datetime, window_end: datetime
) -> Iterator[Occurrence]:
    """Occurrences overlapping ``[window_start, window_end)``, lazily, in start order.

    An occurrence overlaps when it starts before ``window_end`` and ends after ``window_start``;
    a zero-length occurrence counts when it starts inside the window.
    """
    for occurrence in _occurrences_from(series, window_start):
        if occurrence.start >= window_end:
            return
        if occurrence.end > window_start or occurrence.start >= window_start:
            yield occurrence


def _cycle(series: Series) -> tuple[timedelta, int] | None:
    """(length, dates per cycle) when shifting ``dtstart`` by ``length`` repeats the rule exactly.

    Day: every ``frequency`` days, one date. Week (one weekday): ``frequency`` weeks, one date.
    Weekday: ``frequency`` weeks hold ``5 * frequency`` workdays, every ``frequency``-th kept: five.
    Month and year series are short (at most ~1,500 dates up to the horizon) and are walked.
    """
    if not series.recurring:
        return None
    if series.period == DAY:
        return timedelta(days=series.frequency), 1
    if series.period == WEEK:
        return timedelta(weeks=series.frequency), 1
    if series.period == WEEKDAY:
        return timedelta(weeks=series.frequency), 5
    return None


def _occurrences_from(series: Series, window_start: datetime) -> Iterator[Occurrence]:
    """``occurrences(series)``, minus (cheaply skipped) ones ending well before ``window_start``.

    Whole cycles that end a cycle plus the event's duration before the window are skipped by
    arithmetic, so a window far from an endless daily series' start costs no walk from its start.
    """
    cycle = _cycle(series)
    duration = series.end - series.start
    if cycle is None:
        yield from occurrences(series)
        return
    length, per_cycle = cycle
    skipped = (window_start - duration - series.start) // length - 1
    if skipped < 1:
        yield from occurrences(series)
        return
    shifted_start = series.start + skipped * length
    if shifted_start > _until(series):
        return
    shifted = Series(
        shifted_start,
        shifted_start + duration,
        series.period,
        series.frequency,
        series.sel_days,
        series.series_end_at,
    )
    first_is_rule_date = _starts_on_rule(series)
    before = skipped * per_cycle + (0 if first_is_rule_date else 1)
    for number, start in enumerate(_rule_dates(shifted), start=before + 1):
        yield Occurrence(number, start, start + duration)


def last_end(series: Series) -> datetime:
    """No occurrence of ``series`` ends later than this (its own end for a single event)."""
    if not series.recurring:
        return series.end
    return max(series.end, _until(series) + (series.end - series.start))


@lru_cache(maxsize=4096)
def _starts_on_rule(series: Series) -> bool:
    """Whether the series' first start is itself a date of its rule (cached: an rrule is costly)."""
    return next(_rule_dates(series), None) == series.start


def nth_occurrence(series: Series, num_in_series: int) -> Occurrence | None:
    """Occurrence ``num_in_series`` (1-based), or None when the series has no such occurrence."""
    if not 1 <= num_in_series <= sys.maxsize:
        return None
    return next(islice(occurrences(series), num_in_series - 1, None), None)


def month_window(now: datetime) -> tuple[datetime, datetime]:
    """``[first instant of now's UTC month, first instant of the next month)``."""
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first, first + relativedelta(months=1)


def _starts(series: Series) -> Iterator[datetime]:
    yield series.start
    if not series.recurring:
        return
    later = (moment for moment in _rule_dates(series) if moment > series.start)
    yield from later


def _rule_dates(series: Series) -> Iterator[datetime]:
    if series.period == WEEKDAY:
        rule = rrule(DAILY, dtstart=series.start, byweekday=_WORKDAYS, until=_until(series))
        return islice(iter(rule), 0, None, series.frequency)
    return iter(
        rrule(
            _RRULE_FREQ[series.period],
            dtstart=series.start,
            interval=series.frequency,
            byweekday=_weekly_day(series),
            wkst=SU,
            until=_until(series),
        )
    )


def _weekly_day(series: Series) -> weekday | None:
    if series.period != WEEK or series.sel_days is None:
        return None
    return _SEL_DAY[series.sel_days]


def _until(series: Series) -> datetime:
    if series.series_end_at is None:
        return _LAST_MOMENT
    last_day = series.series_end_at.astimezone(UTC).date()
    return min(datetime.combine(last_day, time.max, tzinfo=UTC), _LAST_MOMENT)
