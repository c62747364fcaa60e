"""PERSCOM events: the schema-driven suite, the stateful workflow and one scenario per business rule.

Scenario bodies are the seed's own example (docs page for ``PATCH /{version}/events/batch``,
shared/seeds/000), with its ``{key}`` placeholder replaced by a real event id. Against a real
deployment set CONTRACTS_PERSCOM_CALENDAR / CONTRACTS_PERSCOM_AUTHOR to ids that exist there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from schemathesis import Case

from contracts.harness import fresh_target, require_admin, require_clean_state, run_target, unique
from contracts.options import suite_variable
from contracts.suite import Suite, schema_test
from contracts.target import Response, Target
from mockserver.config import DEV_TOKEN

EVENTS = "/v2/events"
BATCH = "/v2/events/batch"
SEARCH = "/v2/events/search"
CALENDAR = int(suite_variable("perscom", "CALENDAR"))
AUTHOR = int(suite_variable("perscom", "AUTHOR"))
NO_SUCH_ID = 987654321
SEED_EVENT: dict[str, Any] = {
    "name": "<string>",
    "calendar_id": CALENDAR,
    "description": "<string>",
    "content": "<string>",
    "location": "<string>",
    "url": "<string>",
    "author_id": AUTHOR,
    "all_day": False,
    "starts": "2023-11-07T05:31:56Z",
    "ends": "2023-11-07T05:31:56Z",
    "repeats": False,
    "registration_enabled": True,
    "registration_deadline": "2023-11-07T05:31:56Z",
    "notifications_enabled": True,
    "notifications_interval": ["pt0m"],
    "notifications_channels": ["broadcast"],
}
NOT_FOUND = {"message": "The requested resource could not be found.", "type": "NotFoundHttpException"}
FORBIDDEN = "The API key provided does not have the correct permissions and/or scopes to perform the requested action."


def without_newlines(case: Case[Any]) -> None:
    """Core limitation (reported): the mount's ``<path:path>`` rule does not match a newline, so a
    URL holding one gets the server-wide 404 instead of PERSCOM's. A tab keeps the value invalid."""
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, str) and "\n" in value:
            case.path_parameters[name] = value.replace("\n", "\t")


# Reviewed exceptions (foreign keys, soft delete) live in contracts/false_positives.yaml.
@schema_test("perscom", prepare=without_newlines)
def test_schema(case: Case[Any], suite: Suite) -> None:
    suite.check(case)


def test_workflow(suite: Suite) -> None:
    suite.run_workflow()


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def pc() -> Target:
    return fresh_target("perscom")


def ok(response: Response, status: int = 200) -> Any:
    assert response.status == status, response.text
    return response.json()


def create(target: Target, **changes: Any) -> dict[str, Any]:
    body = {**SEED_EVENT, "name": unique("event"), **changes}
    event: dict[str, Any] = ok(target.request("POST", EVENTS, json_body=body), 201)["data"]
    return event


def gone_id(target: Target) -> int:
    """The id of an event this run created and removed for good: unknown to the target, and
    safe to send writes to on a shared staging deployment (the harness refuses foreign ids)."""
    event_id: int = create(target)["id"]
    ok(target.request("DELETE", f"{EVENTS}/{event_id}", params={"force": "true"}))
    return event_id


def get(target: Target, event_id: int, **params: Any) -> Response:
    return target.request("GET", f"{EVENTS}/{event_id}", params=params or None)


