"""The batch upsert: check every item, then write all of them or none; an item as stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockserver.apis.twelvetwenty import messages as msg
from mockserver.apis.twelvetwenty.dates import stored_time
from mockserver.apis.twelvetwenty.errors import Result, failure, schema_problems
from mockserver.apis.twelvetwenty.rules import end_after_start, ownership_problem
from mockserver.apis.twelvetwenty.state import TwelveTwentyState
from mockserver.validation import SchemaValidator


def normalize(item: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """The event as stored (UTC ``Z`` times; its ``Id`` still ``None``), or the reasons it cannot be."""
    try:
        start, start_text = stored_time(item["StartTime"])
    except (ValueError, OverflowError):
        return None, [msg.DATE_TIME.format(field="StartTime")]
    try:
        end, end_text = stored_time(item["EndTime"])
    except (ValueError, OverflowError):
        return None, [msg.DATE_TIME.format(field="EndTime")]
    if problems := end_after_start(start, end):
        return None, problems
    event = {  # state.FIELDS' order: the order a stored event is answered and exported in
        "Id": None,
        "ExternalId": item["ExternalId"],
        "UserId": int(item["UserId"]),
        "TypeId": int(item["TypeId"]),
        "StartTime": start_text,
        "EndTime": end_text,
        "Title": item["Title"],
    }
    return event, []


def upsert(
    items: Sequence[Any],
    state: TwelveTwentyState,
    validator: SchemaValidator,
    batch_validator: SchemaValidator | None = None,
) -> list[Result]:
    """Apply the batch to ``state`` if every item passes; the caller holds the state's lock.

    ``batch_validator`` (an array of ``validator``'s schema) checks every item in one call; only
    when it fails are the items checked one by one for their messages.
    """
    staged: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    failures: list[Result] = []
    events = state.events
    all_valid = batch_validator is not None and batch_validator.is_valid(items)
    for item in items:
        problems = [] if all_valid else schema_problems(item, validator)
        event = None
        if not problems:
            event, problems = normalize(item)
        if event is not None:
            key = event["ExternalId"]
            problems = ownership_problem(event, staged.get(key) or events.get(key), state)
        if problems or event is None:
            failures.append(failure(item, problems))
            continue
        staged[key] = event
        order.append(key)
    if failures:
        return failures
    _apply(staged, state)
    return [
        {"Id": staged[x]["Id"], "ExternalId": x, "ErrorMessage": None, "IsSuccessful": True} for x in order
    ]


def _apply(staged: dict[str, dict[str, Any]], state: TwelveTwentyState) -> None:
    """The staged events stored as they are (each is a new dict ``normalize`` made), their ids set."""
    events = state.events
    for external_id, event in staged.items():
        existing = events.get(external_id)
        event["Id"] = existing["Id"] if existing else state.allocate_id()
        events[external_id] = event
