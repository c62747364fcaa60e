"""12Twenty's date-times: ISO 8601 with an offset in, read by the core policy
(``mockserver.datetimes``); UTC with ``Z`` stored and answered."""

from __future__ import annotations

import re
from datetime import datetime
from itertools import count
from weakref import WeakValueDictionary

from mockserver import datetimes


def to_utc(value: str) -> datetime:
    """The UTC instant by the core date-time policy (a leap second is the next second)."""
    return datetimes.parse(value)


def utc_text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# Already in the stored form: ``utc_text(to_utc(text)) == text`` (string kept, no re-formatting),
# but for a leap second (``:60``), which is kept as written.
_STORED_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
CACHED_TEXT, KEPT = 64, 16384  # what each short text read as, for a batch sent again (a sync job)
_KNOWN: dict[str, tuple[datetime, str]] = {}


def stored_time(text: str) -> tuple[datetime, str]:
    """The instant ``text`` names and the text stored for it; ``ValueError`` when it names none."""
    known = _KNOWN.get(text)
    return known if known is not None else _read(text)


def _read(text: str) -> tuple[datetime, str]:
    stored = _STORED_FORM.fullmatch(text) is not None
    try:  # the stored form is plain ISO 8601 in UTC, which the C reader takes (not :60, not 0000)
        moment = datetime.fromisoformat(text) if stored else datetimes.parse(text)
    except ValueError:
        moment = datetimes.parse(text)  # the policy's reading, or its error
    found = (moment, text if stored else utc_text(moment))
    if len(text) <= CACHED_TEXT:
        if len(_KNOWN) >= KEPT:
            _KNOWN.clear()
        _KNOWN[text] = found
    return found


class Accepted(dict[str, tuple[datetime, str]]):
    """The time texts one time schema accepted, with their reading: in a batch whose other
    fields passed the schema, a time seen before needs neither the schema (its pattern is ~60% of
    checking an item) nor a reading again. Only the batch adds to it, after the schema said yes;
    one per compiled spec (another spec's schema may accept other texts)."""


_MEMOS: WeakValueDictionary[int, Accepted] = WeakValueDictionary()  # every memo, for a reset
_NUMBERS = count()


def accepted_memo() -> Accepted:
    memo = _MEMOS[next(_NUMBERS)] = Accepted()
    return memo


def accept(text: str, memo: Accepted) -> tuple[datetime, str]:
    """``stored_time(text)`` for a text the time schema accepted, remembered in ``memo``."""
    found = stored_time(text)
    if len(text) <= CACHED_TEXT:
        if len(memo) >= KEPT:
            memo.clear()
        memo[text] = found
    return found


def clear_caches() -> None:
    _KNOWN.clear()
    for memo in list(_MEMOS.values()):
        memo.clear()
