"""The spec agrees with itself, with the core's expectations and with the helpers' whitelists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from mockserver.apis.perscom import params, search
from mockserver.apis.perscom.rules import PerscomRuleError

SPEC_PATH = Path(__file__).resolve().parents[3] / "specs" / "perscom.yaml"
DOCUMENT: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
SCHEMAS = DOCUMENT["components"]["schemas"]
METHODS = ("get", "put", "post", "patch", "delete")
OPERATIONS = [
    (path, method, item[method])
    for path, item in DOCUMENT["paths"].items()
    for method in METHODS
    if method in item
]


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def validator(schema: dict[str, Any]) -> Any:
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "components": DOCUMENT["components"],
    }
    return jsonschema_rs.validator_for(root, validate_formats=True)


def test_document_is_valid_openapi() -> None:
    validate(DOCUMENT)


def test_operation_ids() -> None:
    found = {op["operationId"] for _, _, op in OPERATIONS}
    assert found == {
        "listEvents",
        "createEvent",
        "getEvent",
        "updateEvent",
        "putEvent",
        "deleteEvent",
        "batchCreateEvents",
        "batchUpdateEvents",
        "batchDeleteEvents",
        "searchEvents",
    }
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", op_id) for op_id in found)


@pytest.mark.parametrize(
    ("path", "method", "operation"), OPERATIONS, ids=[o["operationId"] for *_, o in OPERATIONS]
)
def test_every_operation_documents_the_error_statuses(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    assert {"400", "401", "402", "403", "404", "422", "429", "503"} <= set(operation["responses"])
    assert not {"405", "500"} & set(operation["responses"])
    include = [p for p in operation.get("parameters", []) if p.get("$ref", "").endswith("/Include")]
    assert include, "every operation takes ?include="


def test_create_links_to_get_update_put_delete() -> None:
    links = DOCUMENT["paths"]["/{version}/events"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "getEvent",
        "updateEvent",
        "putEvent",
        "deleteEvent",
    }
    assert all(link["parameters"]["event"] == "$response.body#/data/id" for link in links.values())


def _media_examples() -> list[tuple[str, dict[str, Any], Any]]:
    found = []
    for _, _, operation in OPERATIONS:
        bodies = [("request", resolve(operation.get("requestBody", {})))]
        bodies += [(code, resolve(response)) for code, response in operation["responses"].items()]
        for label, body in bodies:
            media = body.get("content", {}).get("application/json")
            if not media:
                continue
            values = [resolve(example)["value"] for example in media.get("examples", {}).values()]
            values += [media["example"]] if "example" in media else []
            found += [
                (f"{operation['operationId']}-{label}-{i}", media["schema"], v) for i, v in enumerate(values)
            ]
    return found


EXAMPLES = _media_examples()


@pytest.mark.parametrize(("label", "schema", "example"), EXAMPLES, ids=[label for label, *_ in EXAMPLES])
def test_examples_match_their_schemas(label: str, schema: dict[str, Any], example: Any) -> None:
    errors = [error.message for error in validator(schema).iter_errors(example)]
    assert errors == []


def test_search_whitelists_match_the_helpers() -> None:
    exact, wildcard = SCHEMAS["SearchField"]["anyOf"]
    assert tuple(exact["enum"]) == search.FIELDS
    assert re.fullmatch(wildcard["pattern"], "calendar.name") and not re.fullmatch(
        wildcard["pattern"], "tags.name"
    )


@pytest.mark.parametrize(
    "name",
    [
        "author",
        "author.*",
        "author.rank",
        "calendar.events",
        "comments",
        "tags",
        "image",
        "schedule",
        "attachments",
        "users",
        "tags.*",
        "image.file",
        "author.a.b",
        "Author",
    ],
    ids=lambda name: name,
)
def test_include_pattern_agrees_with_helper(name: str) -> None:
    pattern = resolve(DOCUMENT["components"]["parameters"]["Include"])["schema"]["items"]["pattern"]
    assert bool(re.fullmatch(pattern, name)) is params.is_includable(name)


SAMPLE_EVENTS = [
    {
        "id": 1,
        "name": "Drill",
        "calendar_id": 1,
        "all_day": False,
        "starts": "2023-11-07T05:31:56Z",
        "ends": None,
        "notifications_interval": ["pt0m"],
        "calendar": {"id": 1, "name": "Ops"},
        "tags": [{"id": 1, "name": "a"}],
    },
    {
        "id": 2,
        "name": "Range",
        "calendar_id": 2,
        "all_day": True,
        "starts": "2023-11-08T00:00:00Z",
        "ends": "2023-11-08T00:00:00Z",
        "notifications_interval": None,
        "author": {"id": 3, "name": "Bob"},
    },
]
SCHEMA = schemathesis.openapi.from_path(SPEC_PATH)
SEARCH = SCHEMA.find_operation_by_label("POST /{version}/events/search")
assert SEARCH is not None


@settings(max_examples=60, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=SEARCH.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE))
def test_schema_valid_search_bodies_are_accepted_by_the_helper(case: Any) -> None:
    body = case.body if isinstance(case.body, dict) else {}
    try:
        search.apply_search(SAMPLE_EVENTS, body)
    except PerscomRuleError as error:
        pytest.fail(f"schema-valid body rejected: {error.message} {body!r}")
