"""The mock's own control API under /__mock (described by admin.yaml beside this file)."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from flask import Blueprint, Response, current_app, jsonify, request

from mockserver.errors import StoreUnavailable, shorten
from mockserver.guard import redact
from mockserver.journal import JournalQueryError, parse_filters
from mockserver.jsonbody import lone_surrogate
from mockserver.memory import give_back
from mockserver.spec import Spec
from mockserver.store import StateLoadError

if TYPE_CHECKING:
    from mockserver.mock import MockServer

ADMIN_SPEC = Path(str(resources.files("mockserver") / "admin.yaml"))
ADMIN_PREFIX = "/__mock"
admin_blueprint = Blueprint("mock_admin", __name__, url_prefix=ADMIN_PREFIX)


def _mock() -> MockServer:
    mock: MockServer = current_app.extensions["mockserver"]
    return mock


def _problem(status: int, message: str) -> Response:
    response = jsonify({"error": "admin request failed", "message": message})
    response.status_code = status
    return response


def _known(api: str) -> bool:
    return api in _mock().runtimes


@admin_blueprint.app_errorhandler(StoreUnavailable)
def store_unavailable(error: StoreUnavailable) -> Response:
    """The shared store (Redis) could not be reached: 503 at once, nothing changed."""
    response = _problem(503, f"the shared store is unavailable: {error.message}")
    response.headers.update(error.headers())
    return response


@admin_blueprint.get("/health")
def health() -> tuple[Response, int]:
    mock = _mock()
    store = mock.store.health()
    body = {
        "status": "ok" if store["reachable"] else "unavailable",
        "apis": sorted(mock.runtimes),
        "strict": mock.config.strict,
        "store": store,
    }
    return jsonify(body), 200 if store["reachable"] else 503


def admin_spec() -> Spec:
    """admin.yaml as this mock serves it, made once per app on first use (not at every start-up)."""
    spec: Spec | None = current_app.extensions.get("mockserver_admin_spec")
    if spec is None:
        spec = current_app.extensions["mockserver_admin_spec"] = load_admin_spec(_mock().runtimes)
    return spec


def load_admin_spec(apis: Iterable[str]) -> Spec:
    """admin.yaml with the ``api`` path parameter's enum: ``apis``, the mounted APIs (the file
    names none, so that ``mockserver/apis/__init__.py`` stays the one list of APIs)."""
    document = Spec.from_file(ADMIN_SPEC).document
    document["components"]["parameters"]["Api"]["schema"]["enum"] = list(apis)
    return Spec(document, str(ADMIN_SPEC))


@admin_blueprint.get("/openapi.json")
def served_admin_spec() -> Response:
    return json_document(admin_spec().served(ADMIN_PREFIX))


@admin_blueprint.get("/openapi.yaml")
def served_admin_spec_yaml() -> Response:
    return yaml_document(admin_spec().served(ADMIN_PREFIX))


def json_document(document: Any) -> Response:
    """A served spec as JSON in the document's own order (jsonify sorts keys, which would list an
    API's paths, and each path's methods, alphabetically in Swagger UI)."""
    return Response(json.dumps(document, ensure_ascii=False), mimetype="application/json")


def yaml_document(document: Any) -> Response:
    """A served spec as YAML, in the document's own key order."""
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return Response(text, mimetype="application/yaml")


@admin_blueprint.post("/reset")
@admin_blueprint.post("/reset/<api>")
def reset(api: str | None = None) -> Response:
    if api is not None and not _known(api):
        return _problem(404, f"unknown API {api!r}")
    _mock().reset(api)
    return jsonify({"reset": [api] if api else sorted(_mock().runtimes)})


