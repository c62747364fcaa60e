"""12Twenty's business rules: what the batch's schema cannot say about an item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.apis.twelvetwenty import messages as msg
from mockserver.apis.twelvetwenty.state import TwelveTwentyState


def end_after_start(start: datetime, end: datetime) -> list[str]:
    return [msg.START_BEFORE_END] if end <= start else []


def ownership_problem(
    event: dict[str, Any], existing: dict[str, Any] | None, state: TwelveTwentyState
) -> list[str]:
    if not state.knows_user(event["UserId"]):
        return [msg.USER_NOT_FOUND.format(user_id=event["UserId"])]
    if existing is not None and existing["UserId"] != event["UserId"]:
        return [msg.OWNED_BY_ANOTHER.format(external_id=event["ExternalId"], owner=existing["UserId"])]
    return []
