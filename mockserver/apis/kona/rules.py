"""Kona's business rules, and the errors its renderer answers them with (``errors.RENDERER``).

A ``KonaRuleError`` carries the offending ``field`` (or ``None``) and the ``message``; the
class fixes the status and the envelope's title and problemType.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from mockserver.errors import ApiError, NotFound, RecordNotFound

from . import messages


class KonaRuleError(ApiError):
    """Root of Kona's rule errors: a 422 ``unprocessable_entity`` unless a subclass says otherwise."""

    status = 422
    title = messages.TITLE_UNPROCESSABLE
    problem_type: ClassVar[str] = messages.PROBLEM_UNPROCESSABLE

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.text = message

    @property
    def details(self) -> str:
        """The text for the envelope's ``details`` key."""
        return self.message


class InvalidDate(KonaRuleError):
    """A date value in none of Kona's accepted forms, or outside the supported range (400)."""

    status = 400
    title = messages.TITLE_BAD_REQUEST
    problem_type = messages.PROBLEM_BAD_REQUEST


class EndBeforeStart(KonaRuleError):
    """``end_at`` earlier than ``start_at`` (422)."""


class UnknownSpace(KonaRuleError):
    """``space_id`` names no space the caller belongs to (422)."""


class EventNotFound(RecordNotFound):
    """No calendar event of that id."""


class OccurrenceNotFound(NotFound):
    """The series has no occurrence ``num_in_series``."""

    def __init__(self, event_id: int, num_in_series: int) -> None:
        super().__init__()
        self.event_id = event_id
        self.num_in_series = num_in_series


def check_end_not_before_start(start_at: int, end_at: int) -> None:
    """Dates in epoch milliseconds, as records keep them."""
    if end_at < start_at:
        raise EndBeforeStart("end_at", messages.END_BEFORE_START)


def check_space(space_id: int, known_space_ids: Collection[int]) -> None:
    if space_id not in known_space_ids:
        raise UnknownSpace("space_id", messages.UNKNOWN_SPACE.format(space_id=space_id))
