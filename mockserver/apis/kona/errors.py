"""Kona's error envelopes: ``{"problemType", "title", "details"}``, and RFC 6749 bodies for OAuth.

Handlers raise ``KonaProblem`` (wrapping a ``rules.KonaRuleError``), ``OAuthFailure`` (wrapping an
``oauth.OAuthError``) or the core's ApiErrors; this module is the only place bodies are built.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.datastructures import Headers

from mockserver.errors import (
    ApiError,
    FieldError,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    RequestValidationError,
    Unauthorized,
    UnprocessableEntity,
)
from mockserver.registry import Reply
from mockserver.spec import Operation

from . import messages as msg
from .oauth import OAuthError
from .rules import KonaRuleError

TOKEN_OPERATION = "createOAuthToken"
UNAUTHENTICATED_DETAILS = {
    "missing": "An access token is required: send 'Authorization: Bearer <access_token>'.",
    "invalid": "The access token is invalid or has expired.",
    "expired": "The access token is invalid or has expired.",
}


class KonaProblem(ApiError):
    """A Kona business rule failed; status, title and problemType come from the rule."""

    def __init__(self, rule: KonaRuleError) -> None:
        super().__init__(rule.details)
        self.rule = rule
        self.status = rule.status  # type: ignore[misc]


class OAuthFailure(ApiError):
    def __init__(self, error: OAuthError) -> None:
        super().__init__(error.description)
        self.error = error
        self.status = error.status  # type: ignore[misc]


@contextmanager
def kona_rules() -> Iterator[None]:
    """Turn the helpers' rule errors into ApiErrors the renderer understands."""
    try:
        yield
    except KonaRuleError as rule:
        raise KonaProblem(rule) from None
    except OAuthError as error:
        raise OAuthFailure(error) from None


def problem(status: int, problem_type: str, title: str, details: str) -> Reply:
    return Reply({"problemType": problem_type, "title": title, "details": details}, status)


def _field_text(error: FieldError) -> str:
    where = error.dotted or error.location
    if error.kind == "malformed_json":
        return "The request body is not valid JSON."
    if error.location == "body" and error.path[:2] == ("calendar_events", 0) and len(error.path) > 2:
        where = ".".join(str(p) for p in error.path[2:])
    return f"{where}: {error.message}" if where else error.message


def _validation(error: RequestValidationError, operation: Operation | None) -> Reply:
    if operation is not None and operation.operation_id == TOKEN_OPERATION:
        first = error.errors[0]
        unsupported = first.path[:1] == ("grant_type",) and first.kind == "enum"
        code = "unsupported_grant_type" if unsupported else "invalid_request"
        return Reply({"error": code, "error_description": _field_text(first)}, 400)
    details = "; ".join(_field_text(e) for e in error.errors[:10])
    return problem(400, msg.PROBLEM_BAD_REQUEST, msg.TITLE_BAD_REQUEST, details)


def render_error(error: ApiError, operation: Operation | None, headers: Headers) -> Reply:
    if isinstance(error, RequestValidationError):
        return _validation(error, operation)
    if isinstance(error, OAuthFailure):
        return Reply(error.error.body(), error.error.status)
    if isinstance(error, KonaProblem):
        rule = error.rule
        return problem(rule.status, rule.problem_type, rule.title, rule.details)
    if isinstance(error, Unauthorized):
        details = UNAUTHENTICATED_DETAILS.get(str(error.detail.get("reason")), error.message)
        return problem(401, msg.PROBLEM_UNAUTHENTICATED, msg.TITLE_UNAUTHENTICATED, details)
    if isinstance(error, Forbidden):
        details = error.message or "You do not have permission to perform this action."
        return problem(403, msg.PROBLEM_FORBIDDEN, msg.TITLE_FORBIDDEN, details)
    if isinstance(error, NotFound):
        details = error.message if error.detail.get("path") is None else "No route matches the request."
        return problem(404, msg.PROBLEM_NOT_FOUND, msg.TITLE_NOT_FOUND, details)
    if isinstance(error, MethodNotAllowed):
        details = f"The method {error.method} is not allowed on this resource."
        return problem(405, msg.PROBLEM_BAD_REQUEST, "Method Not Allowed", details)
    if isinstance(error, UnprocessableEntity):
        return problem(422, msg.PROBLEM_UNPROCESSABLE, msg.TITLE_UNPROCESSABLE, error.message)
    return problem(error.status, msg.PROBLEM_BAD_REQUEST, "Error", error.message or "An error occurred.")
