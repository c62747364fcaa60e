"""RFC 3339 date-times as the API's wire format, compared without ``datetime``.

The request validator (jsonschema-rs) accepts values Python's ``datetime`` cannot hold: year
0000, a leap second (``23:59:60Z``), lower-case ``t``/``z``, more than six fraction digits. The
mock stores the strings as sent, so comparisons go through ``parse_instant``, which maps any of
them to an exact, orderable ``Instant`` on the proleptic Gregorian UTC timeline.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Instant(NamedTuple):
    """Whole seconds since 1970-01-01T00:00:00Z plus the decimal fraction's digits.

    The fraction keeps every digit sent, without trailing zeros, so tuple order is time order.
    """

    seconds: int
    fraction: str


def days_in_month(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else _DAYS_IN_MONTH[month - 1]


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= 1 if month <= 2 else 0
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _offset_seconds(text: str) -> int:
    if text in ("Z", "z"):
        return 0
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid UTC offset {text!r}")
    return (hours * 60 + minutes) * 60 * (-1 if text[0] == "-" else 1)


@lru_cache(maxsize=16384)
def parse_instant(text: str) -> Instant:
    """The instant an RFC 3339 date-time names; ``ValueError`` if it is not one.

    Cached: lists filter and sort on the stored strings, parsing the same few thousand on every
    request (a pure function of the text; errors are not cached).
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        raise ValueError(f"{text!r} has no such calendar date")
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError(f"{text!r} has no such time of day")
    local = ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
    fraction = (match.group(7) or "").rstrip("0")
    return Instant(local - _offset_seconds(match.group(8)), fraction)


def format_timestamp(moment: datetime) -> str:
    """``createTime``/``updateTime`` in the vendor's style: ``2022-01-01T00:00:00+00:00``."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")
