"""Calendar-event rules the schema cannot state, and the errors every helper raises.

Events are plain dicts keyed like the Calendar Event object (``id``, ``caption``,
``description``, ``startDate``, ``endDate``, ``notifications``, ``recipients``, ``createTime``,
``updateTime``); dates stay RFC 3339 strings as sent (see ``dates``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from mockserver.apis.b2core import messages as m
from mockserver.apis.b2core.dates import format_timestamp, parse_instant
from mockserver.apis.b2core.i18n import DEFAULT_LANGUAGE, translate

EDITABLE_FIELDS = ("caption", "description", "startDate", "endDate", "notifications", "recipients")


class CalendarRuleError(ValueError):
    """A request breaks a rule; ``i18n.translate(key, language, field=field, **params)`` says how.

    ``status`` is the HTTP status the vendor envelope carries.
    """

    status: ClassVar[int] = 400

    def __init__(self, field: str, key: str, **params: object) -> None:
        self.field = field
        self.key = key
        self.params = params
        super().__init__(translate(key, DEFAULT_LANGUAGE, field=field, **params))


class EndBeforeStart(CalendarRuleError):
    def __init__(self) -> None:
        super().__init__("endDate", m.END_BEFORE_START)


class InvalidSortField(CalendarRuleError):
    def __init__(self, allowed: Sequence[str]) -> None:
        super().__init__("sort_by", m.ENUM, allowed=", ".join(allowed))


class InvalidSortOrder(CalendarRuleError):
    def __init__(self, allowed: Sequence[str]) -> None:
        super().__init__("sort_order", m.ENUM, allowed=", ".join(allowed))


class InvalidFilterValue(CalendarRuleError):
    """A ``filter[...]`` value of the wrong shape; ``key`` names the shape expected."""


class UnknownFilter(CalendarRuleError):
    def __init__(self, names: Sequence[str]) -> None:
        super().__init__("filter", m.UNKNOWN_FIELD, names=", ".join(names))


class InvalidPagination(CalendarRuleError):
    """``limit`` or ``offset`` out of range; ``key`` is ``MINIMUM`` or ``MAXIMUM``."""

    def __init__(self, field: str, key: str, limit: int) -> None:
        super().__init__(field, key, limit=limit)


class EventNotFound(CalendarRuleError):
    status = 404

    def __init__(self, event_id: object) -> None:
        self.event_id = event_id
        super().__init__("eventId", m.NOT_FOUND)


def check_date_order(event: Mapping[str, Any]) -> None:
    """Raise ``EndBeforeStart`` if the event ends before it starts (equal is fine)."""
    if parse_instant(event["endDate"]) < parse_instant(event["startDate"]):
        raise EndBeforeStart()


def new_event(body: Mapping[str, Any], event_id: int, now: datetime) -> dict[str, Any]:
    """The stored event for a validated POST body; unknown and read-only keys are ignored."""
    stamp = format_timestamp(now)
    event = {
        "id": event_id,
        "caption": body["caption"],
        "description": body.get("description"),
        "startDate": body["startDate"],
        "endDate": body["endDate"],
        "notifications": list(body.get("notifications", ())),
        "recipients": list(body.get("recipients", ())),
        "createTime": stamp,
        "updateTime": stamp,
    }
    check_date_order(event)
    return event


def apply_changes(event: Mapping[str, Any], changes: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The event after a PUT or PATCH (both partial); the date order is checked on the result."""
    updated = dict(event)
    for name in EDITABLE_FIELDS:
        if name in changes:
            value = changes[name]
            updated[name] = list(value) if isinstance(value, list) else value
    updated["updateTime"] = format_timestamp(now)
    check_date_order(updated)
    return updated
