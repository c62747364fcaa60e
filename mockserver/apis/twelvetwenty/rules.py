"""12Twenty's business rules: what the batch's schema cannot say about an item."""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import datetime
from typing import Any

from mockserver.apis.twelvetwenty import messages as msg

NONE: Sequence[str] = ()


def rule_problems(
    start: datetime,
    end: datetime,
    user_id: int,
    external_id: str,
    existing: dict[str, Any] | None,
    users: Set[int],
) -> Sequence[str]:
    """Why a schema-valid item cannot be stored (``existing``: the event its ExternalId names,
    staged by the batch or stored; ``users``: the state's students, none meaning any): its
    times, its user, the event's owner; the first found is the one answered. One call per item
    of a batch: the conditions are cheap, a problem's words are made only when there is one."""
    if end <= start:
        return [msg.START_BEFORE_END]
    if users and user_id not in users:
        return [msg.USER_NOT_FOUND.format(user_id=user_id)]
    if existing is not None and existing["UserId"] != user_id:
        return [msg.OWNED_BY_ANOTHER.format(external_id=external_id, owner=existing["UserId"])]
    return NONE
