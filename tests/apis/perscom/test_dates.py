from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mockserver.apis.perscom.dates import format_datetime, is_midnight, parse_datetime, sql_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-11-07T05:31:56Z", datetime(2023, 11, 7, 5, 31, 56, tzinfo=UTC)),
        ("2023-11-07T07:31:56+02:00", datetime(2023, 11, 7, 5, 31, 56, tzinfo=UTC)),
        ("2023-11-07T05:31:56.000000Z", datetime(2023, 11, 7, 5, 31, 56, tzinfo=UTC)),
        ("2023-11-07", datetime(2023, 11, 7, tzinfo=UTC)),
        (date(2023, 11, 7), datetime(2023, 11, 7, tzinfo=UTC)),
        (datetime(2023, 11, 7, 5), datetime(2023, 11, 7, 5, tzinfo=UTC)),
        ("0001-01-01T00:00:00+05:00", None),  # the core policy: Python cannot hold it
        ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, tzinfo=UTC)),  # a leap second: the next one
        ("not a date", None),
        ("", None),
        (12, None),
    ],
    ids=[
        "zulu",
        "offset",
        "laravel",
        "date-only",
        "date-object",
        "naive-is-utc",
        "out-of-range",
        "leap-second",
        "junk",
        "empty",
        "number",
    ],
)
def test_parse_datetime(raw: object, expected: datetime | None) -> None:
    assert parse_datetime(raw) == expected


def test_format_datetime_is_laravel_utc() -> None:
    moment = datetime(2023, 11, 7, 7, 31, 56, 120, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(moment) == "2023-11-07T05:31:56.000120Z"
    assert sql_text(moment) == "2023-11-07 05:31:56"


def test_is_midnight() -> None:
    assert is_midnight(datetime(2023, 11, 7, tzinfo=UTC))
    assert not is_midnight(datetime(2023, 11, 7, 0, 0, 1, tzinfo=UTC))


def test_years_below_1000_keep_four_digits() -> None:
    from datetime import UTC, datetime

    from mockserver.apis.perscom.dates import format_datetime, sql_text

    moment = datetime(340, 4, 2, 15, 46, 6, tzinfo=UTC)
    assert format_datetime(moment) == "0340-04-02T15:46:06.000000Z"
    assert sql_text(moment) == "0340-04-02 15:46:06"


def test_a_reading_is_remembered_only_when_it_cannot_change() -> None:
    """Stored dates are read once (a search reads every event's); dateutil's free-form guess,
    which fills missing parts from today, is read afresh every time."""
    from mockserver.apis.perscom import dates

    dates.clear_caches()
    assert parse_datetime("2023-11-07T07:31:56+02:00") == datetime(2023, 11, 7, 5, 31, 56, tzinfo=UTC)
    assert parse_datetime("2023-11-07") == datetime(2023, 11, 7, tzinfo=UTC)
    assert parse_datetime("10:30") is not None  # today at 10:30
    assert parse_datetime("not a date") is None
    assert set(dates._MOMENTS) == {"2023-11-07T07:31:56+02:00", "2023-11-07"}
    assert parse_datetime("2023-11-07T07:31:56+02:00") == datetime(2023, 11, 7, 5, 31, 56, tzinfo=UTC)
    assert parse_datetime("2023-11-07T05:31:56." + "1" * 100 + "Z") is not None  # long: not kept
    assert len(dates._MOMENTS) == 2
    dates.clear_caches()
    assert not dates._MOMENTS
