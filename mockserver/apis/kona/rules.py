"""Kona business-rule errors and the checks that raise them.

Every error is a ``ValueError`` carrying the offending ``field`` (or ``None``) and a ``message``,
plus the HTTP status, title and problemType Kona would answer with, so one renderer can build
``{"problemType", "title", "details"}`` without knowing the rule.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import ClassVar

from . import messages


class KonaRuleError(ValueError):
    """Root of the Kona helper errors."""

    status: ClassVar[int] = 422
    title: ClassVar[str] = messages.TITLE_UNPROCESSABLE
    problem_type: ClassVar[str] = messages.PROBLEM_UNPROCESSABLE

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    @property
    def details(self) -> str:
        """The text for the envelope's ``details`` key."""
        return str(self)


class InvalidDate(KonaRuleError):
    """A date value in none of Kona's accepted forms, or outside the supported range (400)."""

    status = 400
    title = messages.TITLE_BAD_REQUEST
    problem_type = messages.PROBLEM_BAD_REQUEST


class EndBeforeStart(KonaRuleError):
    """``end_at`` earlier than ``start_at`` (422)."""


class UnknownSpace(KonaRuleError):
    """``space_id`` names no space the caller belongs to (422)."""


def check_end_not_before_start(start_at: datetime, end_at: datetime) -> None:
    if end_at < start_at:
        raise EndBeforeStart("end_at", messages.END_BEFORE_START)


def check_space(space_id: int, known_space_ids: Collection[int]) -> None:
    if space_id not in known_space_ids:
        raise UnknownSpace("space_id", messages.UNKNOWN_SPACE.format(space_id=space_id))