def error(response: Response, status: int) -> dict[str, Any]:
    assert response.status == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def search(target: Target, body: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = ok(target.request("POST", SEARCH, json_body=body, params=params or None))[
        "data"
    ]
    return data


# --- batch update (the seed) -------------------------------------------------------------------


def test_seed_batch_update_returns_the_updated_event_and_skips_unknown_ids(pc: Target) -> None:
    event, unknown = create(pc), gone_id(pc)
    body = {"resources": {str(event["id"]): SEED_EVENT, str(unknown): SEED_EVENT}}
    data = ok(pc.request("PATCH", BATCH, json_body=body))["data"]
    assert [e["id"] for e in data] == [event["id"]]
    updated = data[0]
    assert {k: updated[k] for k in ("name", "calendar_id", "author_id", "all_day")} == {
        "name": "<string>",
        "calendar_id": CALENDAR,
        "author_id": AUTHOR,
        "all_day": False,
    }
    assert updated["label"] == f"Event: {event['id']}"
    assert updated["created_at"] and updated["updated_at"]
    assert updated["notifications_interval"] == ["pt0m"]
    assert ok(get(pc, event["id"]))["data"]["name"] == "<string>"
    assert get(pc, unknown).status == 404


def test_batch_update_lists_events_in_id_order_not_request_order(pc: Target) -> None:
    first, second = create(pc), create(pc)
    body = {"resources": {str(second["id"]): {"location": "B"}, str(first["id"]): {"location": "A"}}}
    data = ok(pc.request("PATCH", BATCH, json_body=body))["data"]
    assert [(e["id"], e["location"]) for e in data] == [(first["id"], "A"), (second["id"], "B")]


def test_batch_update_is_all_or_nothing(pc: Target) -> None:
    good, other = create(pc), create(pc)
    body = {
        "resources": {
            str(good["id"]): {"name": "changed"},
            str(other["id"]): {"calendar_id": NO_SUCH_ID},
        }
    }
    failure = error(pc.request("PATCH", BATCH, json_body=body), 422)
    assert failure["type"] == "ValidationException"
    key = f"resources.{other['id']}.calendar_id"
    assert failure["errors"] == {key: [f"The selected {key} is invalid."]}
    assert ok(get(pc, good["id"]))["data"]["name"] == good["name"]


def test_batch_update_validates_items_of_unknown_ids_too(pc: Target) -> None:
    event, unknown = create(pc), gone_id(pc)
    body = {"resources": {str(event["id"]): {"name": "x"}, str(unknown): {"author_id": NO_SUCH_ID}}}
    failure = error(pc.request("PATCH", BATCH, json_body=body), 422)
    assert list(failure["errors"]) == [f"resources.{unknown}.author_id"]
    assert ok(get(pc, event["id"]))["data"]["name"] == event["name"]


# --- batch create / delete --------------------------------------------------------------------


def test_batch_create_returns_the_events_in_request_order(pc: Target) -> None:
    names = [unique("a"), unique("b")]
    body = {"resources": [{**SEED_EVENT, "name": n} for n in names]}
    data = ok(pc.request("POST", BATCH, json_body=body))["data"]
    assert [e["name"] for e in data] == names
    assert data[0]["id"] < data[1]["id"]
    assert all(ok(get(pc, e["id"]))["data"]["name"] == e["name"] for e in data)


def test_batch_create_is_all_or_nothing_with_errors_keyed_by_index(pc: Target) -> None:
    marker = unique("atomic")
    body = {"resources": [{**SEED_EVENT, "name": marker}, {**SEED_EVENT, "calendar_id": NO_SUCH_ID}]}
    failure = error(pc.request("POST", BATCH, json_body=body), 422)
    assert failure == {
        "message": "The selected resources.1.calendar_id is invalid.",
        "type": "ValidationException",
        "errors": {"resources.1.calendar_id": ["The selected resources.1.calendar_id is invalid."]},
    }
    assert search(pc, {"filters": [{"field": "name", "value": marker}]}) == []


def test_batch_create_schema_errors_are_keyed_resources_index_field(pc: Target) -> None:
    body = {"resources": [SEED_EVENT, {k: v for k, v in SEED_EVENT.items() if k != "name"}]}
    failure = error(pc.request("POST", BATCH, json_body=body), 422)
    assert failure["errors"] == {"resources.1.name": ["The resources.1.name field is required."]}
    assert failure["message"] == "The resources.1.name field is required."


def test_batch_delete_soft_deletes_known_ids_and_skips_unknown(pc: Target) -> None:
    first, second, unknown = create(pc), create(pc), gone_id(pc)
    body = {"resources": [second["id"], unknown, first["id"]]}
    data = ok(pc.request("DELETE", BATCH, json_body=body))["data"]
    assert [e["id"] for e in data] == [first["id"], second["id"]]
    assert all(e["deleted_at"] for e in data)
    assert get(pc, first["id"]).status == 404
    assert ok(get(pc, first["id"], with_trashed="true"))["data"]["id"] == first["id"]


# --- single-event CRUD ------------------------------------------------------------------------


def test_create_is_201_with_defaults_and_label(pc: Target) -> None:
    body = {k: SEED_EVENT[k] for k in ("name", "calendar_id", "author_id", "all_day", "starts", "ends")}
    response = pc.request("POST", EVENTS, json_body=body)
    event = ok(response, 201)["data"]
    assert event["label"] == f"Event: {event['id']}"
    assert (event["repeats"], event["registration_enabled"], event["notifications_enabled"]) == (
        False,
        True,
        True,
    )
    assert event["description"] is None and event["deleted_at"] is None
    assert event["starts"].startswith("2023-11-07T05:31:56")


def test_create_requires_the_create_fields(pc: Target) -> None:
    failure = error(pc.request("POST", EVENTS, json_body={"location": "Base"}), 422)
    assert failure["message"] == "The name field is required. (and 5 more errors)"
    assert failure["errors"]["calendar_id"] == ["The calendar id field is required."]
    assert set(failure["errors"]) == {"name", "calendar_id", "author_id", "all_day", "starts", "ends"}


@pytest.mark.parametrize(("field", "label"), [("calendar_id", "calendar id"), ("author_id", "author id")])
def test_unknown_calendar_or_author_is_422(pc: Target, field: str, label: str) -> None:
    failure = error(pc.request("POST", EVENTS, json_body={**SEED_EVENT, field: NO_SUCH_ID}), 422)
    assert failure == {
        "message": f"The selected {label} is invalid.",
        "type": "ValidationException",
        "errors": {field: [f"The selected {label} is invalid."]},
    }


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_update_is_partial(pc: Target, method: str) -> None:
    event = create(pc, location="Camp A")
    updated = ok(pc.request(method, f"{EVENTS}/{event['id']}", json_body={"location": "Camp B"}))["data"]
    assert updated["location"] == "Camp B"
    assert updated["name"] == event["name"] and updated["starts"] == event["starts"]
    assert ok(get(pc, event["id"]))["data"]["location"] == "Camp B"


def test_update_with_unknown_calendar_changes_nothing(pc: Target) -> None:
    event = create(pc)
    body = {"name": "renamed", "calendar_id": NO_SUCH_ID}
    assert error(pc.request("PATCH", f"{EVENTS}/{event['id']}", json_body=body), 422)["errors"]
    assert ok(get(pc, event["id"]))["data"]["name"] == event["name"]


def test_unknown_or_non_integer_event_is_404(pc: Target) -> None:
    unknown = gone_id(pc)
    assert error(get(pc, unknown), 404) == NOT_FOUND
    assert error(pc.request("GET", f"{EVENTS}/abc"), 404) == NOT_FOUND
    assert error(pc.request("PATCH", f"{EVENTS}/{unknown}", json_body={"name": "x"}), 404) == NOT_FOUND


# --- soft delete ------------------------------------------------------------------------------


def test_delete_is_soft_and_returns_the_event(pc: Target) -> None:
    event = create(pc)
    deleted = ok(pc.request("DELETE", f"{EVENTS}/{event['id']}"))["data"]
    assert deleted["id"] == event["id"] and deleted["deleted_at"]
    assert error(get(pc, event["id"]), 404) == NOT_FOUND
    assert ok(get(pc, event["id"], with_trashed="true"))["data"]["deleted_at"] == deleted["deleted_at"]
    assert ok(get(pc, event["id"], only_trashed="true"))["data"]["id"] == event["id"]
    listed = ok(pc.request("GET", EVENTS, params={"limit": 1000}))["data"]
    assert event["id"] not in [e["id"] for e in listed]
    trashed = ok(pc.request("GET", EVENTS, params={"only_trashed": "true", "limit": 1000}))["data"]
    assert event["id"] in [e["id"] for e in trashed]
    assert all(e["deleted_at"] for e in trashed)
    assert pc.request("PATCH", f"{EVENTS}/{event['id']}", json_body={"name": "x"}).status == 404


def test_deleting_a_trashed_event_needs_force(pc: Target) -> None:
    event = create(pc)
    ok(pc.request("DELETE", f"{EVENTS}/{event['id']}"))
    assert error(pc.request("DELETE", f"{EVENTS}/{event['id']}"), 404) == NOT_FOUND
    forced = ok(pc.request("DELETE", f"{EVENTS}/{event['id']}", params={"force": "true"}))["data"]
    assert forced["id"] == event["id"]
    assert get(pc, event["id"], with_trashed="true").status == 404


def test_force_delete_removes_a_live_event_permanently(pc: Target) -> None:
    event = create(pc)
    ok(pc.request("DELETE", f"{EVENTS}/{event['id']}", params={"force": "true"}))
    assert get(pc, event["id"], with_trashed="true").status == 404


# --- include ----------------------------------------------------------------------------------


def test_included_relations_are_keys_of_the_event(pc: Target) -> None:
    event = create(pc)
    plain = ok(get(pc, event["id"]))["data"]
    assert not {"calendar", "author", "tags"} & set(plain)
    data = ok(get(pc, event["id"], include="calendar,author,tags"))["data"]
    assert data["calendar"]["id"] == CALENDAR and data["author"]["id"] == AUTHOR
    assert isinstance(data["tags"], list)
    listed = ok(pc.request("GET", EVENTS, params={"include": "calendar.*"}))["data"]
    assert all(e["calendar"]["id"] == e["calendar_id"] for e in listed)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", EVENTS, None),
        ("POST", EVENTS, SEED_EVENT),
        ("POST", SEARCH, {}),
        ("POST", BATCH, {"resources": [SEED_EVENT]}),
    ],
    ids=["list", "create", "search", "batch-create"],
)
def test_include_outside_the_whitelist_is_422(pc: Target, method: str, path: str, body: Any) -> None:
    response = pc.request(method, path, json_body=body, params={"include": "calendar,secrets"})
    failure = error(response, 422)
    assert failure["message"] == "The secrets field is not whitelisted."
    assert failure["type"] == "ValidationException"


