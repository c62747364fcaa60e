"""One exception root for the mock server; HTTP statuses are data on the classes.

Every error a client can see is an ``ApiError`` subclass: its status is on the class, what it
means is in named, typed fields (no free-form detail bag), and each API's renderer
(``rendering.ErrorRenderer``) turns it into that vendor's envelope. A rule an API adds is one
subclass here or in the API package plus one entry in that API's renderer table.

``FieldError`` is the validator-neutral description of one request problem: ``validation``
translates the JSON Schema validator's errors into it, so no API reads a validator's own
messages or dictionaries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

# How much of a client's value an error message may quote, and how many field errors one answer lists.
MAX_QUOTED_CHARS = 100
MAX_FIELD_ERRORS = 50


def shorten(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MockServerError(Exception):
    """Root of every error the mock server raises on purpose."""


class ConfigurationError(MockServerError):
    """The mock cannot start: a spec, a handler table or a config file is wrong."""


class Kind(StrEnum):
    """What failed, in the JSON Schema keyword's own name where there is one."""

    REQUIRED = "required"  # a property (or, with an empty path, the body) is missing
    TYPE = "type"
    ENUM = "enum"  # also ``const``: ``allowed`` lists the values
    PATTERN = "pattern"
    FORMAT = "format"
    MINIMUM = "minimum"  # ``exclusive`` tells > from >=
    MAXIMUM = "maximum"
    MIN_LENGTH = "minLength"
    MAX_LENGTH = "maxLength"
    MIN_ITEMS = "minItems"
    MAX_ITEMS = "maxItems"
    UNIQUE_ITEMS = "uniqueItems"
    MIN_PROPERTIES = "minProperties"
    MAX_PROPERTIES = "maxProperties"
    ADDITIONAL_PROPERTY = "additionalProperties"  # ``names`` lists the unexpected keys
    MULTIPLE_OF = "multipleOf"
    FORBIDDEN = "not"  # a value the schema excludes
    NO_MATCH = "anyOf"  # none (or, for oneOf, more than one) of the alternatives fits
    MALFORMED_JSON = "malformed_json"
    INVALID = "invalid"  # any other keyword


@dataclass(frozen=True)
class FieldError:
    """One problem with one part of a request, in terms an error renderer can phrase.

    ``location`` is ``body``, ``query``, ``path`` or ``header``; ``path`` points into the value
    (``("resources", 0, "name")``; for a missing property it ends with the property's name).
    ``value`` is the offending value when it is a scalar (strings already cut to
    ``MAX_QUOTED_CHARS``), else ``None``; ``found`` is its JSON type; ``expected`` are JSON types, ``allowed`` the permitted
    values, ``limit`` the bound of a min/max keyword, ``format``/``pattern`` what was required.
    """

    location: str
    path: tuple[str | int, ...]
    kind: Kind
    value: Any = None
    expected: tuple[str, ...] = ()
    allowed: tuple[Any, ...] = ()
    limit: int | float | None = None
    exclusive: bool = False
    format: str | None = None
    pattern: str | None = None
    names: tuple[str, ...] = ()
    found: str = ""  # the JSON type of the offending value: "null", "string", "object", ...

    @property
    def dotted(self) -> str:
        return ".".join(str(part) for part in self.path)

    @property
    def field(self) -> str:
        """The last named part of the path (``name`` for ``resources.0.name``)."""
        named = [part for part in self.path if isinstance(part, str)]
        return named[-1] if named else ""

    @property
    def quoted(self) -> str:
        """The offending value as a message may quote it (``""`` when there is none to quote)."""
        if self.value is None or isinstance(self.value, bool):
            return "" if self.value is None else str(self.value).lower()
        return shorten(str(self.value))


class ApiError(MockServerError):
    """An error answered in the vendor's envelope; the class fixes the status.

    ``title`` is the HTTP reason phrase, the default message when an API's table has no entry.
    """

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.title)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.title

    def headers(self) -> Mapping[str, str]:
        """Response headers the status itself calls for (``Allow`` on a 405, ...)."""
        return {}


class BadRequest(ApiError):
    status = 400
    title = "Bad Request"


class Unauthorized(ApiError):
    """No usable credential; ``reason`` is ``missing``, ``invalid`` or ``expired``."""

    status = 401
    title = "Unauthorized"

    def __init__(self, reason: str = "missing") -> None:
        super().__init__()
        self.reason = reason


class Forbidden(ApiError):
    """The credential lacks a scope the operation requires."""

    status = 403
    title = "Forbidden"

    def __init__(self, scopes: Sequence[str] = ()) -> None:
        super().__init__()
        self.scopes = tuple(scopes)


class NotFound(ApiError):
    status = 404
    title = "Not Found"


class RouteNotFound(NotFound):
    """No documented path matches ``path`` (inside the API's mount)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class RecordNotFound(NotFound):
    """The path names a record the state does not hold (or hides, e.g. trashed)."""

    def __init__(self, record_id: object) -> None:
        super().__init__()
        self.record_id = record_id


class MethodNotAllowed(ApiError):
    status = 405
    title = "Method Not Allowed"

    def __init__(self, allowed: Sequence[str], method: str = "") -> None:
        super().__init__()
        self.allowed = tuple(allowed)
        self.method = method

    def headers(self) -> Mapping[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class RequestTimeout(ApiError):
    """The client did not send its whole request within ``seconds``."""

    status = 408
    title = "Request Timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def headers(self) -> Mapping[str, str]:
        return {"Connection": "close"}


class StoreUnavailable(ApiError):
    """The shared store (Redis) cannot be reached: nothing was read or changed; retry shortly."""

    status = 503
    title = "Service Unavailable"

    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": "1"}


class PayloadTooLarge(ApiError):
    """The request body is longer than ``limit`` bytes."""

    status = 413
    title = "Payload Too Large"

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit


class UnsupportedMediaType(ApiError):
    status = 415
    title = "Unsupported Media Type"

    def __init__(self, content_type: str) -> None:
        super().__init__()
        self.content_type = shorten(content_type)


class UnprocessableEntity(ApiError):
    status = 422
    title = "Unprocessable Entity"


class LimitExceeded(BadRequest):
    """A request asks for more work than the mock bounds (``what`` over ``limit``)."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__()
        self.what = what
        self.limit = limit


class RequestValidationError(BadRequest):
    """The request does not match the spec; each API decides the status it answers with.

    Keeps at most ``MAX_FIELD_ERRORS`` problems; ``omitted`` counts the rest. ``body`` is the
    parsed JSON body when there was one (an API's state rules may add their problems to it).
    """

    def __init__(self, errors: Sequence[FieldError], body: Any = None) -> None:
        self.body = body
        kept = tuple(errors[:MAX_FIELD_ERRORS])
        super().__init__("; ".join(f"{e.location}:{e.dotted}: {e.kind}" for e in kept))
        self.errors = kept
        self.omitted = max(len(errors) - MAX_FIELD_ERRORS, 0)
