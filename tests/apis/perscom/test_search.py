from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.test import TestResponse

from mockserver import create_app
from mockserver.apis.perscom.search import apply_search, requested_relations

OPS = {"id": 1, "name": "Ops"}
TRAINING = {"id": 2, "name": "Training"}
ALICE = {"id": 10, "name": "Alice"}
BOB = {"id": 11, "name": "Bob"}

EVENTS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "Weekly Drill",
        "calendar_id": 1,
        "author_id": 10,
        "description": "Bring gear",
        "all_day": False,
        "starts": datetime(2023, 11, 7, 18, tzinfo=UTC),
        "ends": datetime(2023, 11, 7, 20, tzinfo=UTC),
        "notifications_interval": ["pt0m", "p1d"],
        "notifications_channels": ["mail"],
        "calendar": OPS,
        "author": ALICE,
        "tags": [{"id": 1, "name": "training"}],
    },
    {
        "id": 2,
        "name": "Range day",
        "calendar_id": 2,
        "author_id": 11,
        "description": None,
        "all_day": True,
        "starts": "2023-11-10T00:00:00.000000Z",
        "ends": "2023-11-10T00:00:00.000000Z",
        "notifications_interval": None,
        "notifications_channels": ["mail", "sms"],
        "calendar": TRAINING,
        "author": BOB,
        "tags": [{"id": 2, "name": "range"}],
    },
    {
        "id": 3,
        "name": "weekly briefing",
        "calendar_id": 1,
        "author_id": 10,
        "description": "drill review",
        "all_day": False,
        "starts": "2023-12-01T09:00:00Z",
        "ends": None,
        "notifications_interval": ["p1w"],
        "notifications_channels": None,
        "calendar": OPS,
        "author": ALICE,
        "tags": [],
    },
]


def ids(body: Mapping[str, Any]) -> list[int]:
    return [event["id"] for event in apply_search(EVENTS, body)]


def where(field: str, op: str, value: Any, joiner: str = "and") -> dict[str, Any]:
    return {"type": joiner, "field": field, "operator": op, "value": value}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([], [1, 2, 3]),
        ([where("name", "like", "%Drill%")], [1]),
        ([where("name", "ilike", "%weekly%")], [1, 3]),
        ([where("name", "not ilike", "%weekly%")], [2]),
        ([{"field": "calendar_id", "value": 1}], [1, 3]),
        ([where("calendar_id", "=", 2), where("name", "=", "weekly briefing", "or")], [2, 3]),
        ([where("id", "=", 1), where("id", "=", 2, "or"), where("all_day", "=", True)], [1, 2]),
        ([where("id", "in", [1, 3]), where("id", "!=", 3)], [1]),
        ([where("description", "in", [None, "Bring gear"])], [1, 2]),
        ([where("description", "not in", ["Bring gear"])], [3]),
        ([where("notifications_interval", "all in", ["pt0m", "p1d"])], [1]),
        ([where("notifications_channels", "any in", ["sms", "push"])], [2]),
        ([where("starts", "=", "2023-11-07")], [1]),
        ([where("starts", ">=", "2023-11-10")], [2, 3]),
        ([where("starts", "<", "2023-11-07T19:00:00Z")], [1]),
        ([where("ends", "=", None)], [3]),
        ([where("calendar.name", "=", "Training")], [2]),
        ([where("author.name", "like", "A%")], [1, 3]),
    ],
    ids=[
        "no-filters",
        "like-case-sensitive",
        "ilike",
        "not-ilike",
        "operator-defaults-to-equals",
        "or-joins",
        "and-binds-tighter-than-or",
        "in-then-and",
        "null-in-array",
        "not-in-excludes-null",
        "all-in",
        "any-in",
        "midnight-date-only",
        "date-gte",
        "datetime-lt",
        "null-equals",
        "relation-field",
        "relation-like",
    ],
)
def test_filters(filters: list[dict[str, Any]], expected: list[int]) -> None:
    assert ids({"filters": filters}) == expected


def test_nested_group_is_parenthesised() -> None:
    group = {"nested": [where("name", "like", "%Drill%"), where("description", "like", "%drill%", "or")]}
    assert ids({"filters": [where("calendar_id", "=", 1), group]}) == [1, 3]
    assert ids({"filters": [where("calendar_id", "=", 2), {**group, "type": "or"}]}) == [1, 2, 3]