def test_include_on_every_single_event_operation(pc: Target) -> None:
    event = create(pc)
    path = f"{EVENTS}/{event['id']}"
    params = {"include": "author"}
    for method, body in (("GET", None), ("PATCH", {"name": "n"}), ("PUT", {"name": "m"}), ("DELETE", None)):
        data = ok(pc.request(method, path, json_body=body, params=params))["data"]
        assert data["author"]["id"] == AUTHOR, method
    assert pc.request("GET", path, params={"include": "nope"}).status == 422


# --- list & pagination ------------------------------------------------------------------------


def test_list_is_paginated_15_per_page_by_default(pc: Target) -> None:
    require_clean_state(pc)
    require_admin(pc)  # counts need a known starting state
    ok(pc.request("POST", BATCH, json_body={"resources": [SEED_EVENT] * 16}))
    page = ok(pc.request("GET", EVENTS))
    assert len(page["data"]) == 15
    assert (page["meta"]["per_page"], page["meta"]["total"], page["meta"]["last_page"]) == (15, 16, 2)
    assert page["links"]["next"].endswith("/v2/events?page=2") and page["links"]["prev"] is None
    second = ok(pc.request("GET", EVENTS, params={"page": 2, "limit": 10}))
    assert [len(second["data"]), second["meta"]["from"], second["meta"]["to"]] == [6, 11, 16]
    assert ok(pc.request("GET", EVENTS, params={"page": 9}))["data"] == []


