"""PERSCOM's rules the schema cannot state, and the errors they raise (rendered by ``errors.RENDERER``).

Every error has its HTTP status and the envelope's ``error_type`` on the class; a
``FieldValidationFailed`` (Laravel's ``ValidationException``) also carries ``errors`` (field path →
Laravel messages) for the envelope's ``errors`` key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from mockserver.apis.perscom import messages
from mockserver.apis.perscom.state import PerscomState
from mockserver.apis.perscom.validation_messages import FieldIssue, field_message, summary_message
from mockserver.errors import RecordNotFound, UnprocessableEntity

FOREIGN_KEYS = (("calendar_id", "calendars"), ("author_id", "users"))


class PerscomRuleError(UnprocessableEntity):
    """An ``abort(422, message)`` of the app or of Orion: an ``HttpException``."""

    error_type: ClassVar[str] = messages.TYPE_HTTP


class UnsupportedVersion(PerscomRuleError):
    """``{version}`` is neither v1 nor v2 (the version middleware answers before anything else)."""

    status = 400

    def __init__(self, version: str) -> None:
        super().__init__(messages.VERSION_INVALID)
        self.version = version


class NestedDepthExceeded(PerscomRuleError):
    """Search filters nest deeper than ``limit`` (Orion checks this before any field)."""

    def __init__(self, depth: int, limit: int = 1) -> None:
        super().__init__(messages.MAX_NESTED_DEPTH.format(depth=limit))
        self.depth = depth
        self.limit = limit


class FieldValidationFailed(PerscomRuleError):
    """A Laravel ``ValidationException``: ``errors`` maps each field path to its messages."""

    error_type = messages.TYPE_VALIDATION

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors = {field: list(found) for field, found in errors.items()}
        super().__init__(summary_message(self.errors))


class EventNotFound(RecordNotFound):
    """No event of that id (or it is trashed and the request does not ask for trashed ones)."""


def foreign_key_errors(
    state: PerscomState, fields: Mapping[str, Any], prefix: str = ""
) -> dict[str, list[str]]:
    """``exists`` rules: the calendar and the author must be known."""
    errors: dict[str, list[str]] = {}
    for name, table in FOREIGN_KEYS:
        if name in fields and fields[name] not in getattr(state, table):
            errors[prefix + name] = [field_message(FieldIssue(prefix + name, "exists"))]
    return errors


def check(errors: Mapping[str, Sequence[str]]) -> None:
    if errors:
        raise FieldValidationFailed(errors)
