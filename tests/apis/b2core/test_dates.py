from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mockserver.apis.b2core.dates import format_timestamp, parse_instant

SEED_DAY = datetime(2022, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-01-01T00:00:00+00:00", SEED_DAY),
        ("2022-01-01T00:00:00Z", SEED_DAY),
        ("2022-01-01t00:00:00z", SEED_DAY),
        ("2022-01-01T09:00:00+09:00", SEED_DAY),
        ("2021-12-31T19:00:00-05:00", SEED_DAY),
        ("2022-01-01T00:00:00.500+00:00", SEED_DAY + timedelta(milliseconds=500)),
        ("2022-01-01T00:00:00.1234567890+00:00", SEED_DAY + timedelta(microseconds=123_456)),
        ("2021-12-31T23:59:60Z", SEED_DAY),
        ("2020-02-29T00:00:00Z", datetime(2020, 2, 29, tzinfo=UTC)),
    ],
    ids=[
        "seed-offset",
        "zulu",
        "lower-case",
        "tokyo-offset",
        "negative-offset",
        "fraction-trailing-zeros",
        "fraction-cut-at-micro",
        "leap-second-is-next-second",
        "leap-day",
    ],
)
def test_parse_instant(text: str, expected: datetime) -> None:
    """B2Core reads its date-times by the core policy (mockserver.datetimes)."""
    assert parse_instant(text) == expected


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("2022-01-01T00:00:00.49Z", "2022-01-01T00:00:00.5Z"),
        ("2022-01-01T00:00:00Z", "2022-01-01T00:00:00.0001Z"),
        ("2022-01-01T08:59:59+09:00", "2022-01-01T00:00:00Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00-01:00"),
    ],
    ids=["fraction-digits", "whole-vs-fraction", "across-offsets", "year-1"],
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
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:00:00-01:00",
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
        "year-zero",
        "offset-before-year-1",
        "offset-after-year-9999",
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
