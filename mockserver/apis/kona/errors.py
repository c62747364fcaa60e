"""Kona's error envelopes: ``{"problemType", "title", "details"}``, and RFC 6749 bodies for OAuth.

Validation problems are phrased as a Rails model would (``Name can't be blank``); this module is
the only place bodies are built.
"""

from __future__ import annotations

import json

from werkzeug.datastructures import Headers, MIMEAccept
from werkzeug.http import parse_accept_header

from mockserver.errors import (
    ApiError,
    FieldError,
    Forbidden,
    Kind,
    MethodNotAllowed,
    NotFound,
    RequestValidationError,
    Unauthorized,
    UnprocessableEntity,
)
from mockserver.registry import Reply
from mockserver.rendering import ErrorRenderer, ErrorScene, more_errors
from mockserver.spec import Operation

from . import messages as msg
from .oauth import OAuthError
from .rules import EventNotFound, KonaRuleError, OccurrenceNotFound

TOKEN_OPERATION = "createOAuthToken"
JSON = "application/json"
RAW_TEXT = "text/plain; charset=utf-8"
WRAPPER = ("calendar_events", 0)
UNAUTHENTICATED_DETAILS = {
    "missing": "An access token is required: send 'Authorization: Bearer <access_token>'.",
    "invalid": "The access token is invalid or has expired.",
    "expired": "The access token is invalid or has expired.",
}


def problem(status: int, problem_type: str, title: str, details: str) -> Reply:
    return Reply({"problemType": problem_type, "title": title, "details": details}, status)


def _attribute(error: FieldError) -> str:
    """Rails' ``human_attribute_name``: ``start_at`` → ``Start at``; the body wrapper is left out."""
    path = error.path[2:] if error.path[:2] == WRAPPER else error.path
    words = " ".join(str(part) for part in path if isinstance(part, str)).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


DATE_FIELDS = frozenset({"start_at", "end_at", "series_end_at", "date_range_start", "date_range_end"})


def _rails_message(error: FieldError) -> str:
    """What ActiveModel's validations would add to ``errors`` for this problem."""
    if error.field in DATE_FIELDS and error.kind != Kind.REQUIRED:
        return msg.RAILS_INVALID_DATE
    if error.kind == Kind.REQUIRED or (error.kind == Kind.MIN_LENGTH and error.limit == 1):
        return msg.RAILS_BLANK
    if error.kind == Kind.TYPE and set(error.expected) & {"integer", "number"}:
        return msg.RAILS_NOT_A_NUMBER
    if error.kind == Kind.ENUM:
        return msg.RAILS_INCLUSION
    if error.kind in msg.RAILS_LIMITS:
        template = msg.RAILS_LIMITS[error.kind]
        if error.exclusive:
            template = template.replace(" or equal to", "")
        return template.format(count=error.limit)
    return msg.RAILS_INVALID


def field_text(error: FieldError) -> str:
    """One full message: ``Name can't be blank``."""
    if error.kind == Kind.MALFORMED_JSON:
        return msg.MALFORMED_JSON
    if error.kind == Kind.ADDITIONAL_PROPERTY:
        return msg.RAILS_UNKNOWN_ATTRIBUTE.format(name=", ".join(error.names)[:100])
    if error.kind == Kind.REQUIRED and not error.path:
        return msg.BODY_REQUIRED
    return f"{_attribute(error)} {_rails_message(error)}".strip()


def _validation(error: RequestValidationError, scene: ErrorScene) -> Reply:
    if scene.operation_id == TOKEN_OPERATION:
        first = error.errors[0]
        unsupported = first.path[:1] == ("grant_type",) and first.kind == Kind.ENUM
        code = "unsupported_grant_type" if unsupported else "invalid_request"
        return Reply({"error": code, "error_description": field_text(first)}, 400)
    texts = list(dict.fromkeys(field_text(e) for e in error.errors))
    if error.omitted:
        texts.append(more_errors(error.omitted))
    return problem(400, msg.PROBLEM_BAD_REQUEST, msg.TITLE_BAD_REQUEST, ", ".join(texts))


def _envelope(error: ApiError, message: str, scene: ErrorScene) -> Reply:
    return problem(error.status, msg.PROBLEM_BAD_REQUEST, error.title, message)


_TABLE = ErrorRenderer(
    _envelope,
    {
        RequestValidationError: _validation,
        OAuthError: lambda e, scene: Reply(e.body(), e.status),
        KonaRuleError: lambda e, scene: problem(e.status, e.problem_type, e.title, e.details),
        Unauthorized: lambda e, scene: problem(
            401, msg.PROBLEM_UNAUTHENTICATED, msg.TITLE_UNAUTHENTICATED, UNAUTHENTICATED_DETAILS[e.reason]
        ),
        Forbidden: lambda e, scene: problem(403, msg.PROBLEM_FORBIDDEN, msg.TITLE_FORBIDDEN, msg.FORBIDDEN),
        NotFound: lambda e, scene: problem(
            404, msg.PROBLEM_NOT_FOUND, msg.TITLE_NOT_FOUND, msg.ROUTE_NOT_FOUND
        ),
        EventNotFound: lambda e, scene: problem(
            404, msg.PROBLEM_NOT_FOUND, msg.TITLE_NOT_FOUND, msg.EVENT_NOT_FOUND.format(event_id=e.record_id)
        ),
        OccurrenceNotFound: lambda e, scene: problem(
            404,
            msg.PROBLEM_NOT_FOUND,
            msg.TITLE_NOT_FOUND,
            msg.OCCURRENCE_NOT_FOUND.format(event_id=e.event_id, num_in_series=e.num_in_series),
        ),
        MethodNotAllowed: lambda e, scene: problem(
            405, msg.PROBLEM_BAD_REQUEST, e.title, f"The method {e.method} is not allowed on this resource."
        ),
        UnprocessableEntity: lambda e, scene: problem(
            422, msg.PROBLEM_UNPROCESSABLE, msg.TITLE_UNPROCESSABLE, e.message
        ),
    },
)


def wants_json(headers: Headers) -> bool:
    """Whether the request names ``application/json`` in its Accept header (``*/*`` does not count)."""
    accept = parse_accept_header(headers.get("Accept"), MIMEAccept)
    return any(value.lower() == JSON and quality > 0 for value, quality in accept)


def RENDERER(error: ApiError, operation: Operation | None, headers: Headers) -> Reply:
    """Kona's envelope as JSON when asked for, else the same JSON as raw text (sections/exceptions.md)."""
    reply = _TABLE(error, operation, headers)
    if wants_json(headers) or not isinstance(reply.body, dict) or "problemType" not in reply.body:
        return reply
    return Reply(json.dumps(reply.body, separators=(",", ":")), reply.status, reply.headers, RAW_TEXT)