def test_nested_wins_over_field_and_an_empty_group_adds_nothing() -> None:
    assert ids({"filters": [where("id", "=", 2), {**where("id", "=", 3, "or"), "nested": []}]}) == [2]
    assert _search_errors({"filters": [{"nested": []}]}) is not None


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ({"value": "drill"}, [3]),
        ({"value": "drill", "case_sensitive": False}, [1, 3]),
        ({"value": "Bob"}, [2]),
        ({"value": "2023-11-10"}, [2]),
        ({"value": None}, [1, 2, 3]),
        ({}, [1, 2, 3]),
    ],
    ids=[
        "case-sensitive-default",
        "case-insensitive",
        "related-author",
        "date-text",
        "null-matches-all",
        "empty",
    ],
)
def test_keyword_search(search: dict[str, Any], expected: list[int]) -> None:
    assert ids({"search": search}) == expected


def test_keyword_search_binds_to_the_last_or_run() -> None:
    body = {"filters": [where("id", "=", 1), where("id", "=", 2, "or")], "search": {"value": "Range"}}
    assert ids(body) == [1, 2]
    body["search"] = {"value": "review"}
    assert ids(body) == [1]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ([{"field": "calendar_id"}, {"field": "starts", "direction": "desc"}], [3, 1, 2]),
        ([{"field": "description"}], [2, 1, 3]),
        ([{"field": "description", "direction": "desc"}], [3, 1, 2]),
        ([{"field": "author.name", "direction": "desc"}], [2, 1, 3]),
        ([{"field": "starts", "direction": "desc"}], [3, 2, 1]),
    ],
    ids=["multi-field", "nulls-first", "nulls-last-desc", "relation-stable-ties", "mixed-date-storage"],
)
def test_sort(sort: list[dict[str, Any]], expected: list[int]) -> None:
    assert ids({"sort": sort}) == expected


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ([{"name": "datePeriod", "parameters": ["2023-11-01", "2023-11-30"]}], [1, 2]),
        ([{"name": "datePeriod", "parameters": ["2023-11-10", "2023-11-10"]}], [2]),
        ([{"name": "datePeriod", "parameters": ["2023-11-07T19:00:00Z", "2023-11-07T19:30:00Z"]}], [1]),
        ([{"name": "datePeriod", "parameters": ["2023-12-01T10:00:00Z", "2023-12-31"]}], []),
        ([{"name": "datePeriod", "parameters": ["2023-11-30T20:00:00Z", "2023-12-01T09:00:00Z"]}], [3]),
        ([{"name": "datePeriod", "parameters": ["2023-11-07T20:00:00Z", "2023-11-07T21:00:00Z"]}], [1]),
        ([{"name": "tags", "parameters": ["range"]}], [2]),
        ([{"name": "tags", "parameters": ["training", "range"]}], [1, 2]),
        ([{"name": "tags"}], []),
    ],
    ids=[
        "period-month",
        "midnight-end-covers-day",
        "overlap-inside",
        "no-ends-is-instant",
        "starts-at-the-end",
        "ends-at-the-start",
        "one-tag",
        "any-tag",
        "no-tags",
    ],
)
def test_scopes(scopes: list[dict[str, Any]], expected: list[int]) -> None:
    assert ids({"scopes": scopes}) == expected


def test_or_filter_escapes_a_scope_like_sql() -> None:
    body = {
        "scopes": [{"name": "datePeriod", "parameters": ["2023-11-01", "2023-11-30"]}],
        "filters": [where("id", "=", 2), where("id", "=", 3, "or")],
    }
    assert ids(body) == [2, 3]