def test_plain_list_ignores_search_parameters(pc: Target) -> None:
    require_clean_state(pc)
    require_admin(pc)
    create(pc, name="alpha")
    create(pc, name="bravo")
    params = {"search": "alpha", "filters[0][field]": "name", "filters[0][value]": "alpha", "sort": "-id"}
    data = ok(pc.request("GET", EVENTS, params=params))["data"]
    assert [e["name"] for e in data] == ["alpha", "bravo"]


# --- search -----------------------------------------------------------------------------------


@pytest.fixture
def trio(pc: Target) -> Iterator[tuple[Target, str, list[dict[str, Any]]]]:
    """Three events sharing a unique prefix; searches are scoped to it."""
    prefix = unique("s")
    events = [
        create(
            pc,
            name=f"{prefix} Alpha drill",
            location="North",
            all_day=False,
            starts="2023-11-01T10:00:00Z",
            ends="2023-11-01T12:00:00Z",
            notifications_channels=["mail", "sms"],
        ),
        create(
            pc,
            name=f"{prefix} bravo Range",
            location=None,
            all_day=True,
            starts="2023-11-15T08:00:00Z",
            ends="2023-11-16T08:00:00Z",
            notifications_channels=["mail"],
        ),
        create(
            pc,
            name=f"{prefix} Charlie drill",
            location="South",
            all_day=False,
            starts="2023-12-20T10:00:00Z",
            ends="2023-12-20T11:00:00Z",
            notifications_channels=["discord_public"],
        ),
    ]
    yield pc, prefix, events


