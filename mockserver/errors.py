"""One exception root for the mock server; HTTP statuses are data on the classes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar


class MockServerError(Exception):
    """Root of every error the mock server raises on purpose."""


class ConfigurationError(MockServerError):
    """The mock cannot start: a spec, a handler table or a config file is wrong."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one part of a request, in terms an error renderer can phrase.

    ``location`` is ``body``, ``query``, ``path`` or ``header``; ``path`` points into the
    value (``("resources", 0, "name")``); ``kind`` is the JSON Schema keyword that failed
    (``required``, ``type``, ``enum``, ``format`` ...) or ``malformed_json``.
    """

    location: str
    path: tuple[str | int, ...]
    kind: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def dotted(self) -> str:
        return ".".join(str(part) for part in self.path)


class ApiError(MockServerError):
    """An error answered in the vendor's envelope; subclasses fix the status."""

    status: ClassVar[int] = 500

    def __init__(self, message: str = "", **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class MethodNotAllowed(ApiError):
    status = 405

    def __init__(self, allowed: Sequence[str], method: str = "") -> None:
        super().__init__("Method not allowed", method=method)
        self.allowed = tuple(allowed)
        self.method = method


class UnprocessableEntity(ApiError):
    status = 422


class RequestValidationError(ApiError):
    """The request does not match the spec; each API decides the status it answers with."""

    status = 400

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.location}:{e.dotted}: {e.message}" for e in errors))
        self.errors = tuple(errors)
