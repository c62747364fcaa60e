"""Start-up fails clearly when spec operations and handlers disagree; the one list of APIs."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
import yaml

import mockserver
from contracts.apis import APIS, RESOURCES, VARIABLES
from mockserver import create_app
from mockserver.admin import ADMIN_SPEC
from mockserver.apis import API_DEFINITIONS
from mockserver.config import DEV_API_KEY
from mockserver.errors import ConfigurationError
from mockserver.registry import Reply, RequestContext
from mockserver.spec import Spec


def _handler(ctx: RequestContext[object]) -> Reply:
    return Reply([])


def test_every_builtin_api_has_exactly_one_handler_per_operation() -> None:
    for definition in API_DEFINITIONS.values():
        spec = definition.load_spec()
        assert {op.operation_id for op in spec.operations} == set(definition.handlers)


def test_missing_handler_fails_start_up_with_its_name() -> None:
    definition = API_DEFINITIONS["twelvetwenty"]
    handlers = {k: v for k, v in definition.handlers.items() if k != "upsertCalendarEvents"}
    broken = dataclasses.replace(definition, handlers=handlers)
    with pytest.raises(ConfigurationError, match="operations without a handler: upsertCalendarEvents"):
        create_app(definitions=[broken])


def test_handler_without_operation_fails_start_up_with_its_name() -> None:
    definition = API_DEFINITIONS["twelvetwenty"]
    broken = dataclasses.replace(definition, handlers={**definition.handlers, "deleteEverything": _handler})
    with pytest.raises(ConfigurationError, match="handlers without an operation: deleteEverything"):
        create_app(definitions=[broken])


def test_unknown_api_name_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="unknown APIs"):
        create_app(apis=["nope"])


def test_two_apps_have_independent_stores() -> None:
    first, second = create_app(apis=["twelvetwenty"]), create_app(apis=["twelvetwenty"])
    first.extensions["mockserver"].store.load({"twelvetwenty": {"users": [1]}})
    assert second.extensions["mockserver"].store.export()["twelvetwenty"]["users"] == []


# --- one list of APIs: mockserver/apis/__init__.py; everything else derives from it -----------


def test_the_admin_spec_lists_the_mounted_apis_where_it_is_served() -> None:
    """admin.yaml names no API; the served document (docs page, contract runs) has the enum."""
    raw = Spec.from_file(ADMIN_SPEC).document["components"]["parameters"]["Api"]["schema"]
    assert "enum" not in raw
    for apis in (None, ["twelvetwenty", "kona"]):
        client = create_app(apis=apis).test_client()
        for suffix in ("json", "yaml"):
            served = yaml.safe_load(client.get(f"/__mock/openapi.{suffix}").get_data(as_text=True))
            enum = served["components"]["parameters"]["Api"]["schema"]["enum"]
            assert enum == (apis or list(API_DEFINITIONS))


def test_default_api_keys_come_from_each_api_definition() -> None:
    assert {d.name: d.api_keys for d in API_DEFINITIONS.values() if d.api_keys} == {"twelvetwenty": (DEV_API_KEY,)}
    config = create_app(apis=["twelvetwenty"]).extensions["mockserver"].config
    assert config.api_keys == {"twelvetwenty": (DEV_API_KEY,)}
    assert create_app(apis=["kona"]).extensions["mockserver"].config.api_keys == {}
    url = "/twelvetwenty/api/client/generateAuthenticationToken?key="
    for keys, key, status in [
        (None, DEV_API_KEY, 200),
        ({"twelvetwenty": ["k-1"]}, "k-1", 200),
        ({"twelvetwenty": ["k-1"]}, DEV_API_KEY, 401),
        ({}, DEV_API_KEY, 401),  # a configured mapping replaces the defaults, as before
    ]:
        app = create_app({} if keys is None else {"api_keys": keys}, apis=["twelvetwenty"])
        assert app.test_client().get(url + key).status_code == status, (keys, key)


def test_the_harness_takes_its_apis_from_the_mock() -> None:
    assert APIS == tuple(API_DEFINITIONS)
    assert set(RESOURCES) == set(API_DEFINITIONS)
    assert {v.api for v in VARIABLES} <= set(API_DEFINITIONS)


def test_no_core_module_names_an_api() -> None:
    """Outside mockserver/apis/, no string in the core's code is an API's name (docstrings and
    comments may use them as examples)."""
    names = set(API_DEFINITIONS)
    package = Path(mockserver.__file__).parent
    found = []
    for path in package.rglob("*.py"):
        if "apis" in path.relative_to(package).parts:
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                words = set(re.findall(r"[a-z0-9]+", node.value))
                found += [f"{path.name}:{node.lineno} {node.value!r}" for _ in words & names]
    assert found == []
