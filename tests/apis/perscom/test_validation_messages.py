from __future__ import annotations

from typing import Any

import pytest

from mockserver.apis.perscom.validation_messages import (
    FieldIssue,
    displayable_attribute,
    errors_by_field,
    field_message,
    summary_message,
)


def _issue(path: Any, kind: str, detail: dict[str, Any], value: Any) -> FieldIssue:
    return FieldIssue(
        path,
        kind,
        limit=detail.get("limit"),
        expected=tuple(detail.get("types", ())),
        format=detail.get("format"),
        pattern=detail.get("pattern"),
        value=value,
        values=detail.get("values", ""),
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("name", "name"),
        ("calendar_id", "calendar id"),
        (("resources", 0, "calendar_id"), "resources.0.calendar_id"),
        ("resources.12.name", "resources.12.name"),
        ("search.case_sensitive", "search.case sensitive"),
        ("filters.0", "filters.0"),
    ],
    ids=[
        "plain",
        "underscore-spaced",
        "wildcard-raw-tuple",
        "wildcard-raw-str",
        "two-part-spaced",
        "indexed",
    ],
)
def test_displayable_attribute(path: Any, expected: str) -> None:
    assert displayable_attribute(path) == expected


@pytest.mark.parametrize(
    ("path", "kind", "detail", "value", "expected"),
    [
        ("name", "required", {}, None, "The name field is required."),
        ("resources.0.name", "required", {}, None, "The resources.0.name field is required."),
        ("calendar_id", "type", {"types": ["integer"]}, "x", "The calendar id field must be an integer."),
        ("ends", "type", {"types": ["null", "string"]}, 5, "The ends field must be a string."),
        ("all_day", "type", {"types": ["boolean"]}, "x", "The all day field must be true or false."),
        ("resources", "type", {"types": ["object"]}, 1, "The resources field must be an array."),
        ("starts", "format", {"format": "date-time"}, "x", "The starts field must be a valid date."),
        (
            "notifications_interval.0",
            "enum",
            {"options": ["pt0m"]},
            "x",
            "The selected notifications_interval.0 is invalid.",
        ),
        ("calendar_id", "exists", {}, 9, "The selected calendar id is invalid."),
        ("name", "maxLength", {"limit": 255}, "x", "The name field must not be greater than 255 characters."),
        ("name", "minLength", {"limit": 1}, "", "The name field is required."),
        ("name", "pattern", {"pattern": r"\S"}, " ", "The name field is required."),
        ("resources", "minItems", {"limit": 1}, [], "The resources field is required."),
        ("resources", "minProperties", {"limit": 1}, {}, "The resources field is required."),
        (
            "scopes.0.parameters",
            "minItems",
            {"limit": 2},
            [],
            "The scopes.0.parameters field must have at least 2 items.",
        ),
        ("filters.0.field", "anyOf", {}, "secret", "The secret field is not whitelisted."),
        ("include.0", "pattern", {"pattern": "^x$"}, "users", "The users field is not whitelisted."),
        ("sort.0.field", "whitelist", {}, "nope", "The nope field is not whitelisted."),
        (
            "scopes.0.name",
            "required_with",
            {"values": "scopes"},
            None,
            "The scopes.0.name field is required when scopes is present.",
        ),
        (
            "filters.1.field",
            "required_without",
            {"values": "filters.1.nested"},
            None,
            "The filters.1.field field is required when filters.1.nested is not present.",
        ),
        ("url", "not", {}, None, "The url field is invalid."),
    ],
    ids=[
        "required",
        "required-nested",
        "integer",
        "nullable-string",
        "boolean",
        "object-is-array",
        "date",
        "enum",
        "exists",
        "max-string",
        "empty-string-required",
        "blank-string-required",
        "empty-array-required",
        "empty-object-required",
        "min-array",
        "whitelist-anyof",
        "whitelist-include",
        "whitelist-kind",
        "required-with",
        "required-without",
        "fallback",
    ],
)
def test_field_message(path: str, kind: str, detail: dict[str, Any], value: Any, expected: str) -> None:
    assert field_message(_issue(path, kind, detail, value)) == expected


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        ({"name": ["The name field is required."]}, "The name field is required."),
        (
            {"name": ["The name field is required."], "starts": ["The starts field is required."]},
            "The name field is required. (and 1 more error)",
        ),
        (
            {"name": ["The name field is required."], "starts": ["A.", "B."], "ends": ["C."]},
            "The name field is required. (and 3 more errors)",
        ),
        ({}, "The given data was invalid."),
    ],
    ids=["single", "one-more-singular", "counts-every-message", "empty"],
)
def test_summary_message(errors: dict[str, list[str]], expected: str) -> None:
    assert summary_message(errors) == expected


def test_errors_by_field_groups_in_order_without_duplicates() -> None:
    issues = [
        FieldIssue(("resources", 1, "name"), "required"),
        FieldIssue(("resources", 0, "starts"), "format", format="date-time"),
        FieldIssue(("resources", 1, "name"), "required"),
    ]
    assert errors_by_field(issues) == {
        "resources.1.name": ["The resources.1.name field is required."],
        "resources.0.starts": ["The resources.0.starts field must be a valid date."],
    }
