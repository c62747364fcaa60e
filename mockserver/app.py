"""The application factory: mounts each API at /<name> and the admin API at /__mock."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from mockserver.admin import admin_blueprint
from mockserver.apis import API_DEFINITIONS
from mockserver.auth import TokenRegistry
from mockserver.clock import SystemClock
from mockserver.config import MockConfig, build_config
from mockserver.errors import ConfigurationError
from mockserver.journal import Journal
from mockserver.registry import ApiDefinition
from mockserver.runtime import ApiRuntime
from mockserver.store import InMemoryStore

ALL_METHODS = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY"]
access_log = logging.getLogger("mockserver.access")


@dataclass
class MockServer:
    """Everything the mock keeps, hung off ``app.extensions["mockserver"]``."""

    config: MockConfig
    store: InMemoryStore
    journal: Journal
    clock: SystemClock
    tokens: TokenRegistry
    runtimes: dict[str, ApiRuntime]

    def reset(self, api: str | None = None) -> None:
        self.store.reset(api)
        self.tokens.clear(api)


def _select(apis: Iterable[str] | None, known: Mapping[str, ApiDefinition]) -> list[ApiDefinition]:
    if apis is None:
        return list(known.values())
    unknown = sorted(set(apis) - set(known))
    if unknown:
        raise ConfigurationError(f"unknown APIs {unknown}; known: {sorted(known)}")
    return [known[name] for name in apis]


def create_app(
    config: MockConfig | Mapping[str, Any] | None = None,
    *,
    apis: Iterable[str] | None = None,
    clock: SystemClock | None = None,
    definitions: Iterable[ApiDefinition] | None = None,
) -> Flask:
    """Build a mock with its own store; ``apis`` limits which APIs are mounted.

    ``definitions`` replaces the built-in API table (tests plant broken variants with it).
    """
    settings = build_config(config)
    known = API_DEFINITIONS if definitions is None else {d.name: d for d in definitions}
    definitions = _select(apis, known)
    if settings.root_api and settings.root_api not in {d.name for d in definitions}:
        raise ConfigurationError(f"root_api {settings.root_api!r} is not mounted")
    app = Flask(__name__)
    mock = MockServer(
        settings,
        InMemoryStore({d.name: d.new_state for d in definitions}),
        Journal(settings.journal_size),
        clock or SystemClock(),
        TokenRegistry(),
        {},
    )
    mock.runtimes = {d.name: ApiRuntime(d, mock) for d in definitions}
    app.extensions["mockserver"] = mock
    _mount(app, mock)
    app.register_blueprint(admin_blueprint)
    _install_hooks(app, mock)
    CORS(app, origins=list(settings.cors_origins), expose_headers=["Location", "Allow"], max_age=600)
    return app


class AnyPathConverter(PathConverter):
    """Like ``path``, but a decoded newline stays inside the API (its own 404, not Flask's)."""

    regex = "[^/](?s:.)*?"


def _mount(app: Flask, mock: MockServer) -> None:
    app.url_map.converters["anypath"] = AnyPathConverter
    for name, runtime in mock.runtimes.items():
        _add_routes(app, runtime, f"/{name}", name)
        if mock.config.root_api == name:
            _add_routes(app, runtime, "", f"{name}_root")


def _add_routes(app: Flask, runtime: ApiRuntime, mount: str, endpoint: str) -> None:
    def dispatch(path: str = "") -> Response:
        return runtime.dispatch(request, "/" + path, mount)

    def spec() -> Response:
        return jsonify(runtime.spec.served(mount))

    app.add_url_rule(f"{mount}/openapi.json", f"{endpoint}_spec", spec)
    for rule in (mount or "/", f"{mount}/<anypath:path>"):
        app.add_url_rule(rule, endpoint, dispatch, methods=ALL_METHODS, provide_automatic_options=False)


def _install_hooks(app: Flask, mock: MockServer) -> None:
    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        api = g.get("api")
        if not request.path.startswith("/__mock"):
            mock.journal.record(
                time=datetime.now(UTC).isoformat(timespec="milliseconds"),
                api=api,
                operation_id=g.get("operation_id"),
                method=request.method,
                path=request.path,
                query=request.query_string.decode("latin-1"),
                status=response.status_code,
                duration_ms=round(elapsed, 3),
            )
        if mock.config.log_requests:
            access_log.info(
                '%s "%s %s" %s %.1fms %s',
                request.remote_addr,
                request.method,
                request.full_path.rstrip("?"),
                response.status_code,
                elapsed,
                api or "-",
            )
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        body = {"error": error.name, "message": error.description, "apis": [f"/{n}" for n in mock.runtimes]}
        response = jsonify(body)
        response.status_code = error.code or 500
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response
