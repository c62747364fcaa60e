from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mockserver.apis.kona.dates import (
    HORIZON,
    parse_date,
    parse_query_date,
    to_epoch_ms,
    truncate_to_ms,
)
from mockserver.apis.kona.rules import InvalidDate

HALLOWEEN_8AM = datetime(2016, 10, 31, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1477900800, HALLOWEEN_8AM),
        (1477900800000, HALLOWEEN_8AM),
        (1477900800123, datetime(2016, 10, 31, 8, 0, 0, 123000, tzinfo=UTC)),
        (1477900800000.0, HALLOWEEN_8AM),
        ("2016-10-31 08:00:00.000", HALLOWEEN_8AM),
        ("2016-02-29 23:59:59.999", datetime(2016, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (3999999999, datetime(2096, 10, 2, 7, 6, 39, tzinfo=UTC)),
        (100000000000, datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)),
        (3999999999999, datetime(2096, 10, 2, 7, 6, 39, 999000, tzinfo=UTC)),
        ("1970-01-01 00:00:00.000", datetime(1970, 1, 1, tzinfo=UTC)),
        ("2095-12-31 23:59:59.999", datetime(2095, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
    ],
    ids=[
        "epoch-seconds",
        "epoch-millis",
        "millis-keep-fraction",
        "whole-float",
        "text",
        "text-leap-day",
        "zero",
        "max-seconds",
        "min-millis",
        "max-millis",
        "text-min",
        "text-max",
    ],
)
def test_parse_date_accepts_kona_forms(value: object, expected: datetime) -> None:
    parsed = parse_date(value, field="start_at")
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        True,
        None,
        1.5,
        -1,
        4000000000,
        99999999999,
        4000000000000,
        "1477900800",
        "2016-02-30 00:00:00.000",
        "2015-02-29 00:00:00.000",
        "2016-10-31T08:00:00.000",
        "2016-10-31 08:00:00",
        "2016-10-31 24:00:00.000",
        "2016-10-31 08:00:60.000",
        "1969-12-31 23:59:59.999",
        "2096-01-01 00:00:00.000",
        "２０１６-10-31 08:00:00.000",
        "2016-10-31 08:00:00.000\n",
        [1477900800],
    ],
    ids=[
        "bool",
        "null",
        "fraction",
        "negative",
        "seconds-gap-low",
        "eleven-digits",
        "millis-too-big",
        "digit-string-in-body",
        "feb-30",
        "feb-29-non-leap",
        "iso-t",
        "no-millis",
        "hour-24",
        "leap-second",
        "before-1970",
        "after-2095",
        "fullwidth-digits",
        "trailing-newline",
        "array",
    ],
)
def test_parse_date_rejects_other_forms(value: object) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_date(value, field="start_at")
    assert caught.value.field == "start_at"
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1477900800", HALLOWEEN_8AM),
        ("1477900800000", HALLOWEEN_8AM),
        ("2016-10-31 08:00:00.000", HALLOWEEN_8AM),
        ("0", datetime(1970, 1, 1, tzinfo=UTC)),
        ("000000060", datetime(1970, 1, 1, 0, 1, tzinfo=UTC)),
    ],
    ids=["seconds", "millis", "text", "zero", "short-leading-zeros"],
)
def test_parse_query_date_accepts_digits_and_text(text: str, expected: datetime) -> None:
    assert parse_query_date(text, field="date_range_start") == expected


@pytest.mark.parametrize(
    "text",
    ["", "14779008000", "-1", "+1477900800", "0123456789", "4000000000", "1477900800.5", "now"],
    ids=[
        "empty",
        "eleven-digits",
        "negative",
        "plus",
        "ten-digits-leading-zero",
        "seconds-gap",
        "decimal",
        "word",
    ],
)
def test_parse_query_date_rejects(text: str) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_query_date(text, field="date_range_end")
    assert caught.value.field == "date_range_end"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (HALLOWEEN_8AM, 1477900800000),
        (datetime(2016, 10, 31, 8, 0, 0, 999999, tzinfo=UTC), 1477900800999),
        (datetime(2016, 10, 31, 10, 0, tzinfo=timezone(timedelta(hours=2))), 1477900800000),
        (datetime(1970, 1, 1, tzinfo=UTC), 0),
    ],
    ids=["utc", "floors-micros", "other-offset", "epoch"],
)
def test_to_epoch_ms(moment: datetime, expected: int) -> None:
    assert to_epoch_ms(moment) == expected


def test_to_epoch_ms_rejects_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_epoch_ms(datetime(2016, 10, 31))


def test_truncate_to_ms_converts_to_utc_and_drops_micros() -> None:
    moment = datetime(2016, 10, 31, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert truncate_to_ms(moment) == datetime(2016, 10, 31, 8, 0, 0, 123000, tzinfo=UTC)


def test_horizon_is_one_second_past_the_largest_input() -> None:
    assert HORIZON == datetime(2096, 10, 2, 7, 6, 40, tzinfo=UTC)
