"""12Twenty's error envelope: ASP.NET Web API's ``{"Message": ...}``, always with no-cache headers.

A refused batch item is one result with its problems (:func:`failure`). A body the model
binder cannot use is Web API's invalid model state: ``{"Message": "The request
is invalid.", "ModelState": {"events": [...]}}``, in the mock's own words, never the validator's and
never an echo of the request; a batch over the limit is its one-line message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockserver.apis.twelvetwenty import messages as msg
from mockserver.errors import (
    ApiError,
    FieldError,
    Kind,
    MethodNotAllowed,
    RequestValidationError,
    RouteNotFound,
    Unauthorized,
)
from mockserver.registry import Reply
from mockserver.rendering import ErrorRenderer, ErrorScene, more_errors
from mockserver.schemas import SchemaValidator

NO_CACHE = {"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1"}
JSON_UTF8 = "application/json; charset=utf-8"
BODY_PARAMETER = "events"
# A refused batch answers one result per failing item, its problems in the vendor's words.
Result = dict[str, Any]
FIELD_ORDER = ("ExternalId", "UserId", "TypeId", "StartTime", "EndTime", "Title")
TEXT_LIMITS = {"ExternalId": 256, "Title": 1024}


class InvalidApiKey(Unauthorized):
    """The token endpoint's ``key`` is not one the mock was configured with."""

    def __init__(self) -> None:
        super().__init__("invalid")


def _phrase(error: FieldError) -> str:
    field = str(error.path[0]) if error.path else ""
    if error.kind == "required":
        return msg.REQUIRED.format(field=field)
    if field == "TypeId":
        return msg.TYPE_ID
    if field == "UserId":
        return msg.INTEGER.format(field=field) if error.kind == "type" else msg.POSITIVE.format(field=field)
    if field in ("StartTime", "EndTime"):
        return msg.DATE_TIME.format(field=field)
    if field in TEXT_LIMITS:
        return msg.TEXT.format(field=field, limit=TEXT_LIMITS[field])
    return msg.INVALID_FIELD.format(field=field or "event")


def _rank(error: FieldError) -> int:
    field = error.path[0] if error.path else ""
    return FIELD_ORDER.index(field) if field in FIELD_ORDER else len(FIELD_ORDER)


def schema_problems(item: Any, validator: SchemaValidator) -> list[str]:
    if not isinstance(item, dict):
        return [msg.NOT_AN_OBJECT]
    phrases = [_phrase(e) for e in sorted(validator.errors(item), key=_rank)]
    return list(dict.fromkeys(phrases))


def failure(item: Any, problems: Sequence[str]) -> Result:
    external_id = item.get("ExternalId") if isinstance(item, dict) else None
    return {
        "ExternalId": external_id if isinstance(external_id, str) else None,
        "ErrorMessage": "; ".join(problems),
        "IsSuccessful": False,
    }


def reply(body: object, status: int = 200) -> Reply:
    return Reply(body, status, NO_CACHE, JSON_UTF8)


def _validation(error: RequestValidationError, scene: ErrorScene) -> Reply:
    first = error.errors[0]
    if first.location == "query":
        return reply({"Message": msg.KEY_REQUIRED}, 400)
    if any(e.kind == Kind.MAX_ITEMS and not e.path for e in error.errors):
        return reply({"Message": msg.MAX_BATCH}, 400)
    if first.kind == Kind.MALFORMED_JSON:
        problems = [msg.MALFORMED_JSON]
    elif first.kind == Kind.REQUIRED and not first.path:
        problems = [msg.BODY_REQUIRED]
    else:
        problems = [msg.NOT_AN_ARRAY]
    if error.omitted:
        problems.append(more_errors(error.omitted))
    return reply({"Message": msg.INVALID_REQUEST, "ModelState": {BODY_PARAMETER: problems}}, 400)


def _envelope(error: ApiError, message: str, scene: ErrorScene) -> Reply:
    return reply({"Message": message if error.status < 500 else msg.SERVER_ERROR}, error.status)


RENDERER = ErrorRenderer(
    _envelope,
    {
        RequestValidationError: _validation,
        InvalidApiKey: lambda e, scene: reply({"Message": msg.INVALID_KEY}, 401),
        Unauthorized: lambda e, scene: reply({"Message": msg.DENIED}, 401),
        RouteNotFound: lambda e, scene: reply({"Message": msg.NO_RESOURCE.format(uri=e.path[:100])}, 404),
        MethodNotAllowed: lambda e, scene: reply({"Message": msg.BAD_METHOD.format(method=e.method)}, 405),
    },
)
