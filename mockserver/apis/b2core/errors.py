"""B2Core's error envelope: ``{"message": ..., "errors": {<field>: [...]}}``, localized.

The language comes from the request's ``Accept-Language`` (``i18n.negotiate_language``): English
by default, Japanese for ``ja``. 400s carry ``errors``; other statuses only ``message``.
"""

from __future__ import annotations

from mockserver.apis.b2core import i18n
from mockserver.apis.b2core import messages as m
from mockserver.apis.b2core.rules import EndBeforeStart, EventNotFound
from mockserver.errors import (
    ApiError,
    Forbidden,
    MethodNotAllowed,
    RequestValidationError,
    RouteNotFound,
    Unauthorized,
)
from mockserver.registry import Reply
from mockserver.rendering import Entry, ErrorRenderer, ErrorScene, more_errors


def _language(scene: ErrorScene) -> str:
    return i18n.negotiate_language(scene.headers.get("Accept-Language"))


def _invalid(errors: dict[str, list[str]], scene: ErrorScene) -> Reply:
    return Reply({"message": i18n.translate(m.VALIDATION_FAILED, _language(scene)), "errors": errors}, 400)


def _said(key: str) -> Entry:
    def entry(error: ApiError, scene: ErrorScene) -> Reply:
        params = {"method": error.method} if isinstance(error, MethodNotAllowed) else {}
        return Reply({"message": i18n.translate(key, _language(scene), **params)}, error.status)

    return entry


def _validation(error: RequestValidationError, scene: ErrorScene) -> Reply:
    language = _language(scene)
    errors: dict[str, list[str]] = {}
    for problem in error.errors:
        label, text = i18n.describe(problem, language)
        if text not in errors.setdefault(label, []):
            errors[label].append(text)
    if error.omitted:
        errors["_more"] = [more_errors(error.omitted)]
    return _invalid(errors, scene)


def _envelope(error: ApiError, message: str, scene: ErrorScene) -> Reply:
    return Reply({"message": message}, error.status)


RENDERER = ErrorRenderer(
    _envelope,
    {
        RequestValidationError: _validation,
        EndBeforeStart: lambda e, scene: _invalid(
            {e.field: [i18n.translate(m.END_BEFORE_START, _language(scene))]}, scene
        ),
        EventNotFound: _said(m.NOT_FOUND),
        Unauthorized: _said(m.UNAUTHORIZED),
        Forbidden: _said(m.FORBIDDEN),
        RouteNotFound: _said(m.ROUTE_NOT_FOUND),
        MethodNotAllowed: _said(m.METHOD_NOT_ALLOWED),
    },
)
