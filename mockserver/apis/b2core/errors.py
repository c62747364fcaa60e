"""B2Core's error envelope: ``{"message": ..., "errors": {<field>: [...]}}``, localized.

The language comes from the request's ``Accept-Language`` (``i18n.negotiate_language``): English
by default, Japanese for ``ja``. 400s carry ``errors``; 401/403/404/405 only ``message``.
"""

from __future__ import annotations

from werkzeug.datastructures import Headers

from mockserver.apis.b2core import i18n
from mockserver.apis.b2core import messages as m
from mockserver.apis.b2core.rules import CalendarRuleError
from mockserver.errors import (
    ApiError,
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    RequestValidationError,
    Unauthorized,
)
from mockserver.registry import Reply
from mockserver.spec import Operation


class RuleRejected(BadRequest):
    """A ``CalendarRuleError`` with status 400, carried to the renderer."""

    def __init__(self, rule: CalendarRuleError) -> None:
        super().__init__(str(rule))
        self.rule = rule


class EventMissing(NotFound):
    """``rules.EventNotFound``, carried to the renderer."""

    def __init__(self, rule: CalendarRuleError) -> None:
        super().__init__(str(rule))
        self.rule = rule


def rejected(rule: CalendarRuleError) -> ApiError:
    """The ``ApiError`` a handler raises for a broken rule."""
    return EventMissing(rule) if rule.status == 404 else RuleRejected(rule)


def _invalid(errors: dict[str, list[str]], language: str) -> Reply:
    return Reply({"message": i18n.translate(m.VALIDATION_FAILED, language), "errors": errors}, 400)


def _message(key: str, status: int, language: str, **params: object) -> Reply:
    return Reply({"message": i18n.translate(key, language, **params)}, status)


def render_error(error: ApiError, operation: Operation | None, headers: Headers) -> Reply:
    language = i18n.negotiate_language(headers.get("Accept-Language"))
    if isinstance(error, RequestValidationError):
        errors: dict[str, list[str]] = {}
        for problem in error.errors:
            label, text = i18n.describe(
                problem.kind, problem.detail, problem.location, problem.path, language
            )
            if text not in errors.setdefault(label, []):
                errors[label].append(text)
        return _invalid(errors, language)
    if isinstance(error, RuleRejected):
        rule = error.rule
        text = i18n.translate(rule.key, language, field=rule.field, **rule.params)
        return _invalid({rule.field: [text]}, language)
    if isinstance(error, EventMissing):
        return _message(m.NOT_FOUND, 404, language)
    if isinstance(error, Unauthorized):
        return _message(m.UNAUTHORIZED, 401, language)
    if isinstance(error, Forbidden):
        return _message(m.FORBIDDEN, 403, language)
    if isinstance(error, NotFound):
        return _message(m.ROUTE_NOT_FOUND, 404, language)
    if isinstance(error, MethodNotAllowed):
        return _message(m.METHOD_NOT_ALLOWED, 405, language, method=error.method)
    return Reply({"message": error.message or "Server Error"}, error.status)
