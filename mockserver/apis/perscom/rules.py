"""Errors raised by the PERSCOM helpers; the handler layer renders them in the vendor envelope.

Every error carries its HTTP ``status``, the envelope ``error_type`` and a ``message``; validation
errors also carry ``errors`` (field path → Laravel messages) for the additive ``errors`` key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from mockserver.apis.perscom import messages
from mockserver.apis.perscom.validation_messages import summary_message


class PerscomRuleError(ValueError):
    status: ClassVar[int] = 422
    error_type: ClassVar[str] = messages.TYPE_HTTP

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedVersion(PerscomRuleError):
    """``{version}`` is neither v1 nor v2."""

    status = 400

    def __init__(self, version: str) -> None:
        super().__init__(messages.VERSION_INVALID)
        self.version = version


class NestedDepthExceeded(PerscomRuleError):
    """Search filters nest deeper than one level (Orion ``abort(422, ...)``: an HttpException)."""

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