def scoped(prefix: str, *filters: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"field": "name", "operator": "like", "value": f"{prefix}%"}, *filters]


def names(events: list[dict[str, Any]]) -> list[str]:
    return [e["name"].split(" ", 1)[1] for e in events]


@pytest.mark.parametrize(
    ("field", "operator", "value", "expected"),
    [
        ("location", "=", "North", ["Alpha drill"]),
        ("location", "!=", "North", ["Charlie drill"]),
        ("starts", "<", "2023-11-15T08:00:00Z", ["Alpha drill"]),
        ("starts", "<=", "2023-11-15T08:00:00Z", ["Alpha drill", "bravo Range"]),
        ("starts", ">", "2023-11-15T08:00:00Z", ["Charlie drill"]),
        ("starts", ">=", "2023-11-15T08:00:00Z", ["bravo Range", "Charlie drill"]),
        ("name", "like", "%drill", ["Alpha drill", "Charlie drill"]),
        ("name", "not like", "%drill", ["bravo Range"]),
        ("name", "like", "%range", []),
        ("name", "ilike", "%range", ["bravo Range"]),
        ("name", "not ilike", "%RANGE", ["Alpha drill", "Charlie drill"]),
        ("location", "in", ["North", "South"], ["Alpha drill", "Charlie drill"]),
        ("location", "in", ["North", None], ["Alpha drill", "bravo Range"]),
        ("location", "not in", ["North"], ["Charlie drill"]),
        ("notifications_channels", "all in", ["mail", "sms"], ["Alpha drill"]),
        ("notifications_channels", "any in", ["sms", "discord_public"], ["Alpha drill", "Charlie drill"]),
        ("all_day", "=", True, ["bravo Range"]),
        ("starts", "=", "2023-11-15", ["bravo Range"]),
    ],
)
def test_search_operators(
    trio: tuple[Target, str, list[dict[str, Any]]], field: str, operator: str, value: Any, expected: list[str]
) -> None:
    pc, prefix, _ = trio
    body = {"filters": scoped(prefix, {"field": field, "operator": operator, "value": value})}
    assert names(search(pc, body)) == expected


def test_search_default_operator_is_equals(trio: tuple[Target, str, list[dict[str, Any]]]) -> None:
    pc, prefix, _ = trio
    assert names(search(pc, {"filters": scoped(prefix, {"field": "location", "value": "South"})})) == [
        "Charlie drill"
    ]


def test_search_or_and_nested_groups(trio: tuple[Target, str, list[dict[str, Any]]]) -> None:
    pc, prefix, _ = trio
    nested = {
        "type": "and",
        "nested": [
            {"field": "location", "value": "North"},
            {"type": "or", "field": "all_day", "value": True},
        ],
    }
    assert names(search(pc, {"filters": scoped(prefix, nested)})) == ["Alpha drill", "bravo Range"]
    # AND binds tighter than OR: (prefix AND location=North) OR location=South.
    flat = scoped(prefix, {"field": "location", "value": "North"}) + [
        {"type": "or", "field": "location", "value": "South"},
        {"field": "name", "operator": "like", "value": f"{prefix}%"},
    ]
    assert names(search(pc, {"filters": flat})) == ["Alpha drill", "Charlie drill"]


