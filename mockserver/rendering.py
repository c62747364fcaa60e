"""Error renderers as tables: error class → a small function building the vendor's reply.

An API gives its envelope (how any status and message look in its format) and the entries
where its words differ; the lookup walks the error's class hierarchy, as Flask resolves error
handlers, so an entry for ``NotFound`` also answers ``RecordNotFound`` unless that has its own.
Whatever has no entry is the envelope around the core's default message (``CORE_MESSAGES``, or
the class's HTTP reason phrase). Headers the status calls for (``Allow`` on a 405) are added here
for every API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from werkzeug.datastructures import Headers

from mockserver.errors import (
    MAX_FIELD_ERRORS,
    ApiError,
    MethodNotAllowed,
    PayloadTooLarge,
    RequestTimeout,
    RouteNotFound,
    UnsupportedMediaType,
)
from mockserver.registry import Reply
from mockserver.spec import Operation

E = TypeVar("E", bound=ApiError)


@dataclass(frozen=True)
class ErrorScene:
    """What a renderer may read besides the error: the operation (if one matched) and the request's headers."""

    operation: Operation | None
    headers: Headers

    @property
    def operation_id(self) -> str:
        return self.operation.operation_id if self.operation is not None else ""


Envelope = Callable[[ApiError, str, ErrorScene], Reply]
Entry = Callable[[Any, ErrorScene], Reply]

# The core's words for the HTTP-level errors, used unless an API's table says otherwise.
CORE_MESSAGES: Mapping[type[ApiError], Callable[[Any], str]] = {
    RouteNotFound: lambda e: "No route matches the request.",
    MethodNotAllowed: lambda e: (
        f"The method {e.method} is not allowed here; allowed: {', '.join(e.allowed)}."
    ),
    RequestTimeout: lambda e: f"The request was not received within {e.seconds:g} seconds.",
    PayloadTooLarge: lambda e: f"The request body is larger than the limit of {e.limit} bytes.",
    UnsupportedMediaType: lambda e: f"The content type {e.content_type!r} is not supported.",
}


def default_message(error: ApiError) -> str:
    """The core's message for ``error``: its entry in ``CORE_MESSAGES`` along the hierarchy, else its own."""
    for cls in type(error).__mro__:
        phrase = CORE_MESSAGES.get(cls)
        if phrase is not None:
            return phrase(error)
    return error.message


def more_errors(count: int) -> str:
    """The line that stands for the field errors over ``MAX_FIELD_ERRORS``."""
    return f"... and {count} more error{'s' if count != 1 else ''} (at most {MAX_FIELD_ERRORS} are listed)"


class ErrorRenderer:
    """``ErrorRenderer(envelope, {ErrorClass: entry, ...})`` is called as ``(error, operation, headers)``."""

    def __init__(self, envelope: Envelope, table: Mapping[type[ApiError], Entry]) -> None:
        self.envelope = envelope
        self.table = dict(table)

    def entry_for(self, error_type: type[ApiError]) -> Entry | None:
        for cls in error_type.__mro__:
            found = self.table.get(cls)
            if found is not None:
                return found
        return None

    def __call__(self, error: ApiError, operation: Operation | None, headers: Headers) -> Reply:
        scene = ErrorScene(operation, headers)
        entry = self.entry_for(type(error))
        reply = (
            entry(error, scene) if entry is not None else self.envelope(error, default_message(error), scene)
        )
        extra = error.headers()
        if not extra:
            return reply
        return Reply(reply.body, reply.status, {**reply.headers, **extra}, reply.content_type)
