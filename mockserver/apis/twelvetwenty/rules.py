"""12Twenty's business rules: what the batch's schema cannot say about an item."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mockserver.apis.twelvetwenty import messages as msg
from mockserver.apis.twelvetwenty.state import TwelveTwentyState

NONE: Sequence[str] = ()


def rule_problems(
    start: datetime,
    end: datetime,
    user_id: int,
    external_id: str,
    existing: dict[str, Any] | None,
    state: TwelveTwentyState,
) -> Sequence[str]:
    """Why a schema-valid item cannot be stored (``existing``: the event its ExternalId names,
    staged by the batch or stored): its times, its user, the event's owner. Called once per
    item, so the first problem found is the one answered (the vendor names one)."""
    if end <= start:
        return [msg.START_BEFORE_END]
    if not state.knows_user(user_id):
        return [msg.USER_NOT_FOUND.format(user_id=user_id)]
    if existing is not None and existing["UserId"] != user_id:
        return [msg.OWNED_BY_ANOTHER.format(external_id=external_id, owner=existing["UserId"])]
    return NONE
