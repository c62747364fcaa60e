"""B2Core's event records: made from a create body, changed by an update.

Events are plain dicts keyed like the Calendar Event object (``id``, ``caption``,
``description``, ``startDate``, ``endDate``, ``notifications``, ``recipients``, ``createTime``,
``updateTime``), which is also their wire view; dates stay RFC 3339 strings as sent (see ``dates``).
``notifications`` and ``recipients`` are kept as tuples of strings (JSON arrays on the wire): a dict
holding only strings, numbers and such tuples is untracked by Python's cyclic garbage collector,
so a store grown by POSTs adds nothing to the full collections that pause every request
(bench/README.md, "POST create p99").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mockserver.apis.b2core.dates import format_timestamp
from mockserver.apis.b2core.rules import check_date_order

EDITABLE_FIELDS = ("caption", "description", "startDate", "endDate", "notifications", "recipients")


def new_event(body: Mapping[str, Any], event_id: int, now: datetime) -> dict[str, Any]:
    """The stored event for a validated POST body; unknown and read-only keys are ignored."""
    stamp = format_timestamp(now)
    event = {
        "id": event_id,
        "caption": body["caption"],
        "description": body.get("description"),
        "startDate": body["startDate"],
        "endDate": body["endDate"],
        "notifications": tuple(body.get("notifications", ())),
        "recipients": tuple(body.get("recipients", ())),
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
            updated[name] = tuple(value) if isinstance(value, list) else value
    updated["updateTime"] = format_timestamp(now)
    check_date_order(updated)
    return updated
