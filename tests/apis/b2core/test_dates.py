from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mockserver.apis.b2core.dates import Instant, days_from_civil, format_timestamp, parse_instant

DAY = 86_400


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (1970, 1, 1, 0),
        (1970, 1, 2, 1),
        (1969, 12, 31, -1),
        (2000, 3, 1, 11_017),
        (2022, 1, 1, 18_993),
        (0, 3, 1, -719_468),
        (0, 1, 1, -719_528),
    ],
    ids=["epoch", "day-after", "day-before", "y2k-march", "seed-date", "year-0-march", "year-0-jan"],
)
def test_days_from_civil(year: int, month: int, day: int, expected: int) -> None:
    assert days_from_civil(year, month, day) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-01-01T00:00:00+00:00", Instant(18_993 * DAY, "")),
        ("2022-01-01T00:00:00Z", Instant(18_993 * DAY, "")),
        ("2022-01-01t00:00:00z", Instant(18_993 * DAY, "")),
        ("2022-01-01T09:00:00+09:00", Instant(18_993 * DAY, "")),
        ("2021-12-31T19:00:00-05:00", Instant(18_993 * DAY, "")),
        ("2022-01-01T00:00:00.500+00:00", Instant(18_993 * DAY, "5")),
        ("2022-01-01T00:00:00.1234567890+00:00", Instant(18_993 * DAY, "123456789")),
        ("2021-12-31T23:59:60Z", Instant(18_993 * DAY, "")),
        ("0000-01-01T00:00:00Z", Instant(-719_528 * DAY, "")),
        ("2020-02-29T00:00:00Z", Instant(18_321 * DAY, "")),
    ],
    ids=[
        "seed-offset",
        "zulu",
        "lower-case",
        "tokyo-offset",
        "negative-offset",
        "fraction-trailing-zeros",
        "fraction-beyond-micro",
        "leap-second",
        "year-zero",
        "leap-day",
    ],
)
def test_parse_instant(text: str, expected: Instant) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("2022-01-01T00:00:00.49Z", "2022-01-01T00:00:00.5Z"),
        ("2022-01-01T00:00:00Z", "2022-01-01T00:00:00.0001Z"),
        ("2022-01-01T08:59:59+09:00", "2022-01-01T00:00:00Z"),
        ("0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z"),
    ],
    ids=["fraction-digits", "whole-vs-fraction", "across-offsets", "before-year-1"],
)
def test_instants_order_by_time(earlier: str, later: str) -> None:
    assert parse_instant(earlier) < parse_instant(later)


@pytest.mark.parametrize(
    "text",
    [
        "2022-01-01",
        "2022-01-01T00:00:00",
        "2022-02-30T00:00:00Z",
        "2021-02-29T00:00:00Z",
        "2022-13-01T00:00:00Z",
        "2022-01-01T24:00:00Z",
        "2022-01-01T12:60:00Z",
        "2022-01-01T12:00:61Z",
        "2022-01-01T00:00:00+24:00",
        "2022-01-01T00:00:00 00:00",
        "２０２２-01-01T00:00:00Z",
        "",
    ],
    ids=[
        "date-only",
        "no-offset",
        "feb-30",
        "feb-29-common-year",
        "month-13",
        "hour-24",
        "minute-60",
        "second-61",
        "offset-24h",
        "space-for-plus",
        "full-width-digits",
        "empty",
    ],
)
def test_parse_instant_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2022, 1, 1, tzinfo=UTC), "2022-01-01T00:00:00+00:00"),
        (
            datetime(2022, 1, 1, 9, 30, 15, 999_999, tzinfo=timezone(timedelta(hours=9))),
            "2022-01-01T00:30:15+00:00",
        ),
    ],
    ids=["utc", "converted-and-truncated"],
)
def test_format_timestamp(moment: datetime, expected: str) -> None:
    assert format_timestamp(moment) == expected
