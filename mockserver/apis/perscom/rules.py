"""PERSCOM's rules the schema cannot state, and the errors they raise (rendered by ``errors.RENDERER``).

Every error has its HTTP status and the envelope's ``error_type`` on the class. Field problems
only stored state reveals (``exists``) are neutral ``FieldError``s raised as a
``RequestValidationError``, so they render as Laravel's 422 alongside the spec's own problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from mockserver.apis.perscom import messages
from mockserver.apis.perscom.state import PerscomState
from mockserver.errors import FieldError, Kind, RecordNotFound, RequestValidationError, UnprocessableEntity

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


class EventNotFound(RecordNotFound):
    """No event of that id (or it is trashed and the request does not ask for trashed ones)."""


def foreign_key_problems(
    state: PerscomState, fields: Any, prefix: tuple[str | int, ...] = ()
) -> list[FieldError]:
    """``exists`` rules: the calendar and the author must be known ("The selected ... is invalid.")."""
    if not isinstance(fields, Mapping):
        return []
    return [
        FieldError("body", (*prefix, name), Kind.ENUM, fields[name])
        for name, table in FOREIGN_KEYS
        if name in fields and isinstance(fields[name], int) and fields[name] not in getattr(state, table)
    ]


def state_problems(operation_id: str, body: Any, state: PerscomState) -> list[FieldError]:
    """Every ``exists`` problem of a request body: asked by the handlers, and by the core when the
    spec already refused the body, so one 422 lists all problems as Laravel's validator does."""
    if operation_id in ("createEvent", "updateEvent", "putEvent"):
        return foreign_key_problems(state, body)
    resources = body.get("resources") if isinstance(body, Mapping) else None
    if operation_id == "batchCreateEvents" and isinstance(resources, list):
        return [
            p for i, item in enumerate(resources) for p in foreign_key_problems(state, item, ("resources", i))
        ]
    if operation_id == "batchUpdateEvents" and isinstance(resources, Mapping):
        return [
            p for k, item in resources.items() for p in foreign_key_problems(state, item, ("resources", k))
        ]
    return []


def check(problems: list[FieldError]) -> None:
    if problems:
        raise RequestValidationError(problems)
