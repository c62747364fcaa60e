"""``specs/b2core.yaml`` agrees with the helpers, and its examples and patterns behave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from mockserver.apis.b2core import listing
from mockserver.apis.b2core import messages as m
from mockserver.apis.b2core.patterns import (
    DURATION,
    DURATION_PATTERN,
    RECIPIENTS_FILTER,
    RECIPIENTS_FILTER_PATTERN,
)

SPEC_PATH = Path(__file__).resolve().parents[3] / "specs" / "b2core.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
SCHEMAS = SPEC["components"]["schemas"]
OPERATIONS = {
    (method, path): operation
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method != "parameters"
}
LIST_PARAMETERS = {
    p["name"]: p for p in OPERATIONS[("get", "/api/v2/calendars/events")]["parameters"] if "name" in p
}
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _validator(ref: str) -> Any:
    root = {"$schema": DIALECT, "$ref": ref, "components": SPEC["components"]}
    return jsonschema_rs.validator_for(root, validate_formats=True)


def test_operation_ids() -> None:
    assert {op["operationId"] for op in OPERATIONS.values()} == {
        "listCalendarEvents",
        "createCalendarEvent",
        "getCalendarEvent",
        "updateCalendarEvent",
        "patchCalendarEvent",
        "deleteCalendarEvent",
    }


@pytest.mark.parametrize(
    "key", sorted(OPERATIONS), ids=[f"{method} {path}" for method, path in sorted(OPERATIONS)]
)
def test_every_operation_takes_accept_language(key: tuple[str, str]) -> None:
    refs = [p.get("$ref") for p in OPERATIONS[key]["parameters"]]
    assert "#/components/parameters/AcceptLanguage" in refs


def test_patterns_match_the_helpers() -> None:
    assert SCHEMAS["Duration"]["pattern"] == DURATION_PATTERN
    assert SCHEMAS["CalendarEventFilter"]["properties"]["recipients"]["pattern"] == RECIPIENTS_FILTER_PATTERN


def test_list_parameters_match_the_helpers() -> None:
    assert SCHEMAS["SortField"]["default"] == listing.DEFAULT_SORT_FIELD
    assert set(listing.SORT_ALIASES) <= set(SCHEMAS["SortField"]["enum"])
    assert LIST_PARAMETERS["sort_order"]["schema"]["default"] == listing.DEFAULT_SORT_ORDER
    assert LIST_PARAMETERS["limit"]["schema"]["default"] == listing.DEFAULT_LIMIT


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("PT2H", True),
        ("P1D", True),
        ("P1DT12H", True),
        ("P2W", True),
        ("P1Y3D", True),
        ("PT1H5S", True),
        ("P1Y2M3DT4H5M6S", True),
        ("P", False),
        ("PT", False),
        ("P1DT", False),
        ("2H", False),
        ("pt2h", False),
        ("PT1.5H", False),
        ("P1W2D", False),
        ("PT2H ", False),
        ("PT2H\n", False),
        ("PT\u0662H", False),
    ],
    ids=[
        "hours",
        "day",
        "day-and-hours",
        "weeks",
        "year-and-day",
        "hour-and-second",
        "everything",
        "bare-p",
        "bare-pt",
        "dangling-t",
        "no-p",
        "lower-case",
        "fraction",
        "weeks-mixed",
        "trailing-blank",
        "trailing-newline",
        "arabic-indic-digit",
    ],
)
def test_duration_pattern(value: str, valid: bool) -> None:
    assert _validator("#/components/schemas/Duration").is_valid(value) is valid
    assert (DURATION.fullmatch(value) is not None) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("user@example.com", True),
        ("a@example.com,b@example.com", True),
        ("a@example.com, b@example.com", True),
        ("abc", False),
        ("a@b,", False),
        ("a@b@c", False),
        ("", False),
    ],
    ids=["one", "two", "blank-after-comma", "no-at", "trailing-comma", "two-ats", "empty"],
)
def test_recipients_filter_pattern(value: str, valid: bool) -> None:
    schema = {"$schema": DIALECT, "type": "string", "pattern": RECIPIENTS_FILTER_PATTERN}
    assert jsonschema_rs.validator_for(schema).is_valid(value) is valid
    assert (RECIPIENTS_FILTER.fullmatch(value) is not None) is valid


def _media_examples() -> list[tuple[str, str, Any]]:
    found = []
    for (method, path), operation in OPERATIONS.items():
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            example_ref = body["examples"]["seed"]["$ref"]
            found.append((f"{method} {path}", body["schema"]["$ref"], example_ref))
    return found


REQUEST_EXAMPLES = _media_examples()


@pytest.mark.parametrize(
    ("label", "schema_ref", "example_ref"), REQUEST_EXAMPLES, ids=[e[0] for e in REQUEST_EXAMPLES]
)
def test_request_examples_validate(label: str, schema_ref: str, example_ref: str) -> None:
    example = SPEC["components"]["examples"][example_ref.rsplit("/", 1)[-1]]["value"]
    assert _validator(schema_ref).is_valid(example), label


def test_event_example_validates() -> None:
    example = SPEC["components"]["examples"]["CalendarEvent"]["value"]
    assert _validator("#/components/schemas/CalendarEvent").is_valid(example)


def test_seed_list_filter_example_validates() -> None:
    example = LIST_PARAMETERS["filter"]["example"]
    assert _validator("#/components/schemas/CalendarEventFilter").is_valid(example)


@pytest.mark.parametrize("name", ["BadRequest", "Unauthorized", "Forbidden", "NotFound"], ids=str)
def test_error_examples_validate(name: str) -> None:
    content = SPEC["components"]["responses"][name]["content"]["application/json"]
    for example in content["examples"].values():
        assert _validator("#/components/schemas/Error").is_valid(example["value"])


def test_error_examples_use_the_catalogue_texts() -> None:
    responses = SPEC["components"]["responses"]
    english = responses["BadRequest"]["content"]["application/json"]["examples"]["english"]["value"]
    japanese = responses["BadRequest"]["content"]["application/json"]["examples"]["japanese"]["value"]
    assert english["message"] == m.ENGLISH[m.VALIDATION_FAILED]
    assert english["errors"]["endDate"] == [m.ENGLISH[m.END_BEFORE_START]]
    assert english["errors"]["caption"] == [m.ENGLISH[m.REQUIRED].format(field="caption")]
    assert japanese["message"] == m.JAPANESE[m.VALIDATION_FAILED]
    assert japanese["errors"]["endDate"] == [m.JAPANESE[m.END_BEFORE_START]]
    assert japanese["errors"]["caption"] == [m.JAPANESE[m.REQUIRED].format(field="caption")]
    plain = (("Unauthorized", m.UNAUTHORIZED), ("Forbidden", m.FORBIDDEN), ("NotFound", m.NOT_FOUND))
    for name, key in plain:
        (example,) = responses[name]["content"]["application/json"]["examples"].values()
        assert example["value"]["message"] == m.ENGLISH[key]
