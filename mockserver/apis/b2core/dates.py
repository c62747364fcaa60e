"""B2Core's date-times: RFC 3339 with an offset, read by the core policy (``mockserver.datetimes``).

Events keep ``startDate``/``endDate`` as the client sent them and answer them so; filters, sorting
and the end-before-start rule compare the UTC instants ``parse_instant`` names (offsets applied,
a leap second as the next second, digits past the microsecond cut). The spec's pattern has
already refused what Python cannot hold (year 0000, an offset across 0001 or 9999).
"""

from __future__ import annotations

from datetime import UTC, datetime

from mockserver.datetimes import parse as parse_instant

__all__ = ["format_timestamp", "parse_instant"]


def format_timestamp(moment: datetime) -> str:
    """``createTime``/``updateTime`` in the vendor's style: ``2022-01-01T00:00:00+00:00``."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")
