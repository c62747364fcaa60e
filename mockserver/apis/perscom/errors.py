"""PERSCOM's error envelope: ``{"error": {"message", "type"}}`` (+ ``errors`` on 422).

Core validation errors: a bad ``version`` is the 400 of PERSCOM's version middleware (it runs
before anything else), a non-integer ``event`` id is a 404 (the route does not bind), and every
other problem is Laravel's 422 ``ValidationException`` with messages per field.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.datastructures import Headers

from mockserver.apis.perscom import messages as msg
from mockserver.apis.perscom.rules import FieldValidationFailed, NestedDepthExceeded, PerscomRuleError
from mockserver.apis.perscom.validation_messages import FieldIssue, errors_by_field, summary_message
from mockserver.errors import (
    ApiError,
    FieldError,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    RequestValidationError,
    Unauthorized,
)
from mockserver.registry import Reply
from mockserver.spec import Operation

# What Laravel reports when the JSON body is unusable (it then sees no input): the fields the
# create rules require, or the batch ``resources`` key.
_ROOT_REQUIRED = {
    "createEvent": ("name", "calendar_id", "author_id", "all_day", "starts", "ends"),
    "batchCreateEvents": ("resources",),
    "batchUpdateEvents": ("resources",),
    "batchDeleteEvents": ("resources",),
}


class RuleFailure(ApiError):
    """A helper's ``PerscomRuleError`` on its way to the renderer."""

    def __init__(self, rule: PerscomRuleError) -> None:
        super().__init__(rule.message)
        self.rule = rule


def envelope(message: str, error_type: str, status: int, errors: dict[str, list[str]] | None = None) -> Reply:
    body: dict[str, Any] = {"message": message, "type": error_type}
    if errors is not None:
        body["errors"] = errors
    return Reply({"error": body}, status)


def _offending_value(error: FieldError) -> Any:
    """The rejected value, read back from the validator's message (``"foo" does not match ...``)."""
    try:
        value, _ = json.JSONDecoder().raw_decode(error.message)
    except ValueError:
        return None
    return value


def _issues(errors: tuple[FieldError, ...], operation: Operation | None) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for error in errors:
        if error.path:
            issues.append(FieldIssue(error.path, error.kind, error.detail, _offending_value(error)))
            continue
        required = _ROOT_REQUIRED.get(operation.operation_id if operation else "", ())
        issues += [FieldIssue(name, "required") for name in required]
    return issues


def _too_deep(error: FieldError) -> bool:
    """A search filter nested twice, or an array value inside a nested one: Orion's depth check."""
    path = error.path
    if error.location != "body" or len(path) < 4 or path[0] != "filters" or path[2] != "nested":
        return False
    return (len(path) == 4 and error.kind == "not") or (len(path) >= 5 and path[4] in ("value", "nested"))


def validation_reply(error: RequestValidationError, operation: Operation | None) -> Reply:
    if any(e.location == "path" and e.path[:1] == ("version",) for e in error.errors):
        return envelope(msg.VERSION_INVALID, msg.TYPE_HTTP, 400)
    if any(e.location == "path" for e in error.errors):
        return envelope(msg.NOT_FOUND, msg.TYPE_NOT_FOUND, 404)
    if any(_too_deep(e) for e in error.errors):  # Orion checks the depth before any field
        return rule_reply(NestedDepthExceeded(2))
    errors = errors_by_field(_issues(error.errors, operation))
    return envelope(summary_message(errors), msg.TYPE_VALIDATION, 422, errors)


def rule_reply(rule: PerscomRuleError) -> Reply:
    errors = rule.errors if isinstance(rule, FieldValidationFailed) else None
    return envelope(rule.message, rule.error_type, rule.status, errors)


def render_error(error: ApiError, operation: Operation | None, headers: Headers) -> Reply:
    if isinstance(error, RequestValidationError):
        return validation_reply(error, operation)
    if isinstance(error, RuleFailure):
        return rule_reply(error.rule)
    if isinstance(error, Unauthorized):
        return envelope(msg.UNAUTHENTICATED, msg.TYPE_UNAUTHENTICATED, 401)
    if isinstance(error, Forbidden):
        return envelope(msg.FORBIDDEN, msg.TYPE_HTTP, 403)
    if isinstance(error, NotFound):
        return envelope(msg.NOT_FOUND, msg.TYPE_NOT_FOUND, 404)
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(error.allowed)
        text = f"The {error.method} method is not supported for this route. Supported methods: {allowed}."
        return envelope(text, "MethodNotAllowedHttpException", 405)
    if error.status >= 500:
        return envelope(msg.SERVER_ERROR, type(error).__name__, error.status)
    return envelope(error.message or msg.SERVER_ERROR, msg.TYPE_HTTP, error.status)
