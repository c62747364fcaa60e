"""12Twenty's error envelope: ASP.NET Web API's ``{"Message": ...}``, always with no-cache headers."""

from __future__ import annotations

from werkzeug.datastructures import Headers

from mockserver.apis.twelvetwenty import messages as msg
from mockserver.errors import ApiError, MethodNotAllowed, NotFound, RequestValidationError, Unauthorized
from mockserver.registry import Reply
from mockserver.spec import Operation

NO_CACHE = {"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1"}
JSON_UTF8 = "application/json; charset=utf-8"


def reply(body: object, status: int = 200) -> Reply:
    return Reply(body, status, NO_CACHE, JSON_UTF8)


def _validation_message(error: RequestValidationError) -> str:
    first = error.errors[0]
    if first.location == "query":
        return msg.KEY_REQUIRED
    if first.kind == "malformed_json":
        return msg.MALFORMED_JSON
    if any(e.kind == "maxItems" and not e.path for e in error.errors):
        return msg.MAX_BATCH
    return msg.NOT_AN_ARRAY


def render_error(error: ApiError, operation: Operation | None, headers: Headers) -> Reply:
    if isinstance(error, RequestValidationError):
        body = {
            "Message": _validation_message(error),
            "Errors": [f"{e.dotted or e.location}: {e.message}" for e in error.errors[:20]],
        }
        return reply(body, 400)
    if isinstance(error, Unauthorized):
        text = msg.INVALID_KEY if error.detail.get("reason") == "api_key" else msg.DENIED
        return reply({"Message": text}, 401)
    if isinstance(error, NotFound):
        return reply({"Message": msg.NO_RESOURCE.format(uri=error.detail.get("path", ""))}, 404)
    if isinstance(error, MethodNotAllowed):
        return reply({"Message": msg.BAD_METHOD.format(method=error.method)}, 405)
    return reply({"Message": error.message or "An error has occurred."}, error.status)
