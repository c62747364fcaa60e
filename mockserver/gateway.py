"""The WSGI entry point: API requests go straight to their runtime, everything else to Flask.

A request to ``/<api>/…`` (or, with ``root_api``, to any path no other part of the app owns) is
answered here with a plain Werkzeug request and a hand-built WSGI response: Flask's request
context, URL map, hooks and response object cost as much as the whole API pipeline (routing,
auth, validation, handler), and a mock slower than the tool it replaces is not adopted (issue 7,
``bench/README.md``). The admin API, the served specs and unknown paths stay Flask views. Both
paths share the journal, the access log and the CORS rules, so a client cannot tell them apart.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask, got_request_exception
from flask_cors.core import get_cors_headers
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.utils import cached_property
from werkzeug.wrappers import Request

from mockserver.admin import ADMIN_PREFIX
from mockserver.faults import CONTROL_KEY
from mockserver.intake import BODY_KEY, REFUSAL_KEY, refusal_of
from mockserver.proxy import VIOLATIONS_HEADER
from mockserver.registry import Reply
from mockserver.runtime import ApiRuntime, encode

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from mockserver.mock import MockServer

error_log = logging.getLogger("mockserver")

EXPOSED_HEADERS = ["Location", "Allow", VIOLATIONS_HEADER]
SERVED_SPECS = ("/openapi.json", "/openapi.yaml")  # under each mount: Flask views, not API paths
_STATUS_LINES = {code: f"{code} {phrase.upper()}" for code, phrase in HTTP_STATUS_CODES.items()}


def cors_options(origins: Iterable[str]) -> dict[str, Any]:
    """The flask-cors settings of the whole app (``CORS(app, **cors_options(...))``)."""
    return {"origins": list(origins), "expose_headers": EXPOSED_HEADERS, "max_age": 600}


def http_error_body(error: HTTPException, apis: Iterable[str]) -> dict[str, Any]:
    """What a request outside every API gets (an unknown path, a crash): the mounted APIs."""
    return {"error": error.name, "message": error.description, "apis": [f"/{name}" for name in apis]}


def _wsgi_text(value: str) -> str:
    """A WSGI (latin-1) string as the UTF-8 text it carries, as Werkzeug decodes paths."""
    return value.encode("latin1").decode(errors="replace") if not value.isascii() else value


class ApiRequest(Request):
    """Werkzeug's request for the API path, built with less work: the attributes Werkzeug's
    constructor sets are read straight from the environ (the server address when asked), and
    the body the intake front read (``BODY_KEY``) is the request's data, no stream wrapped
    around it. Without the front, the body is read as Werkzeug reads it."""

    def __init__(self, environ: WSGIEnvironment) -> None:  # no super(): the same attributes, cheaper
        self.environ = environ
        self.shallow = False
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.scheme = environ.get("wsgi.url_scheme", "http")
        self.root_path = _wsgi_text(environ.get("SCRIPT_NAME") or "").rstrip("/")
        self.path = "/" + _wsgi_text(environ.get("PATH_INFO") or "").lstrip("/")
        self.query_string = environ.get("QUERY_STRING", "").encode("latin1")
        self.headers = EnvironHeaders(environ)
        self.remote_addr = environ.get("REMOTE_ADDR")
        body = environ.get(BODY_KEY)
        if body is not None:
            self._cached_data = body  # what Request.get_data returns once it has read the stream

    @cached_property
    def server(self) -> tuple[str, int | None] | None:
        return Request(self.environ, populate_request=False).server


def request_body(request: Request) -> bytes:
    """``request.get_data()``, without the call once the body is in hand (an ``ApiRequest``
    given the front's body, a request that read it already: where ``get_data`` keeps it)."""
    data: bytes | None = getattr(request, "_cached_data", None)
    return data if data is not None else request.get_data()


class Recorder:
    """Writes one answered request to the journal (API requests only) and the access log."""

    def __init__(self, mock: MockServer) -> None:
        self.mock = mock

    def __call__(
        self,
        request: Request,
        status: int,
        started: float,
        api: str | None,
        operation_id: str | None,
        body: bytes = b"",
        content_type: str | None = None,
        violations: tuple[dict[str, str], ...] = (),
    ) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        path = request.path
        query = request.environ.get("QUERY_STRING", "")
        config = self.mock.config
        journaled = not path.startswith(ADMIN_PREFIX) and (api is not None or path != "/")  # not the pages
        as_json = config.log_requests and config.access_log_format == "json"
        if journaled or as_json:
            journal = self.mock.journal
            environ = request.environ
            control = environ.get(CONTROL_KEY)
            entry = journal.entry(
                time.time(),
                api,
                operation_id,
                request.method,
                path,
                query,
                status,
                round(elapsed, 3),
                environ,
                request_body(request),
                body,
                content_type,
                control.effects or None if control is not None else None,
                violations,
            )
            if journaled:
                journal.add(entry)
        if not config.log_requests:
            return
        if as_json:  # one object per line: the journal entry without bodies, and the client
            line = {**entry.summary(), "remote_addr": request.remote_addr}
            self.mock.access_log(orjson.dumps(line).decode())
        else:
            target = f"{path}?{query}" if query else path
            self.mock.access_log(
                f'{request.remote_addr} "{request.method} {target}" {status} {elapsed:.1f}ms {api or "-"}'
            )


def reply_type(headers: list[tuple[str, str]]) -> str | None:
    for key, value in reversed(headers):  # encode() appends Content-Type last
        if key == "Content-Type":
            return value
    return None


class Gateway:
    """Routes ``/<api>/…`` to the API runtimes; hands every other request to ``fallback``."""

    def __init__(self, app: Flask, mock: MockServer, *, cors: Any) -> None:
        self.app = app
        self.fallback: WSGIApplication = app.wsgi_app
        self.mock = mock
        self.record = Recorder(mock)
        self.cors = cors  # flask-cors' resolved options, as CORS(app, ...) applies them to Flask's views
        self.mounts = {f"/{name}": runtime for name, runtime in mock.runtimes.items()}
        self.root = mock.runtimes.get(mock.config.root_api or "")

    def propagates(self) -> bool:
        configured = self.app.config["PROPAGATE_EXCEPTIONS"]
        return bool(self.app.testing or self.app.debug) if configured is None else bool(configured)

    def route(self, path: str) -> tuple[ApiRuntime, str, str] | None:
        """(runtime, path inside the API, mount) for a request path, or None for Flask's views."""
        end = path.find("/", 1)
        first, rest = (path, "/") if end < 0 else (path[:end], path[end:])
        runtime = self.mounts.get(first)
        if runtime is not None:
            return None if rest in SERVED_SPECS else (runtime, rest, first)
        if self.root is None or first == ADMIN_PREFIX or path in SERVED_SPECS:
            return None
        return self.root, path, ""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        # not kept in the environ: that reference cycle left each body for the cyclic GC to free
        request = ApiRequest(environ)
        found = self.route(request.path)
        refusal = refusal_of(environ, self.mock.config.max_body)
        if refusal is not None:  # what was refused is never read, not even by the journal
            environ["wsgi.input"] = io.BytesIO()
            environ.pop("CONTENT_LENGTH", None)
        if found is None:
            if refusal is not None:
                environ[REFUSAL_KEY] = refusal  # Flask's before_request answers it in the admin shape
            answer = self.fallback(environ, start_response)
            environ.pop("werkzeug.request", None)  # Flask's request and the environ: the same cycle
            return answer
        runtime, path, mount = found
        operation_id = content_type = None
        violations: tuple[dict[str, str], ...] = ()
        try:
            if (proxy := self.mock.proxies.get(runtime.name)) is not None and refusal is None:
                forwarded = proxy.forward(request, path, mount)
                status, headers, body = forwarded.status, forwarded.headers, forwarded.body
                operation_id = forwarded.operation_id
                violations = tuple(v.export() for v in forwarded.violations)
            else:
                reply, operation_id = runtime.dispatch(request, path, mount, refusal.error() if refusal else None)
                status, headers, body = encode(reply)
                if reply.body is not None:  # encode() appended it last
                    content_type = reply.content_type
        except Exception as exc:
            # as Flask does for its views: tell got_request_exception's listeners (schemathesis'
            # in-process transport reports the crash through it), re-raise when testing or
            # debugging, else log it and answer 500
            got_request_exception.send(self.app, _async_wrapper=self.app.ensure_sync, exception=exc)
            if self.propagates():
                raise
            error_log.exception("Exception on %s [%s]", request.path, request.method)
            error = InternalServerError()
            status, headers, body = encode(Reply(http_error_body(error, self.mock.runtimes), 500))
        if "HTTP_ORIGIN" in environ:
            headers += [
                (k, str(v)) for k, v in get_cors_headers(self.cors, request.headers, request.method).items()
            ]
        if status >= 200 and status != 204 and status != 304:  # RFC 9110: 204/304 carry none
            for key, _ in headers:
                if key == "Content-Length":  # a HEAD has the GET's
                    break
            else:
                headers.append(("Content-Length", str(len(body))))
        if content_type is None:
            content_type = reply_type(headers)
        self.record(request, status, started, runtime.name, operation_id, body, content_type, violations)
        start_response(_STATUS_LINES.get(status) or f"{status} UNKNOWN", headers)
        return [] if request.method == "HEAD" else [body]
