"""The batch upsert: check every item, then write all of them or none."""

from __future__ import annotations

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
    return error.message


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


def normalize(item: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """The event as stored (UTC ``Z`` times), or the reasons it cannot be."""
    times = {}
    for field in ("StartTime", "EndTime"):
        try:
            times[field] = to_utc(item[field])
        except (ValueError, OverflowError):
            return None, [msg.DATE_TIME.format(field=field)]
    if times["EndTime"] <= times["StartTime"]:
        return None, [msg.START_BEFORE_END]
    event = {name: item[name] for name in FIELD_ORDER}
    event.update(UserId=int(item["UserId"]), TypeId=int(item["TypeId"]))
    event.update({k: utc_text(v) for k, v in times.items()})
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


def upsert(items: Sequence[Any], state: TwelveTwentyState, validator: SchemaValidator) -> list[Result]:
    """Apply the batch to ``state`` if every item passes; the caller holds the state's lock."""
    staged: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    failures: list[Result] = []
    for item in items:
        problems = schema_problems(item, validator)
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
    for external_id, event in staged.items():
        existing = state.events.get(external_id)
        event["Id"] = existing["Id"] if existing else state.allocate_id()
        state.events[external_id] = {"Id": event["Id"], **{k: event[k] for k in FIELD_ORDER}}
