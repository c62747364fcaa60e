"""The batch upsert: check every item, then write all of them or none."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from mockserver.apis.twelvetwenty import messages as msg
from mockserver.apis.twelvetwenty.state import TwelveTwentyState
from mockserver.errors import FieldError
from mockserver.validation import SchemaValidator

Result = dict[str, Any]
FIELD_ORDER = ("ExternalId", "UserId", "TypeId", "StartTime", "EndTime", "Title")
TEXT_LIMITS = {"ExternalId": 256, "Title": 1024}


def _phrase(error: FieldError) -> str:
    field = str(error.path[0]) if error.path else ""
    if error.kind == "required":
        return msg.REQUIRED.format(field=field)
    if field == "TypeId":
        return msg.TYPE_ID
    if field == "UserId":
        return msg.INTEGER.format(field=field) if error.kind == "type" else msg.POSITIVE.format(field=field)
    if field in ("StartTime", "EndTime"):
        return msg.DATE_TIME.format(field=field)
    if field in TEXT_LIMITS:
        return msg.TEXT.format(field=field, limit=TEXT_LIMITS[field])
    return msg.INVALID_FIELD.format(field=field or "event")


def _rank(error: FieldError) -> int:
    field = error.path[0] if error.path else ""
    return FIELD_ORDER.index(field) if field in FIELD_ORDER else len(FIELD_ORDER)


def schema_problems(item: Any, validator: SchemaValidator) -> list[str]:
    if not isinstance(item, dict):
        return [msg.NOT_AN_OBJECT]
    phrases = [_phrase(e) for e in sorted(validator.errors(item), key=_rank)]
    return list(dict.fromkeys(phrases))


def to_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("z", "Z")).astimezone(UTC)


def utc_text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# Already in the stored form: ``utc_text(to_utc(text)) == text`` (string kept, no re-formatting).
_STORED_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def _time(text: str) -> tuple[datetime, str]:
    moment = to_utc(text)
    return moment, text if _STORED_FORM.fullmatch(text) else utc_text(moment)


def normalize(item: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """The event as stored (UTC ``Z`` times), or the reasons it cannot be."""
    try:
        start, start_text = _time(item["StartTime"])
    except (ValueError, OverflowError):
        return None, [msg.DATE_TIME.format(field="StartTime")]
    try:
        end, end_text = _time(item["EndTime"])
    except (ValueError, OverflowError):
        return None, [msg.DATE_TIME.format(field="EndTime")]
    if end <= start:
        return None, [msg.START_BEFORE_END]
    event = {
        "ExternalId": item["ExternalId"],
        "UserId": int(item["UserId"]),
        "TypeId": int(item["TypeId"]),
        "StartTime": start_text,
        "EndTime": end_text,
        "Title": item["Title"],
    }
    return event, []


def ownership_problem(
    event: dict[str, Any], existing: dict[str, Any] | None, state: TwelveTwentyState
) -> list[str]:
    if not state.knows_user(event["UserId"]):
        return [msg.USER_NOT_FOUND.format(user_id=event["UserId"])]
    if existing is not None and existing["UserId"] != event["UserId"]:
        return [msg.OWNED_BY_ANOTHER.format(external_id=event["ExternalId"], owner=existing["UserId"])]
    return []


def failure(item: Any, problems: Sequence[str]) -> Result:
    external_id = item.get("ExternalId") if isinstance(item, dict) else None
    return {
        "ExternalId": external_id if isinstance(external_id, str) else None,
        "ErrorMessage": "; ".join(problems),
        "IsSuccessful": False,
    }


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
    all_valid = batch_validator is not None and batch_validator.is_valid(items)
    for item in items:
        problems = [] if all_valid else schema_problems(item, validator)
        event = None
        if not problems:
            event, problems = normalize(item)
        if event is not None:
            existing = staged.get(event["ExternalId"]) or state.events.get(event["ExternalId"])
            problems = ownership_problem(event, existing, state)
        if problems or event is None:
            failures.append(failure(item, problems))
            continue
        staged[event["ExternalId"]] = event
        order.append(event["ExternalId"])
    if failures:
        return failures
    _apply(staged, state)
    return [
        {"Id": staged[x]["Id"], "ExternalId": x, "ErrorMessage": None, "IsSuccessful": True} for x in order
    ]


def _apply(staged: dict[str, dict[str, Any]], state: TwelveTwentyState) -> None:
    events = state.events
    for external_id, event in staged.items():
        existing = events.get(external_id)
        stored = {"Id": existing["Id"] if existing else state.allocate_id()}
        stored.update(event)  # normalize() builds events in FIELD_ORDER
        events[external_id] = stored
        event["Id"] = stored["Id"]
