"""Date handling shared by the PERSCOM helpers.

Stored events may hold their date fields either as timezone-aware ``datetime`` objects or in the
wire format; both are accepted everywhere. RFC 3339 date-times (every date-time field of the spec)
are read by the core policy (``mockserver.datetimes``: offsets applied, a leap second as the next
second, what Python cannot hold refused by the spec first); other texts a search may compare
(``2023-11-07``, ``2023-11-07 05:31``) as Laravel's Carbon would, with dateutil. Output follows Laravel's default serialisation,
``2023-11-07T05:31:56.000000Z`` (always UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache

from dateutil import parser as dateutil_parser

from mockserver import datetimes

DATE_FIELDS = frozenset({"starts", "ends", "registration_deadline", "created_at", "updated_at", "deleted_at"})


def to_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC (the vendor stores UTC); year-1/9999 overflow clamps."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)


def parse_datetime(value: object) -> datetime | None:
    """An aware UTC datetime from a datetime, a date or a parseable string; ``None`` if unusable."""
    if type(value) is str:  # a stored date: one lookup once read (a search reads every event's)
        known = _MOMENTS.get(value)
        if known is not None:
            return known
    try:
        if isinstance(value, datetime):
            return to_utc(value)
        if isinstance(value, date):
            return datetime.combine(value, time(), UTC)
        if isinstance(value, str) and value.strip():
            return _parse_text(value)
    except (ValueError, OverflowError):
        return None
    return None


def steady_reading(value: object) -> tuple[datetime | None, bool]:
    """``parse_datetime(value)`` and whether it reads the same on every day: false for a text
    only dateutil's free-form guess reads (it fills missing parts from today), and for a long or
    refused text (conservatively: what an index may keep is what the memo below keeps)."""
    moment = parse_datetime(value)
    if not isinstance(value, str):
        return moment, True
    return moment, value in _MOMENTS or not value.strip()


CACHED_TEXT = 64  # longest date text cached: the cache's 16,384 entries stay ~3 MB whatever is sent
KEPT_MOMENTS = 16384
# What each short text read as, when the reading cannot change (RFC 3339 or ISO 8601; never
# dateutil's free-form guess, which fills missing parts from today): emptied when full.
_MOMENTS: dict[str, datetime] = {}


def _parse_text(text: str) -> datetime:
    if datetimes.is_date_time(text):  # the core policy: offsets, leap seconds, what Python holds
        moment = datetimes.parse(text)
    else:
        try:
            if len(text) > CACHED_TEXT:  # 1 MB of fractional seconds passes the schema; not kept
                return to_utc(dateutil_parser.isoparse(text))
            moment = _isoparse_utc(text)
        except ValueError:
            return to_utc(dateutil_parser.parse(text))  # not cached: it fills missing parts from today
    if len(text) <= CACHED_TEXT:
        if len(_MOMENTS) >= KEPT_MOMENTS:
            _MOMENTS.clear()
        _MOMENTS[text] = moment
    return moment


@lru_cache(maxsize=16384)
def _isoparse_utc(text: str) -> datetime:
    """Cached: searches compare the stored date strings of every event on every request."""
    return to_utc(dateutil_parser.isoparse(text))


def format_datetime(value: datetime) -> str:
    """Laravel's JSON form of a date: microseconds, UTC, ``Z`` suffix."""
    moment = to_utc(value)  # strftime's %Y drops leading zeros of years below 1000 on glibc
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.%fZ")


def is_midnight(value: datetime) -> bool:
    return value.time() == time()


def sql_text(value: datetime) -> str:
    """How MySQL renders a DATETIME column when it is matched with LIKE."""
    moment = to_utc(value)
    return f"{moment.year:04d}" + moment.strftime("-%m-%d %H:%M:%S")


def clear_caches() -> None:
    """Forget every parsed date (a reset gives back the memory a flood of requests took)."""
    _isoparse_utc.cache_clear()
    _MOMENTS.clear()
