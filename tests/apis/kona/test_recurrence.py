"""Expected dates below are written out by hand (calendar lookups), never computed with rrule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mockserver.apis.kona.recurrence import (
    DAY,
    EVERY,
    EVERY_OTHER,
    EVERY_THIRD,
    MONTH,
    NONE,
    WEEK,
    WEEKDAY,
    YEAR,
    Series,
    month_window,
    nth_occurrence,
    occurrences,
    occurrences_in_window,
)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 30) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def series(start: datetime, period: int, frequency: int, **extra: object) -> Series:
    return Series(start=start, end=start + timedelta(hours=1), period=period, frequency=frequency, **extra)  # type: ignore[arg-type]


def first_starts(s: Series, count: int = 5) -> list[datetime]:
    found = []
    for occurrence in occurrences(s):
        found.append(occurrence.start)
        if len(found) == count:
            break
    return found


# (start, period, frequency, sel_days, first five occurrence dates as (y, m, d))
PERIOD_FREQUENCY_CASES = [
    (
        at(2024, 2, 27),
        DAY,
        EVERY,
        None,
        [(2024, 2, 27), (2024, 2, 28), (2024, 2, 29), (2024, 3, 1), (2024, 3, 2)],
    ),
    (
        at(2024, 2, 27),
        DAY,
        EVERY_OTHER,
        None,
        [(2024, 2, 27), (2024, 2, 29), (2024, 3, 2), (2024, 3, 4), (2024, 3, 6)],
    ),
    (
        at(2024, 2, 27),
        DAY,
        EVERY_THIRD,
        None,
        [(2024, 2, 27), (2024, 3, 1), (2024, 3, 4), (2024, 3, 7), (2024, 3, 10)],
    ),
    # Wednesday 2024-01-31, no sel_days: repeats on Wednesdays.
    (
        at(2024, 1, 31),
        WEEK,
        EVERY,
        None,
        [(2024, 1, 31), (2024, 2, 7), (2024, 2, 14), (2024, 2, 21), (2024, 2, 28)],
    ),
    # Tuesday 2024-01-02, every other week on Tuesday (sel_days 2).
    (
        at(2024, 1, 2),
        WEEK,
        EVERY_OTHER,
        2,
        [(2024, 1, 2), (2024, 1, 16), (2024, 1, 30), (2024, 2, 13), (2024, 2, 27)],
    ),
    # Friday 2024-03-01, every third week on Friday (sel_days 5).
    (
        at(2024, 3, 1),
        WEEK,
        EVERY_THIRD,
        5,
        [(2024, 3, 1), (2024, 3, 22), (2024, 4, 12), (2024, 5, 3), (2024, 5, 24)],
    ),
    # The 31st: months without one (Feb, Apr, Jun) are skipped.
    (
        at(2024, 1, 31),
        MONTH,
        EVERY,
        None,
        [(2024, 1, 31), (2024, 3, 31), (2024, 5, 31), (2024, 7, 31), (2024, 8, 31)],
    ),
    (
        at(2024, 1, 15),
        MONTH,
        EVERY_OTHER,
        None,
        [(2024, 1, 15), (2024, 3, 15), (2024, 5, 15), (2024, 7, 15), (2024, 9, 15)],
    ),
    # Jan, (Apr has no 31st), Jul, Oct, Jan, (Apr), Jul.
    (
        at(2024, 1, 31),
        MONTH,
        EVERY_THIRD,
        None,
        [(2024, 1, 31), (2024, 7, 31), (2024, 10, 31), (2025, 1, 31), (2025, 7, 31)],
    ),
    # Feb 29 exists only in leap years.
    (
        at(2024, 2, 29),
        YEAR,
        EVERY,
        None,
        [(2024, 2, 29), (2028, 2, 29), (2032, 2, 29), (2036, 2, 29), (2040, 2, 29)],
    ),
    (
        at(2023, 6, 10),
        YEAR,
        EVERY_OTHER,
        None,
        [(2023, 6, 10), (2025, 6, 10), (2027, 6, 10), (2029, 6, 10), (2031, 6, 10)],
    ),
    # 2027, 2030, 2033 have no Feb 29; 2036 is the next leap year on the 3-year grid.
    (
        at(2024, 2, 29),
        YEAR,
        EVERY_THIRD,
        None,
        [(2024, 2, 29), (2036, 2, 29), (2048, 2, 29), (2060, 2, 29), (2072, 2, 29)],
    ),
    # Thursday 2024-02-29: Thu, Fri, then Mon–Wed of the next week.
    (
        at(2024, 2, 29),
        WEEKDAY,
        EVERY,
        None,
        [(2024, 2, 29), (2024, 3, 1), (2024, 3, 4), (2024, 3, 5), (2024, 3, 6)],
    ),
    # Monday 2024-03-04, every other weekday: Mon, Wed, Fri, Tue, Thu.
    (
        at(2024, 3, 4),
        WEEKDAY,
        EVERY_OTHER,
        None,
        [(2024, 3, 4), (2024, 3, 6), (2024, 3, 8), (2024, 3, 12), (2024, 3, 14)],
    ),
    # Saturday 2024-03-02 (the event itself), then every third weekday from Monday.
    (
        at(2024, 3, 2),
        WEEKDAY,
        EVERY_THIRD,
        None,
        [(2024, 3, 2), (2024, 3, 4), (2024, 3, 7), (2024, 3, 12), (2024, 3, 15)],
    ),
]


@pytest.mark.parametrize(
    ("start", "period", "frequency", "sel_days", "expected"),
    PERIOD_FREQUENCY_CASES,
    ids=[
        f"{p}-{f}"
        for p in ("day", "week", "month", "year", "weekday")
        for f in ("every", "every_other", "every_third")
    ],
)
def test_each_period_and_frequency(
    start: datetime,
    period: int,
    frequency: int,
    sel_days: int | None,
    expected: list[tuple[int, int, int]],
) -> None:
    s = series(start, period, frequency, sel_days=sel_days)
    assert first_starts(s) == [at(*ymd) for ymd in expected]
    for number, ymd in enumerate(expected, start=1):
        occurrence = nth_occurrence(s, number)
        assert occurrence is not None
        assert (occurrence.num_in_series, occurrence.start) == (number, at(*ymd))
        assert occurrence.end - occurrence.start == timedelta(hours=1)


BIWEEKLY_TUESDAYS = Series(
    start=at(2024, 1, 2, 10, 0),
    end=at(2024, 1, 2, 11, 0),
    period=WEEK,
    frequency=EVERY_OTHER,
    sel_days=2,
    series_end_at=datetime(2024, 6, 18, tzinfo=UTC),
)


def test_acceptance_biweekly_tuesdays_over_three_months() -> None:
    window = (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 5, 1, tzinfo=UTC))
    found = [(o.num_in_series, o.start, o.end) for o in occurrences_in_window(BIWEEKLY_TUESDAYS, *window)]
    assert found == [
        (4, at(2024, 2, 13, 10, 0), at(2024, 2, 13, 11, 0)),
        (5, at(2024, 2, 27, 10, 0), at(2024, 2, 27, 11, 0)),
        (6, at(2024, 3, 12, 10, 0), at(2024, 3, 12, 11, 0)),
        (7, at(2024, 3, 26, 10, 0), at(2024, 3, 26, 11, 0)),
        (8, at(2024, 4, 9, 10, 0), at(2024, 4, 9, 11, 0)),
        (9, at(2024, 4, 23, 10, 0), at(2024, 4, 23, 11, 0)),
    ]


def test_series_end_at_is_an_inclusive_last_date() -> None:
    # series_end_at is midnight of 2024-06-18; the 10:00 occurrence that day still counts.
    last = nth_occurrence(BIWEEKLY_TUESDAYS, 13)
    assert last is not None and last.start == at(2024, 6, 18, 10, 0)
    assert nth_occurrence(BIWEEKLY_TUESDAYS, 14) is None
    assert len(list(occurrences(BIWEEKLY_TUESDAYS))) == 13


def test_series_end_before_start_leaves_only_the_event() -> None:
    s = series(at(2024, 1, 2), DAY, EVERY, series_end_at=datetime(2023, 1, 1, tzinfo=UTC))
    assert [o.start for o in occurrences(s)] == [at(2024, 1, 2)]


def test_event_itself_is_occurrence_one_when_off_pattern() -> None:
    # Monday 2024-01-01, repeating every other week on Tuesday.
    s = series(at(2024, 1, 1), WEEK, EVERY_OTHER, sel_days=2)
    assert first_starts(s, 4) == [at(2024, 1, 1), at(2024, 1, 2), at(2024, 1, 16), at(2024, 1, 30)]


def test_weeks_start_on_sunday_for_every_other_week() -> None:
    # From Monday 2024-01-01 on Sundays, every other week: the week Sun 12-31..Sat 01-06 holds
    # the start, so the next kept week starts Sunday 01-14 (a Monday week start would give 01-07).
    s = series(at(2024, 1, 1), WEEK, EVERY_OTHER, sel_days=0)
    assert first_starts(s, 3) == [at(2024, 1, 1), at(2024, 1, 14), at(2024, 1, 28)]


@pytest.mark.parametrize(
    ("period", "frequency"),
    [(NONE, EVERY), (DAY, NONE), (NONE, NONE)],
    ids=["no-period", "no-frequency", "neither"],
)
def test_non_recurring_event_has_one_occurrence(period: int, frequency: int) -> None:
    s = series(at(2024, 1, 2), period, frequency)
    assert not s.recurring
    assert [o.num_in_series for o in occurrences(s)] == [1]
    assert nth_occurrence(s, 2) is None


@pytest.mark.parametrize("n", [0, -1, 10**30], ids=["zero", "negative", "huge"])
def test_nth_occurrence_out_of_range(n: int) -> None:
    assert nth_occurrence(BIWEEKLY_TUESDAYS, n) is None


def test_window_overlap_rules() -> None:
    # Daily 23:00–01:00 events; window is the calendar day 2024-03-02.
    s = Series(start=at(2024, 3, 1, 23, 0), end=at(2024, 3, 2, 1, 0), period=DAY, frequency=EVERY)
    window = (datetime(2024, 3, 2, tzinfo=UTC), datetime(2024, 3, 3, tzinfo=UTC))
    assert [(o.num_in_series, o.start) for o in occurrences_in_window(s, *window)] == [
        (1, at(2024, 3, 1, 23, 0)),  # started the day before, still running
        (2, at(2024, 3, 2, 23, 0)),
    ]


def test_zero_length_event_counts_at_window_start_not_at_window_end() -> None:
    s = Series(start=at(2024, 3, 2, 0, 0), end=at(2024, 3, 2, 0, 0), period=DAY, frequency=EVERY)
    window = (datetime(2024, 3, 2, tzinfo=UTC), datetime(2024, 3, 4, tzinfo=UTC))
    assert [o.start for o in occurrences_in_window(s, *window)] == [
        at(2024, 3, 2, 0, 0),
        at(2024, 3, 3, 0, 0),
    ]


def test_endless_series_window_numbers_from_the_start() -> None:
    s = Series(start=at(1970, 1, 1, 0, 0), end=at(1970, 1, 1, 0, 0), period=DAY, frequency=EVERY)
    window = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 4, tzinfo=UTC))
    # 1970-01-01 .. 2023-12-31 is 54 years with 13 leap days: 54 * 365 + 13 = 19723 days.
    assert [o.num_in_series for o in occurrences_in_window(s, *window)] == [19724, 19725, 19726]


def test_endless_series_stops_at_the_horizon() -> None:
    s = Series(start=at(2096, 9, 30, 0, 0), end=at(2096, 9, 30, 1, 0), period=DAY, frequency=EVERY)
    assert [o.start for o in occurrences(s)] == [
        at(2096, 9, 30, 0, 0),
        at(2096, 10, 1, 0, 0),
        at(2096, 10, 2, 0, 0),
    ]
    assert nth_occurrence(s, 10**9) is None


def test_series_from_record() -> None:
    record = {
        "start_at": at(2024, 1, 2),
        "end_at": at(2024, 1, 2, 10),
        "period": 2,
        "frequency": 2,
        "sel_days": 2,
        "series_end_at": None,
        "name": "x",
    }
    assert Series.from_record(record) == Series(
        at(2024, 1, 2), at(2024, 1, 2, 10), WEEK, EVERY_OTHER, 2, None
    )


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2024, 2, 15), (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))),
        (at(2024, 12, 31, 23, 59), (datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))),
        (
            datetime(2024, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),
            (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)),
        ),
    ],
    ids=["mid-month", "december", "utc-month-of-offset-time"],
)
def test_month_window(now: datetime, expected: tuple[datetime, datetime]) -> None:
    assert month_window(now) == expected


# --- the cycle skip in occurrences_in_window equals the plain walk -------------------------------


def _plain_window(series: Series, start: datetime, end: datetime) -> list[tuple[int, datetime, datetime]]:
    from itertools import takewhile

    from mockserver.apis.kona.recurrence import occurrences

    found = takewhile(lambda o: o.start < end, occurrences(series))
    return [(o.num_in_series, o.start, o.end) for o in found if o.end > start or o.start >= start]


@pytest.mark.parametrize("period", [1, 2, 5])
@pytest.mark.parametrize("frequency", [1, 2, 3])
@pytest.mark.parametrize("sel_days", [None, 0, 3, 6])
@pytest.mark.parametrize("start_day", [1, 4, 5, 6])  # 2024-03-01 is a Friday: Fri, Mon, Tue, Wed
@pytest.mark.parametrize("hours", [1, 200])
def test_cycle_skip_matches_walking_from_the_start(
    period: int, frequency: int, sel_days: int | None, start_day: int, hours: int
) -> None:
    from datetime import timedelta

    start = at(2024, 3, start_day, 9, 30)
    series = Series(start, start + timedelta(hours=hours), period, frequency, sel_days, at(2025, 6, 1, 0, 0))
    for window_start, days in [
        (at(2024, 3, 20, 0, 0), 30),
        (at(2024, 11, 3, 9, 30), 10),
        (at(2025, 5, 25, 0, 0), 40),
    ]:
        window_end = window_start + timedelta(days=days)
        fast = [
            (o.num_in_series, o.start, o.end) for o in occurrences_in_window(series, window_start, window_end)
        ]
        assert fast == _plain_window(series, window_start, window_end)
