"""One date-time policy for every API: what an RFC 3339 date-time names, and what is refused.

The specs type date-times as ``format: date-time`` (RFC 3339 §5.6, as jsonschema-rs checks it)
plus the pattern ``REPRESENTABLE`` below, so the request validator refuses, in each API's own
words, every value this module refuses; handlers then read the value with ``parse`` and write it
in their own output format. The policy:

* **Shape** — ``YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)``; ``t`` and ``z`` may be lower case
  (RFC 3339 §5.6 NOTE), a space is no separator (the spec's validator refuses it).
* **Offsets** — applied: the value names a UTC instant. ``-00:00`` is UTC.
* **Fractions** — any number of digits; those past the microsecond are cut, not rounded.
* **Leap seconds** — ``:60``, which the spec's validator admits only where the UTC time is
  23:59, names the instant one second after ``:59`` (the next UTC midnight), as PHP's
  ``DateTime`` and Ruby's ``Time`` read it; a leap second is never a 4xx.
* **Range** — what Python's ``datetime`` holds: UTC instants in the years 0001–9999. So year
  0000 is refused, and so are the written dates where an offset could carry the value across
  either end: ``0001-01-01`` with a positive offset, ``9999-12-31`` with a negative offset, and
  ``9999-12-31T23:59:60Z`` (a rule on what is written, so that a schema pattern can state it). They
  are refused before anything is written: by the spec's pattern, and here by ``OutOfRange``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

# The pattern each spec puts beside ``format: date-time`` (a JSON Schema pattern: ECMA-262 regex).
# It refuses the corners Python cannot represent; whatever it admits, ``parse`` can read.
REPRESENTABLE = r"^(?!0000-|0001-01-01[Tt][^+]*\+(?!00:00)|9999-12-31[Tt](?:[^-]*-(?!00:00)|23:59:60))"

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_ONE_SECOND = timedelta(seconds=1)
_ZERO = timedelta(0)
CACHED_TEXT = 64  # longest text cached: 16,384 entries stay small whatever length is sent


class NotADateTime(ValueError):
    """The text is no RFC 3339 date-time (or names no calendar date / time of day)."""


class OutOfRange(ValueError):
    """An RFC 3339 date-time whose UTC instant falls outside the years 0001–9999."""


def parse(text: str) -> datetime:
    """The UTC instant ``text`` names, as an aware ``datetime``.

    ``NotADateTime`` if it is not an RFC 3339 date-time, ``OutOfRange`` if Python cannot hold it.
    Cached for short texts: lists filter and sort on stored strings on every request.
    """
    return _parse_cached(text) if len(text) <= CACHED_TEXT else _parse(text)


def is_date_time(text: str) -> bool:
    """Whether ``text`` has RFC 3339's date-time shape (its parts may still be out of range)."""
    return _RFC3339.fullmatch(text) is not None


@lru_cache(maxsize=16384)
def _parse_cached(text: str) -> datetime:
    return _parse(text)


def _parse(text: str) -> datetime:
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise NotADateTime(f"{text[:40]!r} is not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    micros = int(((match.group(7) or "") + "000000")[:6])
    offset = _offset(match.group(8))
    leap = second == 60
    if (
        year == 0
        or (year, month, day, offset > _ZERO) == (1, 1, 1, True)
        or ((year, month, day) == (9999, 12, 31) and offset < _ZERO)
    ):
        raise OutOfRange(f"{text[:40]!r} may fall outside 0001-01-01 .. 9999-12-31 in UTC")
    try:
        local = datetime(year, month, day, hour, minute, 59 if leap else second, micros)
    except ValueError:
        raise NotADateTime(f"{text[:40]!r} names no such calendar date or time of day") from None
    try:
        moment = (local - offset).replace(tzinfo=UTC)
        if leap:
            if (moment.hour, moment.minute) != (23, 59):
                raise NotADateTime(f"{text[:40]!r}: a leap second is 23:59:60 in UTC only")
            moment += _ONE_SECOND
    except OverflowError:
        raise OutOfRange(f"{text[:40]!r} is outside 0001-01-01 .. 9999-12-31 in UTC") from None
    return moment


def _offset(text: str) -> timedelta:
    if text in ("Z", "z"):
        return _ZERO
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 23 or minutes > 59:
        raise NotADateTime(f"invalid UTC offset {text!r}")
    sign = -1 if text[0] == "-" else 1
    return sign * timedelta(hours=hours, minutes=minutes)


def clear_caches() -> None:
    """Forget every parsed date-time (a reset gives back what a flood of requests took)."""
    _parse_cached.cache_clear()