def test_related_records_can_come_from_a_resolver() -> None:
    bare = [{k: v for k, v in event.items() if k not in ("calendar", "author", "tags")} for event in EVENTS]
    calendars = {1: OPS, 2: TRAINING}

    def related(event: Mapping[str, Any], relation: str) -> Any:
        return calendars.get(event["calendar_id"]) if relation == "calendar" else None

    body = {"filters": [where("calendar.name", "=", "Ops")]}
    assert [event["id"] for event in apply_search(bare, body, related)] == [1, 3]
    assert apply_search(bare, {"filters": [where("author.name", "=", "Alice")]}, related) == []


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"filters": [where("secret", "=", 1)]},
            {"filters.0.field": ["The secret field is not whitelisted."]},
        ),
        (
            {"filters": [where("bad field", "=", 1)]},
            {"filters.0.field": ["The bad field field is not whitelisted."]},
        ),
        (
            {"filters": [where("id", "~", 1)]},
            {"filters.0.operator": ["The selected filters.0.operator is invalid."]},
        ),
        (
            {"filters": [where("id", "=", 1, "xor")]},
            {"filters.0.type": ["The selected filters.0.type is invalid."]},
        ),
        (
            {"filters": [{"value": 1}]},
            {"filters.0.field": ["The filters.0.field field is required."]},
        ),
        (
            {"filters": [{"nested": [where("secret", "=", 1)]}]},
            {"filters.0.nested.0.field": ["The secret field is not whitelisted."]},
        ),
        (
            {"sort": [{"field": "id", "direction": "up"}]},
            {"sort.0.direction": ["The selected sort.0.direction is invalid."]},
        ),
        (
            {"sort": [{"direction": "asc"}]},
            {"sort.0.field": ["The sort.0.field field is required."]},
        ),
        ({"scopes": [{"name": "mine"}]}, {"scopes.0.name": ["The selected scopes.0.name is invalid."]}),
        (
            {"scopes": [{"name": "datePeriod", "parameters": ["2023-01-01"]}]},
            {"scopes.0.parameters": ["The scopes.0.parameters field must have at least 2 items."]},
        ),
        (
            {"search": {"value": "x", "case_sensitive": "yes"}},
            {"search.case_sensitive": ["The search.case sensitive field must be true or false."]},
        ),
        ({"search": {"value": 5}}, {"search.value": ["The search.value field must be a string."]}),
        (
            {"includes": [{"relation": "secrets"}]},
            {"includes.0.relation": ["The secrets field is not whitelisted."]},
        ),
        (
            {"scopes": [{"name": "mine"}], "filters": [where("secret", "=", 1)]},
            {
                "scopes.0.name": ["The selected scopes.0.name is invalid."],
                "filters.0.field": ["The secret field is not whitelisted."],
            },
        ),
    ],
    ids=[
        "field-not-whitelisted",
        "field-syntax-and-whitelist",
        "operator",
        "type",
        "field-required-without-nested",
        "nested-field",
        "direction",
        "sort-field-required",
        "scope-name",
        "date-period-arity",
        "case-sensitive-bool",
        "search-value-string",
        "include-relation",
        "every-problem-at-once",
    ],
)
def test_validation_errors(body: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """The spec's SearchRequest schema holds every one of Orion's rules: probed over HTTP."""
    assert _search_errors(body) == errors


@pytest.mark.parametrize(
    "filters",
    [
        [{"nested": [{"nested": [where("id", "=", 1)]}]}],
        [{"nested": [where("id", "in", [1, 2])]}],
        [{"nested": [{"nested": [where("secret", "~", 1)]}]}],
    ],
    ids=["two-levels", "array-value-inside-nested", "depth-checked-before-fields"],
)
def test_nested_depth_limit(filters: list[dict[str, Any]]) -> None:
    response = _search({"filters": filters})
    assert response.status_code == 422
    assert response.json == {"error": {"message": "Max nested depth 1 is exceeded", "type": "HttpException"}}


def test_one_level_with_arrays_at_top_and_extra_keys_is_allowed() -> None:
    filters = [
        {"field": "id", "operator": "in", "value": [1, 2, 3], "extra": {"a": {"b": {"c": []}}}},
        {"nested": [where("calendar_id", "=", 1)]},
    ]
    assert ids({"filters": filters}) == [1, 3]


def test_requested_relations() -> None:
    body = {"includes": [{"relation": "tags"}, {"relation": "author", "filters": []}, {"x": 1}]}
    assert requested_relations(body) == ["tags", "author"]


_CLIENT = create_app({"strict": True, "log_requests": False}, apis=["perscom"]).test_client()


def _search(body: dict[str, Any]) -> TestResponse:
    return _CLIENT.post("/perscom/v2/events/search", json=body, headers={"Authorization": "Bearer dev-token"})


def _search_errors(body: dict[str, Any]) -> dict[str, list[str]] | None:
    response = _search(body)
    if response.status_code == 200:
        return None
    assert response.status_code == 422, response.json
    assert response.json["error"]["type"] == "ValidationException"
    errors: dict[str, list[str]] = response.json["error"]["errors"]
    return errors
