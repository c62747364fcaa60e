"""Start-up fails clearly when spec operations and handlers disagree."""

from __future__ import annotations

import dataclasses

import pytest

from mockserver import create_app
from mockserver.apis import API_DEFINITIONS
from mockserver.errors import ConfigurationError
from mockserver.registry import Reply, RequestContext


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
