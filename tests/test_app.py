"""Behaviour every mounted API shares: auth, 404/405 in the vendor's shape, CORS, the root mount."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from mockserver import create_app
from mockserver.apis import API_DEFINITIONS
from mockserver.errors import RouteNotFound
from mockserver.spec import Operation, resolve
from tests.conftest import AUTH

# Kona answers errors as raw text unless JSON is asked for (its exceptions page); the rest ignore it
JSON_AUTH = {**AUTH, "Accept": "application/json"}


def _concrete_path(api: str, operation: Operation) -> str:
    spec = API_DEFINITIONS[api].load_spec()
    path = operation.path
    for parameter in operation.parameters:
        if parameter["in"] == "path":
            schema: dict[str, Any] = resolve(spec.document, parameter.get("schema", {}))
            value = (schema.get("enum") or schema.get("examples") or [parameter.get("example", "1")])[0]
            path = path.replace("{" + parameter["name"] + "}", str(value))
    return path


def _protected(api: str) -> tuple[str, str]:
    spec = API_DEFINITIONS[api].load_spec()
    operation = next(op for op in spec.operations if op.security and all(op.security))
    return operation.method, f"/{api}{_concrete_path(api, operation)}"


def test_missing_token_is_401_in_the_vendor_envelope(client: FlaskClient, api: str) -> None:
    method, path = _protected(api)
    response = client.open(path, method=method, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.is_json


def test_unknown_token_is_401(client: FlaskClient, api: str) -> None:
    method, path = _protected(api)
    response = client.open(path, method=method, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_unknown_path_is_the_vendors_404(client: FlaskClient, api: str) -> None:
    response = client.get(f"/{api}/no/such/path", headers=JSON_AUTH)
    assert response.status_code == 404
    expected = API_DEFINITIONS[api].render_error(RouteNotFound("/no/such/path"), None, Headers(JSON_AUTH))
    assert response.get_json() == expected.body


def test_undocumented_method_is_405_with_the_documented_methods(client: FlaskClient, api: str) -> None:
    spec = API_DEFINITIONS[api].load_spec()
    operation = spec.operations[0]
    documented = {op.method for op in spec.operations if op.path == operation.path}
    method = next(m for m in ("TRACE", "PATCH", "DELETE", "POST") if m not in documented)
    response = client.open(f"/{api}{_concrete_path(api, operation)}", method=method, headers=AUTH)
    assert response.status_code == 405
    answered = documented | ({"HEAD"} if "GET" in documented else set())  # HEAD answers on every GET
    assert response.headers["Allow"] == ", ".join(sorted(answered))


def test_cors_preflight_from_a_local_front_end(client: FlaskClient, api: str) -> None:
    method, path = _protected(api)
    headers = {
        "Origin": "http://localhost:5173",
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    response = client.options(path, headers=headers)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert method in response.headers["Access-Control-Allow-Methods"]


def test_cors_refuses_an_origin_that_is_not_configured() -> None:
    app = create_app({"cors_origins": ["https://app.example"], "log_requests": False}, apis=["twelvetwenty"])
    client = app.test_client()
    headers = {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT"}
    refused = client.options("/twelvetwenty/api/v2/calendar-events/batch", headers=headers)
    assert "Access-Control-Allow-Origin" not in refused.headers
    headers["Origin"] = "https://app.example"
    allowed = client.options("/twelvetwenty/api/v2/calendar-events/batch", headers=headers)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"


def test_root_mount_serves_one_api_at_both_paths() -> None:
    app = create_app({"root_api": "twelvetwenty", "log_requests": False}, apis=["twelvetwenty"])
    client = app.test_client()
    for prefix in ("", "/twelvetwenty"):
        response = client.put(f"{prefix}/api/v2/calendar-events/batch", json=[], headers=AUTH)
        assert response.status_code == 200, prefix
    assert client.get("/openapi.json").get_json()["servers"][0]["url"] == "/"


def test_path_outside_every_api_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "/twelvetwenty" in response.get_json()["apis"]


def test_configured_token_limited_to_one_api() -> None:
    config = {"tokens": [{"token": "only-perscom", "apis": ["perscom"]}], "log_requests": False}
    client = create_app(config, apis=["twelvetwenty"]).test_client()
    headers = {"Authorization": "Bearer only-perscom"}
    assert (
        client.put("/twelvetwenty/api/v2/calendar-events/batch", json=[], headers=headers).status_code == 401
    )


def test_tokens_from_the_environment(monkeypatch: Any) -> None:
    from mockserver.config import from_environment

    monkeypatch.setenv("MOCKSERVER_TOKENS", "ci-token, other")
    config = from_environment()
    client = create_app(config, apis=["twelvetwenty"]).test_client()
    headers = {"Authorization": "Bearer ci-token"}
    assert (
        client.put("/twelvetwenty/api/v2/calendar-events/batch", json=[], headers=headers).status_code == 200
    )


def test_a_newline_in_the_path_still_gets_the_vendors_404(client: FlaskClient, api: str) -> None:
    response = client.get(f"/{api}/no%0Asuch", headers=JSON_AUTH)
    assert response.status_code == 404
    expected = API_DEFINITIONS[api].render_error(RouteNotFound("/no\nsuch"), None, Headers(JSON_AUTH))
    assert response.get_json() == expected.body


def _with_lone_surrogate(value: Any) -> tuple[Any, bool]:
    """``value`` with its first string (or key) ending in a lone surrogate, and whether one was."""
    if isinstance(value, str):
        return value + "\ud800", True
    if isinstance(value, list):
        for index, item in enumerate(value):
            changed, done = _with_lone_surrogate(item)
            if done:
                return [*value[:index], changed, *value[index + 1 :]], True
    if isinstance(value, dict):
        for key, item in value.items():
            changed, done = _with_lone_surrogate(item)
            if done:
                return {**value, key: changed}, True
        if value:
            first = next(iter(value))
            return {f"{first}\udfff": value[first], **value}, True
    return value, False


def test_a_lone_surrogate_in_a_body_is_refused_and_changes_nothing(client: FlaskClient, api: str) -> None:
    """``\\ud800`` parses as JSON but is no character: stored, it would break every answer that
    shows it. Each documented example body, so marked, gets a 4xx and leaves the state as it was;
    unmarked, the same body goes through (so the mark is what was refused)."""
    spec = API_DEFINITIONS[api].load_spec()
    tried = 0
    for operation in spec.operations:
        content = (operation.request_body or {}).get("content", {}).get("application/json", {})
        if operation.method != "POST" and operation.path != "/api/v2/calendar-events/batch":
            continue  # the writes that need no stored record
        for entry in content.get("examples", {}).values():
            example = resolve(spec.document, entry)
            marked, done = _with_lone_surrogate(example["value"])
            assert done
            path = f"/{api}{_concrete_path(api, operation)}"
            before = client.get(f"/__mock/state/{api}").get_json()
            response = client.open(path, method=operation.method, data=json.dumps(marked), headers=JSON_AUTH)
            assert 400 <= response.status_code < 500, response.get_data(as_text=True)
            assert response.is_json
            assert client.get(f"/__mock/state/{api}").get_json() == before
            unmarked = client.open(path, method=operation.method, json=example["value"], headers=AUTH)
            assert unmarked.status_code < 300, unmarked.get_data(as_text=True)
            tried += 1
    assert tried
