"""12Twenty's date-times: ISO 8601 with an offset in, read by the core policy
(``mockserver.datetimes``); UTC with ``Z`` stored and answered."""

from __future__ import annotations

import re
from datetime import datetime

from mockserver import datetimes


def to_utc(value: str) -> datetime:
    """The UTC instant by the core date-time policy (a leap second is the next second)."""
    return datetimes.parse(value)


def utc_text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# Already in the stored form: ``utc_text(to_utc(text)) == text`` (string kept, no re-formatting).
_STORED_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def stored_time(text: str) -> tuple[datetime, str]:
    moment = to_utc(text)
    return moment, text if _STORED_FORM.fullmatch(text) else utc_text(moment)