def test_search_keyword_case_sensitivity(trio: tuple[Target, str, list[dict[str, Any]]]) -> None:
    pc, prefix, _ = trio
    body: dict[str, Any] = {"filters": scoped(prefix), "search": {"value": "DRILL"}}
    assert search(pc, body) == []
    body["search"]["case_sensitive"] = False
    assert names(search(pc, body)) == ["Alpha drill", "Charlie drill"]
    assert names(search(pc, {"filters": scoped(prefix), "search": {"value": "orth"}})) == ["Alpha drill"]


def test_search_multi_field_sort(trio: tuple[Target, str, list[dict[str, Any]]]) -> None:
    pc, prefix, _ = trio
    body = {
        "filters": scoped(prefix),
        "sort": [{"field": "all_day", "direction": "asc"}, {"field": "starts", "direction": "desc"}],
    }
    assert names(search(pc, body)) == ["Charlie drill", "Alpha drill", "bravo Range"]


def test_search_date_period_scope(trio: tuple[Target, str, list[dict[str, Any]]]) -> None:
    pc, prefix, _ = trio
    body = {
        "scopes": [{"name": "datePeriod", "parameters": ["2023-11-10", "2023-11-30"]}],
        "filters": scoped(prefix),
    }
    assert names(search(pc, body)) == ["bravo Range"]


def test_search_tags_scope(pc: Target) -> None:
    require_clean_state(pc)  # it loads fixtures into the shared directory
    require_admin(pc)  # tags are loaded as fixtures
    state = {
        "events": [
            {**SEED_EVENT, "id": 501, "name": "tagged", "tags": [{"id": 1, "name": "training"}]},
            {**SEED_EVENT, "id": 502, "name": "untagged"},
        ]
    }
    assert pc.admin("POST", "/state", {"perscom": state}).status == 200
    found = search(pc, {"scopes": [{"name": "tags", "parameters": ["training"]}]}, include="tags")
    assert [(e["id"], e["tags"]) for e in found] == [(501, [{"id": 1, "name": "training"}])]


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        (
            {"filters": [{"field": "secret", "value": 1}]},
            "filters.0.field",
            "The secret field is not whitelisted.",
        ),
        ({"sort": [{"field": "password"}]}, "sort.0.field", "The password field is not whitelisted."),
        ({"filters": [{"field": "id", "operator": "~", "value": 1}]}, "filters.0.operator", None),
        ({"scopes": [{"name": "everything", "parameters": []}]}, "scopes.0", None),
    ],
    ids=["filter-field", "sort-field", "operator", "scope"],
)
def test_search_rejects_what_is_not_whitelisted(
    pc: Target, body: dict[str, Any], key: str, message: str | None
) -> None:
    failure = error(pc.request("POST", SEARCH, json_body=body), 422)
    assert failure["type"] == "ValidationException"
    assert any(k.startswith(key) for k in failure["errors"]), failure
    if message:
        assert failure["message"] == message


def test_search_nesting_deeper_than_one_level_is_422(pc: Target) -> None:
    body = {"filters": [{"nested": [{"nested": [{"field": "id", "value": 1}]}]}]}
    assert error(pc.request("POST", SEARCH, json_body=body), 422) == {
        "message": "Max nested depth 1 is exceeded",
        "type": "HttpException",
    }


def test_search_honours_trash_flags_and_paging(pc: Target) -> None:
    event = create(pc)
    ok(pc.request("DELETE", f"{EVENTS}/{event['id']}"))
    body = {"filters": [{"field": "id", "value": event["id"]}]}
    assert search(pc, body) == []
    assert [e["id"] for e in search(pc, body, with_trashed="true")] == [event["id"]]
    page = ok(pc.request("POST", SEARCH, json_body=body, params={"only_trashed": "true", "limit": 1}))
    assert page["meta"]["per_page"] == 1 and page["meta"]["total"] == 1


# --- version, auth, scopes --------------------------------------------------------------------


@pytest.mark.read_only
def test_unknown_version_is_400(pc: Target) -> None:
    assert error(pc.request("GET", "/v3/events"), 400) == {
        "message": "The provided API version is not valid. The currently available versions are: v1, v2",
        "type": "HttpException",
    }