@admin_blueprint.get("/state")
@admin_blueprint.get("/state/<api>")
def export_state(api: str | None = None) -> Response:
    if api is not None and not _known(api):
        return _problem(404, f"unknown API {api!r}")
    exported = _mock().store.export(api)
    if request.args.get("secrets") != "include":
        runtimes = _mock().runtimes
        secrets = {name: runtimes[name].definition.secret_keys for name in exported}
        # an API without secrets is exported as it is: the contract suites export the state around
        # every write, and copying it for nothing was 4.5% of a `contracts run` (py-spy)
        exported = {name: redact(part, secrets[name]) if secrets[name] else part for name, part in exported.items()}
    return jsonify(exported)


class _NoAliases(yaml.SafeLoader):
    """YAML without anchors' aliases: a 415-byte alias bomb expands to millions of nodes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted in state documents", event.start_mark
            )
        return super().compose_node(parent, index)


def _yaml(raw: str) -> Any:
    return yaml.load(raw, Loader=_NoAliases)


def _document() -> Any:
    raw = request.get_data(as_text=True)
    if "yaml" in (request.content_type or ""):
        return _yaml(raw)
    try:
        return json.loads(raw)
    except ValueError:
        return _yaml(raw)


@admin_blueprint.put("/state")
@admin_blueprint.post("/state")
def load_state() -> Response:
    try:
        return _load_state()
    except RecursionError:  # JSON/YAML parsed, but too deep to walk (json.loads stops near 1,000 levels)
        return _problem(400, "body is nested too deeply to be a state document")


def _load_state() -> Response:
    try:
        document = _document()
    except yaml.YAMLError as exc:
        return _problem(400, f"body is neither JSON nor YAML: {shorten(str(exc), 300)}")
    except RecursionError:
        return _problem(400, "body is nested too deeply to be a state document")
    if not isinstance(document, dict):
        return _problem(400, "body must be a mapping of API name to state")
    # a lone surrogate can only come from an escape (the text was decoded with errors="replace"):
    # a body without a backslash, as most bulk loads are, needs no walk of every string
    surrogate = lone_surrogate(document) if b"\\" in request.get_data() else None
    if surrogate is not None:
        return _problem(400, f"body holds {surrogate}, half of a UTF-16 surrogate pair, not a character")
    try:
        loaded = _mock().store.load(document, replace=request.method == "PUT")
    except StateLoadError as exc:
        return _problem(400, str(exc))
    del document
    # A large load leaves the cyclic GC a backlog of freshly promoted objects; collecting here puts
    # that pause (~0.1 s at 100k events) on this admin call instead of the next API requests.
    gc.collect()
    give_back()  # the parsed document's freed pages (glibc keeps up to ~30 MB of them otherwise)
    return jsonify({"loaded": loaded})


@admin_blueprint.get("/journal")
def journal() -> Response:
    try:
        filters, limit = parse_filters(request.args.items(multi=True))
    except JournalQueryError as exc:
        return _problem(400, str(exc))
    return jsonify({"entries": _mock().journal.entries(filters, limit)})


@admin_blueprint.delete("/journal")
def clear_journal() -> Response:
    return jsonify({"cleared": _mock().journal.clear()})


@admin_blueprint.get("/clock")
def get_clock() -> Response:
    _mock().store.sync()  # another worker's change first (a no-op in memory)
    clock = _mock().clock
    return jsonify({"now": clock.now().isoformat(), "frozen": clock.frozen})


@admin_blueprint.put("/clock")
def set_clock() -> Response:
    body = request.get_json(silent=True)
    clock = _mock().clock
    if not isinstance(body, dict) or not ({"now", "advance_seconds"} & set(body)):
        return _problem(400, 'send {"now": "<ISO 8601 with offset>"} or {"advance_seconds": N}')
    try:
        if "now" in body:
            at = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
            if at.tzinfo is None:
                return _problem(400, "'now' needs a UTC offset")
            clock.freeze(at)
        if "advance_seconds" in body:
            clock.advance(timedelta(seconds=float(body["advance_seconds"])))
    except (TypeError, ValueError, OverflowError) as exc:
        return _problem(400, f"bad clock value: {exc}")
    return get_clock()


@admin_blueprint.delete("/clock")
def reset_clock() -> Response:
    _mock().clock.reset()
    return get_clock()
