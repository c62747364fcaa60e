"""Kona date inputs and outputs.

Kona returns every date as Unix epoch milliseconds and accepts epoch seconds, epoch milliseconds or
``YYYY-MM-DD HH:mm:ss.SSS`` (UTC) on input (api-notes "Conventions", open question 1). Records keep
dates as timezone-aware UTC ``datetime`` objects; ``to_epoch_ms`` produces the wire form.

Accepted range (the same bounds ``specs/kona.yaml`` states, so schema and mock agree exactly):

* integers ``0 .. 3999999999`` are epoch **seconds**;
* integers ``100000000000 .. 3999999999999`` are epoch **milliseconds**;
* integers in between (11 digits and the like) are neither and are rejected;
* strings ``YYYY-MM-DD HH:mm:ss.SSS`` naming a real date and time in the years 1970–2095;
* RFC 3339 date-times with ``Z`` or an offset, read by the core policy (``mockserver.datetimes``),
  written in 1970–2095 (``1970-01-01`` without a positive offset, which would precede the epoch);
* in a query string, the integers are given as ASCII digits (no sign, no leading ``+``).

``HORIZON`` (2096-10-02T07:06:40Z, one second past the largest accepted input) is where the
mock stops expanding recurring series that have no end.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from mockserver import datetimes

from . import messages
from .rules import InvalidDate

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_EPOCH_SECONDS = 3_999_999_999
MIN_EPOCH_MILLIS = 100_000_000_000
MAX_EPOCH_MILLIS = 3_999_999_999_999
HORIZON = EPOCH + timedelta(seconds=MAX_EPOCH_SECONDS + 1)
MIN_TEXT_YEAR, MAX_TEXT_YEAR = 1970, 2095

_ONE_MS = timedelta(milliseconds=1)
_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})")
# Mirrors the digit alternatives of KonaDateQuery's pattern in the spec.
_QUERY_DIGITS = re.compile(r"[0-9]{1,9}|[1-3][0-9]{9}|[1-9][0-9]{11}|[1-3][0-9]{12}")


def parse_date(value: object, *, field: str) -> datetime:
    """A body date (JSON integer, whole float, or the text form) as an aware UTC datetime."""
    if isinstance(value, bool):
        raise InvalidDate(field, messages.INVALID_DATE)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return from_epoch_number(value, field=field)
    if isinstance(value, str):
        return parse_date_text(value, field=field)
    raise InvalidDate(field, messages.INVALID_DATE)


def parse_query_date(text: str, *, field: str) -> datetime:
    """A query-string date: epoch seconds/milliseconds as digits, or the text form."""
    if _QUERY_DIGITS.fullmatch(text):
        return from_epoch_number(int(text), field=field)
    return parse_date_text(text, field=field)


def parse_date_text(text: str, *, field: str) -> datetime:
    """``YYYY-MM-DD HH:mm:ss.SSS`` (UTC), or an ISO 8601 / RFC 3339 date-time with ``Z`` or an
    offset (as a Rails datetime attribute casts it), as an aware UTC datetime in 1970–2095 only."""
    match = _TEXT.fullmatch(text)
    if match is None:
        return _iso_date(text, field=field)
    year, month, day, hour, minute, second, millis = (int(part) for part in match.groups())
    if not MIN_TEXT_YEAR <= year <= MAX_TEXT_YEAR:
        raise InvalidDate(field, messages.DATE_OUT_OF_RANGE)
    try:
        return datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=UTC)
    except ValueError:
        raise InvalidDate(field, messages.INVALID_DATE) from None


def _iso_date(text: str, *, field: str) -> datetime:
    """An RFC 3339 date-time read by the core policy (offsets, leap seconds), written in 1970–2095,
    ``1970-01-01`` without a positive offset (never before the epoch): ``KonaDateTime``'s range."""
    try:
        moment = datetimes.parse(text)
    except datetimes.NotADateTime:
        raise InvalidDate(field, messages.INVALID_DATE) from None
    except datetimes.OutOfRange:
        raise InvalidDate(field, messages.DATE_OUT_OF_RANGE) from None
    before_epoch = text.startswith("1970-01-01") and text[-6] == "+" and not text.endswith("+00:00")
    if not MIN_TEXT_YEAR <= int(text[:4]) <= MAX_TEXT_YEAR or before_epoch:
        raise InvalidDate(field, messages.DATE_OUT_OF_RANGE)
    return truncate_to_ms(moment)


def from_epoch_number(value: int, *, field: str) -> datetime:
    """Epoch seconds (up to 3999999999) or milliseconds (from 100000000000) as a UTC datetime."""
    if 0 <= value <= MAX_EPOCH_SECONDS:
        return EPOCH + timedelta(seconds=value)
    if MIN_EPOCH_MILLIS <= value <= MAX_EPOCH_MILLIS:
        return from_epoch_ms(value)
    raise InvalidDate(field, messages.DATE_OUT_OF_RANGE)


def from_epoch_ms(millis: int) -> datetime:
    return EPOCH + timedelta(milliseconds=millis)


def to_epoch_ms(moment: datetime) -> int:
    """Kona's output form; sub-millisecond precision is floored. ``moment`` must be aware."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime; Kona dates are UTC-aware")
    return (moment - EPOCH) // _ONE_MS


def truncate_to_ms(moment: datetime) -> datetime:
    """``moment`` (aware) in UTC with microseconds cut to whole milliseconds, as Kona stores it."""
    utc = moment.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def parse_ms(value: object, *, field: str) -> int:
    """``parse_date`` in epoch milliseconds (what a record keeps), quick for the commonest input:
    epoch milliseconds, returned as a new int object (a state load keeps nothing of the parsed
    request, see ``records.new_record``)."""
    if type(value) is int:
        if MIN_EPOCH_MILLIS <= value <= MAX_EPOCH_MILLIS:
            return value + 0
        if 0 <= value <= MAX_EPOCH_SECONDS:
            return value * 1000
    return to_epoch_ms(parse_date(value, field=field))