def test_v1_and_v2_serve_the_same_events(pc: Target) -> None:
    event = create(pc)
    assert ok(pc.request("GET", f"/v1/events/{event['id']}"))["data"] == ok(get(pc, event["id"]))["data"]


@pytest.mark.parametrize("header", [None, "Bearer not-a-key"], ids=["missing", "unknown"])
@pytest.mark.read_only
def test_bad_credentials_are_401(pc: Target, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = pc.request("GET", EVENTS, headers=headers, auth=False)
    assert error(response, 401) == {
        "message": "You are not authenticated. Please provide a valid API key that contains your PERSCOM ID to continue.",
        "type": "AuthenticationException",
    }


@pytest.fixture
def view_only() -> Target:
    """The mock with a key that only has ``view:event`` (a real key: CONTRACTS_PERSCOM_VIEW_TOKEN)."""
    live = run_target("perscom")
    if live.live:
        token = suite_variable("perscom", "VIEW_TOKEN")
        if not token:
            pytest.skip("set CONTRACTS_PERSCOM_VIEW_TOKEN to a key with only view:event")
        return Target("perscom", live.base_url, token)
    from mockserver import create_app

    tokens = [{"token": "view-only", "scopes": ["view:event"]}, DEV_TOKEN]
    app = create_app({"strict": True, "log_requests": False, "tokens": tokens})
    return Target("perscom", "http://localhost/perscom", "view-only", app)


def test_scopes_are_enforced_per_action(view_only: Target) -> None:
    assert view_only.request("GET", EVENTS).status == 200
    assert view_only.request("POST", SEARCH, json_body={}).status == 200
    for method, path, body in (
        ("POST", EVENTS, SEED_EVENT),
        ("POST", BATCH, {"resources": [SEED_EVENT]}),
        ("PATCH", BATCH, {"resources": {"1": {"name": "x"}}}),
        ("PATCH", f"{EVENTS}/1", {"name": "x"}),
        ("DELETE", f"{EVENTS}/1", None),
        ("DELETE", BATCH, {"resources": [1]}),
    ):
        assert error(view_only.request(method, path, json_body=body), 403) == {
            "message": FORBIDDEN,
            "type": "HttpException",
        }, (method, path)
    assert ok(view_only.request("GET", EVENTS))["meta"]["total"] == 0 or view_only.live


# --- bad input never breaks the server --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("POST", EVENTS, "{bad json"),
        ("POST", EVENTS, "[]"),
        ("POST", BATCH, '{"resources": {}}'),
        ("PATCH", BATCH, '{"resources": []}'),
        ("DELETE", BATCH, '{"resources": ["x"]}'),
        ("POST", SEARCH, '{"filters": "name"}'),
        ("POST", SEARCH, '{"sort": [{"field": "id", "direction": "sideways"}]}'),
        ("PATCH", EVENTS + "/{event}", '{"starts": "not a date"}'),
    ],
)
def test_malformed_input_is_a_422(pc: Target, method: str, path: str, raw: str) -> None:
    event = create(pc)
    response = pc.request(
        method, path.format(event=event["id"]), data=raw, headers={"Content-Type": "application/json"}
    )
    assert error(response, 422)["type"] == "ValidationException"


def test_huge_values_are_handled(pc: Target) -> None:
    page = ok(pc.request("GET", EVENTS, params={"limit": 10**12, "page": 10**12}))
    assert page["data"] == []
    assert get(pc, 10**30).status == 404
    body = {"resources": {str(10**30): {"name": "x" * 255}}}
    assert ok(pc.request("PATCH", BATCH, json_body=body))["data"] == []
    assert error(pc.request("POST", EVENTS, json_body={**SEED_EVENT, "name": "x" * 256}), 422)["errors"] == {
        "name": ["The name field must not be greater than 255 characters."]
    }


# --- fidelity to Laravel / Orion (issue 12) ---------------------------------------------------


@pytest.mark.parametrize("value", ["1", "0", "true", "false", "yes", "no", "on", "off", "", "TRUE", "maybe"])
def test_trash_flags_are_read_as_php_filter_var_never_422(pc: Target, value: str) -> None:
    for flag in ("with_trashed", "only_trashed"):
        ok(pc.request("GET", EVENTS, params={flag: value}))


