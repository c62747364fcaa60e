"""The batch upsert: check every item, then write all of them or none; an item as stored.

One pass over the items does it all: an item is checked, read (UTC ``Z`` times), checked
against the state's rules and staged with its id, and its result made; only when every item
passed is the state changed (the staged events stored, the new ids taken). A batch of 1,000 is
~1 ms of this loop, so the loop calls nothing per item that it can avoid: a refused item takes
the long way (its problems in the vendor's words), an accepted one the short one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mockserver.apis.twelvetwenty import messages as msg
from mockserver.apis.twelvetwenty.dates import Accepted, accept
from mockserver.apis.twelvetwenty.errors import Result, failure, schema_problems
from mockserver.apis.twelvetwenty.rules import rule_problems
from mockserver.apis.twelvetwenty.state import FIELDS, TwelveTwentyState
from mockserver.schemas import SchemaValidator

TIME_FIELDS = ("StartTime", "EndTime")
Reading = tuple[datetime, str]
NO_TIME: Reading = (datetime.min, "")  # what a refused item's times are: never used
_NOT_KEPT = Accepted()  # where a batch checked without ``checks`` remembers: nothing reads it


@dataclass(frozen=True)
class BatchChecks:
    """A whole batch checked in one call of the schema validator, with the time fields left out
    (``untimed``); each time text then passes ``time`` once, and is remembered (``accepted``)."""

    untimed: SchemaValidator
    time: SchemaValidator
    accepted: Accepted


def upsert(
    items: Sequence[Any],
    state: TwelveTwentyState,
    validator: SchemaValidator,
    checks: BatchChecks | None = None,
) -> list[Result]:
    """Apply the batch to ``state`` if every item passes; the caller holds the state's lock.

    ``validator`` is CalendarEvent's: a refused item's problems. ``checks`` lets a batch whose
    items all pass it skip that item by item (without it every item is checked on its own).
    """
    checked = checks is not None and checks.untimed.is_valid(items)
    events, users = state.events, state.users
    staged: dict[str, dict[str, Any]] = {}
    results: list[Result] = []
    failures: list[Result] = []
    next_id = state.next_id
    accepted = (checks.accepted if checks is not None else _NOT_KEPT).get
    for item in items:
        # the short way: every field but the times passed, and both times were accepted before
        start = accepted(item["StartTime"]) if checked else None
        end = accepted(item["EndTime"]) if start is not None else None
        if start is None or end is None:
            start, end, problems = _times(item, validator, checks if checked else None)
            if problems:
                failures.append(failure(item, problems))
                continue
        key = item["ExternalId"]
        user = item["UserId"]  # an int: the schema said integer, and jsonbody reads 2.0 as 2
        existing = staged.get(key) or events.get(key)
        if problems := rule_problems(start[0], end[0], user, key, existing, users):
            failures.append(failure(item, problems))
            continue
        if existing is None:
            ident, next_id = next_id, next_id + 1
        else:
            ident = existing["Id"]
        if len(item) != len(FIELDS) - 1:  # not only the six fields the schema requires: those alone
            item = {name: item[name] for name in FIELDS[1:]}
        item["StartTime"], item["EndTime"], item["Id"] = start[1], end[1], ident
        staged[key] = item  # stored as it is (export puts the fields in state.FIELDS' order)
        results.append({"Id": ident, "ExternalId": key, "ErrorMessage": None, "IsSuccessful": True})
    if failures:
        return failures
    events.update(staged)  # each is a batch item's own dict (the request's, read for this batch)
    state.next_id = next_id
    return results


def _times(
    item: Any, validator: SchemaValidator, checks: BatchChecks | None
) -> tuple[Reading, Reading, Sequence[str]]:
    """The long way: the item's schema problems (all of them, when it has any), else its two
    times read, or the first that cannot be (``checks``: every field but the times passed)."""
    time = checks.time if checks is not None else None
    if time is None or not (time.is_valid(item["StartTime"]) and time.is_valid(item["EndTime"])):
        if problems := schema_problems(item, validator):
            return NO_TIME, NO_TIME, problems
    memo = checks.accepted if checks is not None else _NOT_KEPT
    readings: list[Reading] = []
    for name in TIME_FIELDS:
        try:
            readings.append(accept(item[name], memo))
        except (ValueError, OverflowError):
            return NO_TIME, NO_TIME, [msg.DATE_TIME.format(field=name)]
    return readings[0], readings[1], ()
