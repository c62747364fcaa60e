"""PERSCOM's error envelope: ``{"error": {"message", "type"}}`` (+ ``errors`` on 422).

Core validation errors: a bad ``version`` is the 400 of PERSCOM's version middleware (it runs
before anything else), a non-integer ``event`` id is a 404 (the route does not bind), and every
other problem is Laravel's 422 ``ValidationException`` with messages per field.
"""

from __future__ import annotations

from typing import Any

from mockserver.apis.perscom import messages as msg
from mockserver.apis.perscom.rules import NestedDepthExceeded, PerscomRuleError
from mockserver.apis.perscom.validation_messages import FieldIssue, errors_by_field, summary_message
from mockserver.errors import (
    ApiError,
    FieldError,
    Forbidden,
    Kind,
    MethodNotAllowed,
    NotFound,
    RequestValidationError,
    Unauthorized,
)
from mockserver.registry import Reply
from mockserver.rendering import ErrorRenderer, ErrorScene

# What Laravel reports when the JSON body is unusable (it then sees no input): the fields the
# create rules require, or the batch ``resources`` key.
_ROOT_REQUIRED = {
    "createEvent": ("name", "calendar_id", "author_id", "all_day", "starts", "ends"),
    "batchCreateEvents": ("resources",),
    "batchUpdateEvents": ("resources",),
    "batchDeleteEvents": ("resources",),
}


def envelope(message: str, error_type: str, status: int, errors: dict[str, list[str]] | None = None) -> Reply:
    body: dict[str, Any] = {"message": message, "type": error_type}
    if errors is not None:
        body["errors"] = errors
    return Reply({"error": body}, status)


def _issues(errors: tuple[FieldError, ...], operation_id: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for error in errors:
        if not error.path:
            issues += [FieldIssue(name, "required") for name in _ROOT_REQUIRED.get(operation_id, ())]
        elif error.location == "query" and error.path[0] == "include":
            # Orion's WhitelistedQueryFields: one rule on the whole string, reported once under ``include``
            if not any(issue.path == "include" for issue in issues):
                issues.append(FieldIssue("include", "whitelist", value=error.quoted))
        elif error.kind == Kind.TYPE and error.found == "null":
            issues.append(FieldIssue(error.path, "required"))  # Laravel's ``required`` refuses null
        else:
            issues.append(FieldIssue.of(error))
    return issues


def _too_deep(error: FieldError) -> bool:
    """A search filter nested twice, or an array value inside a nested one: Orion's depth check."""
    path = error.path
    if error.location != "body" or len(path) < 4 or path[0] != "filters" or path[2] != "nested":
        return False
    return (len(path) == 4 and error.kind == "not") or (len(path) >= 5 and path[4] in ("value", "nested"))


def _validation(error: RequestValidationError, scene: ErrorScene) -> Reply:
    if any(e.location == "path" and e.path[:1] == ("version",) for e in error.errors):
        return envelope(msg.VERSION_INVALID, msg.TYPE_HTTP, 400)
    if any(e.location == "path" for e in error.errors):
        return envelope(msg.NOT_FOUND, msg.TYPE_NOT_FOUND, 404)
    if any(_too_deep(e) for e in error.errors):  # Orion checks the depth before any field
        return _rule(NestedDepthExceeded(2), scene)
    errors = errors_by_field(_issues(error.errors, scene.operation_id))
    # past the 50 kept, only the summary's "(and N more errors)" counts the rest: ``errors`` keeps
    # naming fields, as clients read it
    return envelope(summary_message(errors, error.omitted), msg.TYPE_VALIDATION, 422, errors)


def _rule(rule: PerscomRuleError, scene: ErrorScene) -> Reply:
    return envelope(rule.message, rule.error_type, rule.status)


def _method(error: MethodNotAllowed, scene: ErrorScene) -> Reply:
    allowed = ", ".join(error.allowed)
    text = f"The {error.method} method is not supported for this route. Supported methods: {allowed}."
    return envelope(text, "MethodNotAllowedHttpException", 405)


def _envelope(error: ApiError, message: str, scene: ErrorScene) -> Reply:
    if error.status >= 500:
        return envelope(msg.SERVER_ERROR, type(error).__name__, error.status)
    return envelope(message, msg.TYPE_HTTP, error.status)


RENDERER = ErrorRenderer(
    _envelope,
    {
        RequestValidationError: _validation,
        PerscomRuleError: _rule,
        Unauthorized: lambda e, scene: envelope(msg.UNAUTHENTICATED, msg.TYPE_UNAUTHENTICATED, 401),
        Forbidden: lambda e, scene: envelope(msg.FORBIDDEN, msg.TYPE_HTTP, 403),
        NotFound: lambda e, scene: envelope(msg.NOT_FOUND, msg.TYPE_NOT_FOUND, 404),
        MethodNotAllowed: _method,
    },
)