def test_with_trashed_1_shows_a_trashed_event(pc: Target) -> None:
    event = create(pc)
    ok(pc.request("DELETE", f"{EVENTS}/{event['id']}"))
    assert get(pc, event["id"]).status == 404
    shown = ok(get(pc, event["id"], with_trashed="1"))["data"]
    assert shown["id"] == event["id"] and shown["deleted_at"] is not None
    assert get(pc, event["id"], with_trashed="off").status == 404
    ok(pc.request("DELETE", f"{EVENTS}/{event['id']}", params={"force": "yes"}))
    assert get(pc, event["id"], with_trashed="1").status == 404


@pytest.mark.parametrize("body", [{}, {"resources": []}], ids=["no-resources", "empty-list"])
def test_batch_delete_without_ids_deletes_nothing(pc: Target, body: dict[str, Any]) -> None:
    assert ok(pc.request("DELETE", BATCH, json_body=body)) == {"data": []}


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_update_without_a_body_changes_nothing(pc: Target, method: str) -> None:
    event = create(pc)
    updated = ok(pc.request(method, f"{EVENTS}/{event['id']}"))["data"]
    assert {k: v for k, v in updated.items() if k != "updated_at"} == {
        k: v for k, v in event.items() if k != "updated_at"
    }


@pytest.mark.parametrize("include", ["", "author,", ",author", "author,nope,worse"])
def test_an_empty_or_unknown_include_item_is_422_under_include_once(pc: Target, include: str) -> None:
    found = error(pc.request("GET", EVENTS, params={"include": include}), 422)
    assert found["type"] == "ValidationException"
    assert list(found["errors"]) == ["include"] and len(found["errors"]["include"]) == 1
    assert found["errors"]["include"][0].endswith(" field is not whitelisted.")


def test_every_field_error_is_reported_at_once(pc: Target) -> None:
    body = {
        **SEED_EVENT,
        "name": unique("event"),
        "calendar_id": NO_SUCH_ID,
        "all_day": "sometimes",
        "ends": None,
    }
    found = error(pc.request("POST", EVENTS, json_body=body), 422)
    assert found["errors"]["calendar_id"] == ["The selected calendar id is invalid."]
    assert found["errors"]["all_day"] == ["The all day field must be true or false."]
    assert found["errors"]["ends"] == ["The ends field is required."]
    assert found["message"] == f"{next(iter(found['errors'].values()))[0]} (and 2 more errors)"


def test_head_answers_like_get_without_a_body(pc: Target) -> None:
    got = pc.request("GET", EVENTS)
    head = pc.request("HEAD", EVENTS)
    assert (head.status, head.text) == (got.status, "")
    assert head.headers.get("Content-Type") == got.headers.get("Content-Type")


# --- date-times (the core date-time policy, as Laravel's `date` rule reads them) ---------------


def test_a_leap_second_is_a_valid_date_stored_as_the_next_second(pc: Target) -> None:
    # PHP's date_parse takes second 60 and DateTime rolls it over; Laravel's `date` rule passes
    event = create(pc, starts="2016-12-31T23:59:60Z", ends="2017-01-01T01:00:00Z")
    assert event["starts"] == "2017-01-01T00:00:00.000000Z"


@pytest.mark.parametrize(
    "value", ["0000-06-01T00:00:00Z", "9999-12-31T23:00:00-01:00"], ids=["year-0", "past-9999"]
)
def test_a_date_no_record_can_hold_is_must_be_a_valid_date(pc: Target, value: str) -> None:
    # year 0000 fails PHP's checkdate, so Laravel's `date` rule refuses it; nothing is written
    name = unique("nodate")
    found = error(pc.request("POST", EVENTS, json_body={**SEED_EVENT, "name": name, "ends": value}), 422)
    assert found["errors"] == {"ends": ["The ends field must be a valid date."]}
    listed = pc.request("POST", SEARCH, json_body={"filters": [{"field": "name", "value": name}]})
    assert ok(listed)["data"] == []
