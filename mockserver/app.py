"""The application factory: mounts each API at /<name> and the admin API at /__mock."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response, abort, g, jsonify, request
from flask_cors import CORS
from flask_cors.core import get_cors_options
from werkzeug.exceptions import HTTPException

from mockserver.admin import ADMIN_PREFIX, admin_blueprint, json_document, yaml_document
from mockserver.admin_chaos import chaos_blueprint
from mockserver.apis import API_DEFINITIONS
from mockserver.auth import TokenRegistry
from mockserver.chaos import Rules
from mockserver.clock import SystemClock
from mockserver.config import MockConfig, build_config
from mockserver.docs import docs_blueprint
from mockserver.errors import ConfigurationError
from mockserver.gateway import SERVED_SPECS, Gateway, Recorder, cors_options, http_error_body
from mockserver.guard import AdminGuard
from mockserver.intake import REFUSAL_KEY
from mockserver.journal import Journal
from mockserver.mock import MockServer
from mockserver.pages import is_page, pages_blueprint
from mockserver.proxy import build_proxies
from mockserver.registry import ApiDefinition
from mockserver.rendering import default_message
from mockserver.runtime import ApiRuntime
from mockserver.shared import RedisStore, build_store, shared_clock
from mockserver.shared_chaos import SharedRules
from mockserver.shared_journal import SharedJournal


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
    settings = settings.with_api_defaults({d.name: d.api_keys for d in definitions if d.api_keys})
    if settings.root_api and settings.root_api not in {d.name for d in definitions}:
        raise ConfigurationError(f"root_api {settings.root_api!r} is not mounted")
    app = Flask(__name__)
    store = build_store(settings, {d.name: d.new_state for d in definitions})
    journal_bounds = (settings.journal_size, settings.journal_bytes, settings.journal_body_limit)
    journal, chaos = Journal(*journal_bounds), Rules()
    if isinstance(store, RedisStore):  # what every worker must see alike
        journal, chaos = SharedJournal(store.log, *journal_bounds), SharedRules(store)
    mock = MockServer(
        settings,
        store,
        journal,
        shared_clock(store, clock or SystemClock()),
        TokenRegistry(settings.tokens_per_api),
        chaos=chaos,
    )
    store.on_reset = mock.forget
    services = mock.services
    mock.runtimes = {d.name: ApiRuntime(d, services) for d in definitions}
    if isinstance(store, RedisStore):
        store.tokens = mock.tokens
        store.replayers = {name: runtime.replay for name, runtime in mock.runtimes.items()}
    if unknown := sorted(set(settings.proxy) - set(mock.runtimes)):
        raise ConfigurationError(
            f"proxy for {', '.join(unknown)}: not a mounted API ({sorted(mock.runtimes)})"
        )
    mock.proxies = build_proxies(mock.runtimes, settings.proxy, settings)
    app.extensions["mockserver"] = mock
    _mount(app, mock)
    app.register_blueprint(admin_blueprint)
    app.register_blueprint(chaos_blueprint)
    app.register_blueprint(pages_blueprint)
    app.register_blueprint(docs_blueprint)
    _install_hooks(app, mock)
    cors = cors_options(settings.cors_origins)
    CORS(app, **cors)
    resolved_cors = get_cors_options(app, cors)
    _install_guard(app, AdminGuard(resolved_cors, settings.allowed_hosts, settings.admin_token))
    app.wsgi_app = Gateway(app, mock, cors=resolved_cors)  # type: ignore[method-assign]
    return app


def _mount(app: Flask, mock: MockServer) -> None:
    """Flask serves each API's spec; the API requests themselves go through the Gateway."""
    for name, runtime in mock.runtimes.items():
        _add_spec_route(app, runtime, f"/{name}", name)
        if mock.config.root_api == name:
            _add_spec_route(app, runtime, "", f"{name}_root")


def _add_spec_route(app: Flask, runtime: ApiRuntime, mount: str, endpoint: str) -> None:
    def spec() -> Response:
        return json_document(runtime.spec.served(mount))

    def spec_yaml() -> Response:
        return yaml_document(runtime.spec.served(mount))

    app.add_url_rule(f"{mount}/openapi.json", f"{endpoint}_spec", spec)
    app.add_url_rule(f"{mount}/openapi.yaml", f"{endpoint}_spec_yaml", spec_yaml)


def _install_guard(app: Flask, guard: AdminGuard) -> None:
    """The admin API and the served specs answer only what ``AdminGuard`` lets through."""

    @app.before_request
    def check() -> Response | None:
        path = request.path
        page = is_page(path)  # pages for people: the Host check only; their data comes from the admin API
        admin = not page and (path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"))
        if not admin and not page and not path.endswith(SERVED_SPECS):
            return None
        has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")
        refused = guard.refusal(request.method, path, request.headers, has_body, admin)
        if refused is None:
            return None
        response = jsonify({"error": "admin request refused", "message": refused[1]})
        response.status_code = refused[0]
        if refused[0] == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="mockserver admin"'
        return response


def _install_hooks(app: Flask, mock: MockServer) -> None:
    record = Recorder(mock)

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()
        refusal = request.environ.get(REFUSAL_KEY)
        if refusal is not None:  # the intake refused the body (too large, too slow): nothing read
            error = refusal.error()
            abort(error.status, description=default_message(error))

    @app.after_request
    def log(response: Response) -> Response:
        started = g.get("started", time.perf_counter())
        body = b"" if response.is_streamed else response.get_data()
        record(request, response.status_code, started, None, None, body, response.content_type)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = jsonify(http_error_body(error, mock.runtimes))
        response.status_code = error.code or 500
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response
