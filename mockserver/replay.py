"""A write request as the Redis store logs it, and back: what a handler needs to run it again on
another worker (``runtime.ApiRuntime.replay``). The raw path parameters, query string and headers
are kept, not the validated values, so a replay validates exactly as the first run did."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.wrappers import Request

from mockserver.auth import Principal
from mockserver.query import parse_query
from mockserver.spec import Operation


def logged(
    operation: Operation,
    request: Request,
    path_args: Mapping[str, str],
    principal: Principal | None,
    now: datetime,
    base_url: str,
) -> dict[str, Any]:
    return {
        "operation": operation.operation_id,
        "path": dict(path_args),
        "query": request.query_string.decode("latin-1"),
        "headers": [[key, value] for key, value in request.headers.items()],
        "principal": None if principal is None else _principal(principal),
        "now": now.isoformat(),
        "base_url": base_url,
    }


def _principal(principal: Principal) -> dict[str, Any]:
    return {
        "token": principal.token,
        "api": principal.api,
        "scopes": None if principal.scopes is None else sorted(principal.scopes),
        "subject": principal.subject,
        "expires_at": principal.expires_at.isoformat() if principal.expires_at else None,
    }


def inputs(
    meta: Mapping[str, Any],
) -> tuple[dict[str, str], ImmutableMultiDict[str, str], Headers, Principal | None, datetime, str]:
    """(path args, parsed query, headers, principal, now, base URL) of a logged request."""
    given = meta["principal"]
    principal = None
    if given is not None:
        principal = Principal(
            given["token"],
            given["api"],
            None if given["scopes"] is None else frozenset(given["scopes"]),
            given["subject"],
            datetime.fromisoformat(given["expires_at"]) if given["expires_at"] else None,
        )
    query = parse_query(meta["query"].encode("latin-1"))
    headers = Headers([(key, value) for key, value in meta["headers"]])
    return dict(meta["path"]), query, headers, principal, datetime.fromisoformat(meta["now"]), meta["base_url"]
