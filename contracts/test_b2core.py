"""B2Core calendar events: the schema-driven suite, the stateful workflow and the business rules.

Scenario requests are the seed's own curl examples (docs.b2core.b2broker.com, "Calendar
events"), host swapped for the target.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from schemathesis import Case

from contracts.harness import fresh_target, require_admin, require_clean_state, require_own_clock, unique
from contracts.suite import Suite, schema_test
from contracts.target import Response, Target

EVENTS = "/api/v2/calendars/events"
SEED_BODY = {
    "caption": "Name",
    "description": "Description",
    "startDate": "2022-01-01T00:00:00+00:00",
    "endDate": "2022-01-01T00:00:00+00:00",
    "notifications": ["PT2H"],
    "recipients": ["user@example.com"],
}
# The seed's list example, query string as sent by curl -g.
SEED_LIST_QUERY = {
    "limit": "10",
    "offset": "0",
    "sort_order": "desc",
    "sort_by": "startTime",
    "filter[startDate]": "2022-01-01T00:00:00+00:00",
    "filter[endDate]": "2022-01-01T00:00:00+00:00",
    "filter[recipients]": "user@example.com",
    "filter[name]": "Name",
    "filter[description]": "Description",
}
JA = {"accept-language": "ja"}
INVALID_EN = "The given data was invalid."
INVALID_JA = "入力内容に誤りがあります。"
END_BEFORE_START_EN = "The endDate must not be before the startDate."
NOT_FOUND_EN = "The calendar event was not found."
NOT_FOUND_JA = "カレンダーイベントが見つかりません。"

# The endDate-before-startDate rule is a reviewed exception in contracts/false_positives.yaml.
@schema_test("b2core")
def test_schema(case: Case[Any], suite: Suite) -> None:
    suite.check(case)


def test_workflow(suite: Suite) -> None:
    suite.run_workflow()


# --- scenarios ------------------------------------------------------------------------------


@pytest.fixture
def b2() -> Iterator[Target]:
    target = fresh_target("b2core")
    yield target
    if target.resettable:  # only a target the run owns has its clock moved
        target.admin("DELETE", "/clock")


def event_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(SEED_BODY))
    body.update(changes)
    return body


def create(target: Target, **changes: Any) -> dict[str, Any]:
    response = target.request("POST", EVENTS, json_body=event_body(**changes), headers=JA)
    assert response.status == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def listing(target: Target, **query: str) -> list[dict[str, Any]]:
    response = target.request("GET", EVENTS, params=query)
    assert response.status == 200, response.text
    events: list[dict[str, Any]] = response.json()
    return events


def ids(events: list[dict[str, Any]], among: list[dict[str, Any]] | None = None) -> list[int]:
    """Event ids in order; with ``among``, only those created by the test (live vendors)."""
    wanted = None if among is None else {e["id"] for e in among}
    return [e["id"] for e in events if wanted is None or e["id"] in wanted]


def invalid(response: Response, field: str, message: str = INVALID_EN) -> list[str]:
    assert response.status == 400, response.text
    body = response.json()
    assert body["message"] == message
    assert field in body["errors"], body
    problems: list[str] = body["errors"][field]
    return problems


def path(event: dict[str, Any] | int) -> str:
    return f"{EVENTS}/{event if isinstance(event, int) else event['id']}"


# The seed's examples, one by one ----------------------------------------------------------


def test_seed_create_returns_201_with_the_event(b2: Target) -> None:
    response = b2.request("POST", EVENTS, json_body=SEED_BODY, headers=JA)
    assert response.status == 201, response.text
    event = response.json()
    assert {k: event[k] for k in SEED_BODY} == SEED_BODY
    assert isinstance(event["id"], int) and event["id"] >= 1
    assert event["createTime"] == event["updateTime"]
    if b2.resettable:
        assert event["id"] == 1  # the first event after a reset


def test_seed_get_put_delete_on_the_created_event(b2: Target) -> None:
    event = create(b2)
    got = b2.request("GET", path(event), headers=JA)
    assert got.status == 200 and got.json() == event
    put = b2.request("PUT", path(event), json_body=SEED_BODY, headers=JA)
    assert put.status == 200, put.text
    assert {k: put.json()[k] for k in SEED_BODY} == SEED_BODY
    deleted = b2.request("DELETE", path(event))
    assert deleted.status == 204 and deleted.text == ""
    gone = b2.request("GET", path(event), headers=JA)
    assert gone.status == 404 and gone.json() == {"message": NOT_FOUND_JA}


def test_seed_list_returns_exactly_the_matching_events_in_order(b2: Target) -> None:
    require_clean_state(b2)
    tag = unique("t")
    # Matching: start == end == 2022-01-01T00:00:00Z (the filter window is that one instant).
    match_a = create(b2, caption=f"Name {tag}", description="The Description")
    match_b = create(
        b2,
        caption=f"my name {tag}",  # name/description filters are case-insensitive substrings
        description="DESCRIPTION here",
        startDate="2022-01-01T09:00:00+09:00",  # the same instant, another offset
        endDate="2021-12-31T19:00:00-05:00",
        recipients=["other@example.com", "USER@example.com"],
    )
    match_c = create(b2, caption=f"Name {tag} c")
    # Not matching, one filter each.
    misses = [
        create(b2, startDate="2021-12-31T23:59:59+00:00"),  # starts before filter[startDate]
        create(b2, endDate="2022-01-01T00:00:01+00:00"),  # ends after filter[endDate]
        create(b2, recipients=["someone@example.com"]),
        create(b2, recipients=[]),
        create(b2, caption=f"Title {tag}"),
        create(b2, description="Notes"),
    ]
    created = [match_a, match_b, match_c, *misses]
    response = b2.request("GET", EVENTS, params=SEED_LIST_QUERY, headers=JA)
    assert response.status == 200, response.text
    found = response.json()
    expected = [match_a["id"], match_b["id"], match_c["id"]]  # equal starts: ascending id
    assert ids(found, created) == expected
    if b2.has_admin():
        assert found == [match_a, match_b, match_c]


# Filtering ----------------------------------------------------------------------------------


def test_each_filter_narrows_the_list(b2: Target) -> None:
    require_clean_state(b2)
    require_admin(b2)
    jan = create(
        b2,
        caption="Quarterly review",
        description="Budget talk",
        startDate="2022-01-10T10:00:00Z",
        endDate="2022-01-10T11:00:00Z",
        recipients=["a@example.com", "b@example.com"],
    )
    feb = create(
        b2,
        caption="Team lunch",
        description="Pizza",
        startDate="2022-02-10T12:00:00Z",
        endDate="2022-02-10T13:00:00Z",
        recipients=["c@example.com"],
    )
    mar = create(
        b2,
        caption="Review of Q1",
        description="",
        startDate="2022-03-01T09:00:00Z",
        endDate="2022-03-02T09:00:00Z",
        recipients=["B@Example.com"],
    )
    assert ids(listing(b2)) == [jan["id"], feb["id"], mar["id"]]
    assert ids(listing(b2, **{"filter[startDate]": "2022-02-10T12:00:00Z"})) == [feb["id"], mar["id"]]
    assert ids(listing(b2, **{"filter[endDate]": "2022-02-10T14:00:00+01:00"})) == [jan["id"], feb["id"]]
    window = {"filter[startDate]": "2022-01-10T10:00:00Z", "filter[endDate]": "2022-02-28T00:00:00Z"}
    assert ids(listing(b2, **window)) == [jan["id"], feb["id"]]
    assert ids(listing(b2, **{"filter[recipients]": "b@example.com"})) == [jan["id"], mar["id"]]
    assert ids(listing(b2, **{"filter[recipients]": "c@example.com, a@example.com"})) == [
        jan["id"],
        feb["id"],
    ]
    assert ids(listing(b2, **{"filter[name]": "REVIEW"})) == [jan["id"], mar["id"]]
    assert ids(listing(b2, **{"filter[description]": "pizz"})) == [feb["id"]]
    assert listing(b2, **{"filter[name]": "nothing like it"}) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("startDate", "yesterday"),
        ("endDate", "2022-13-01T00:00:00+00:00"),
        ("startDate", "2022-01-01T00:00:00"),
        ("recipients", "not-an-email"),
        ("recipients", "a@example.com,,b@example.com"),
    ],
    ids=["start-word", "end-month-13", "start-no-offset", "recipients-no-at", "recipients-empty-item"],
)
@pytest.mark.read_only
def test_malformed_filter_value_is_400(b2: Target, key: str, value: str) -> None:
    response = b2.request("GET", EVENTS, params={f"filter[{key}]": value})
    assert len(invalid(response, f"filter[{key}]")) == 1


@pytest.mark.read_only
def test_unknown_filter_is_400(b2: Target) -> None:
    response = b2.request("GET", EVENTS, params={"filter[caption]": "Name"})
    assert invalid(response, "filter") == ["The filter field does not accept: caption."]


# Sorting ------------------------------------------------------------------------------------


def test_sort_fields_and_orders(b2: Target) -> None:
    require_clean_state(b2)
    b2.admin("PUT", "/clock", {"now": "2023-05-01T00:00:00Z"})
    late = create(b2, caption="beta", startDate="2022-03-01T00:00:00Z", endDate="2022-03-05T00:00:00Z")
    b2.admin("PUT", "/clock", {"advance_seconds": 60})
    early = create(b2, caption="Alpha", startDate="2022-01-01T00:00:00Z", endDate="2022-04-01T00:00:00Z")
    b2.admin("PUT", "/clock", {"advance_seconds": 60})
    middle = create(
        b2, caption="gamma", startDate="2022-02-01T09:00:00+09:00", endDate="2022-02-02T00:00:00Z"
    )
    in_start_order = [early["id"], middle["id"], late["id"]]
    assert ids(listing(b2, sort_by="startTime")) == in_start_order
    assert ids(listing(b2, sort_by="startTime", sort_order="desc")) == in_start_order[::-1]
    assert ids(listing(b2, sort_by="startDate", sort_order="desc")) == in_start_order[::-1]
    assert ids(listing(b2, sort_by="endDate")) == [middle["id"], late["id"], early["id"]]
    assert ids(listing(b2, sort_by="caption")) == [early["id"], late["id"], middle["id"]]
    assert ids(listing(b2, sort_by="createTime", sort_order="desc")) == [
        middle["id"],
        early["id"],
        late["id"],
    ]
    assert ids(listing(b2, sort_by="id", sort_order="desc")) == [middle["id"], early["id"], late["id"]]
    assert ids(listing(b2)) == [late["id"], early["id"], middle["id"]]  # default: id asc


# Paging -------------------------------------------------------------------------------------


def test_limit_and_offset_page_through_the_events(b2: Target) -> None:
    require_clean_state(b2)
    require_admin(b2)
    made = [create(b2, caption=f"Event {n:02}")["id"] for n in range(12)]
    assert ids(listing(b2)) == made[:10]  # limit defaults to 10
    assert ids(listing(b2, limit="5", offset="0")) == made[:5]
    assert ids(listing(b2, limit="5", offset="5")) == made[5:10]
    assert ids(listing(b2, limit="5", offset="10")) == made[10:]
    assert listing(b2, limit="5", offset="12") == []
    assert ids(listing(b2, limit="100")) == made
    assert ids(listing(b2, limit="3", offset="1", sort_by="id", sort_order="desc")) == made[::-1][1:4]


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ({"sort_by": "title"}, "sort_by", "The selected sort_by is invalid."),
        ({"sort_by": "starttime"}, "sort_by", "The selected sort_by is invalid."),
        ({"sort_order": "DESC"}, "sort_order", "The selected sort_order is invalid."),
        ({"sort_order": "descending"}, "sort_order", "The selected sort_order is invalid."),
        ({"limit": "0"}, "limit", ""),
        ({"limit": "101"}, "limit", ""),
        ({"offset": "-1"}, "offset", ""),
        ({"limit": "ten"}, "limit", ""),
    ],
    ids=[
        "sort-unknown-field",
        "sort-wrong-case-field",
        "sort-upper-case-order",
        "sort-long-order",
        "limit-0",
        "limit-101",
        "offset-negative",
        "limit-word",
    ],
)
@pytest.mark.read_only
def test_a_bad_sort_or_page_is_400(b2: Target, query: dict[str, str], field: str, says: str) -> None:
    [problem] = invalid(b2.request("GET", EVENTS, params=query), field)
    assert problem.startswith(says)


# Partial update (PUT and PATCH alike) -------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_changes_only_the_fields_sent(b2: Target, method: str) -> None:
    event = create(b2)
    response = b2.request(method, path(event), json_body={"caption": "Renamed"}, headers=JA)
    assert response.status == 200, response.text
    updated = response.json()
    assert updated == {**event, "caption": "Renamed", "updateTime": updated["updateTime"]}
    response = b2.request(method, path(event), json_body={"recipients": ["x@example.com", "y@example.com"]})
    assert response.json()["caption"] == "Renamed"
    assert response.json()["recipients"] == ["x@example.com", "y@example.com"]
    assert b2.request("GET", path(event)).json() == response.json()


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_with_an_empty_body_changes_nothing(b2: Target, method: str) -> None:
    event = create(b2)
    response = b2.request(method, path(event), json_body={})
    assert response.status == 200
    assert {k: v for k, v in response.json().items() if k != "updateTime"} == {
        k: v for k, v in event.items() if k != "updateTime"
    }


def test_update_moves_update_time_not_create_time(b2: Target) -> None:
    require_own_clock(b2)
    b2.admin("PUT", "/clock", {"now": "2024-01-01T00:00:00Z"})
    event = create(b2)
    assert event["createTime"] == event["updateTime"] == "2024-01-01T00:00:00+00:00"
    b2.admin("PUT", "/clock", {"advance_seconds": 3600})
    updated = b2.request("PATCH", path(event), json_body={"description": "Moved"}).json()
    assert updated["createTime"] == "2024-01-01T00:00:00+00:00"
    assert updated["updateTime"] == "2024-01-01T01:00:00+00:00"


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_checks_date_order_on_the_merged_event(b2: Target, method: str) -> None:
    event = create(b2, startDate="2022-01-01T10:00:00Z", endDate="2022-01-01T12:00:00Z")
    response = b2.request(method, path(event), json_body={"startDate": "2022-01-01T12:00:01Z"})
    assert invalid(response, "endDate") == [END_BEFORE_START_EN]
    assert b2.request("GET", path(event)).json() == event  # nothing changed
    moved = b2.request(method, path(event), json_body={"startDate": "2022-01-01T12:00:00Z"})
    assert moved.status == 200 and moved.json()["startDate"] == "2022-01-01T12:00:00Z"


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_unknown_event_is_404(b2: Target, method: str) -> None:
    # An event this run created and deleted: unknown to the target, and safe to write to on a
    # shared staging deployment (the harness refuses ids the run did not create).
    gone = create(b2)
    assert b2.request("DELETE", path(gone)).status == 204
    body: dict[str, Any] | None = {} if method in ("PUT", "PATCH") else None
    response = b2.request(method, path(gone), json_body=body)
    assert response.status == 404 and response.json() == {"message": NOT_FOUND_EN}


# Delete -------------------------------------------------------------------------------------


def test_delete_removes_the_event_for_good(b2: Target) -> None:
    keep, drop = create(b2), create(b2)
    response = b2.request("DELETE", path(drop))
    assert response.status == 204 and response.text == ""
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        body = {"caption": "Back"} if method in ("PUT", "PATCH") else None
        assert b2.request(method, path(drop), json_body=body).status == 404
    assert b2.request("GET", path(keep)).status == 200
    listed = ids(listing(b2, limit="100"))
    assert drop["id"] not in listed and keep["id"] in listed
    assert create(b2)["id"] not in (keep["id"], drop["id"])  # ids are never reused


# Validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["caption", "startDate", "endDate"])
def test_create_requires_caption_and_dates(b2: Target, field: str) -> None:
    body = event_body()
    del body[field]
    response = b2.request("POST", EVENTS, json_body=body)
    assert invalid(response, field) == [f"The {field} field is required."]


def test_create_needs_only_caption_and_dates(b2: Target) -> None:
    body = {k: SEED_BODY[k] for k in ("caption", "startDate", "endDate")}
    response = b2.request("POST", EVENTS, json_body={**body, "unknownKey": 1})
    assert response.status == 201, response.text
    event = response.json()
    assert event["description"] is None
    assert event["notifications"] == [] and event["recipients"] == []
    assert "unknownKey" not in event


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2022-01-01T10:00:00+00:00", "2022-01-01T09:59:59+00:00"),
        ("2022-01-01T10:00:00+00:00", "2022-01-01T18:00:00+09:00"),  # 09:00Z
    ],
    ids=["end-before-start", "end-before-start-after-offset"],
)
def test_end_before_start_is_400(b2: Target, start: str, end: str) -> None:
    response = b2.request("POST", EVENTS, json_body=event_body(startDate=start, endDate=end))
    assert invalid(response, "endDate") == [END_BEFORE_START_EN]
    ja = b2.request("POST", EVENTS, json_body=event_body(startDate=start, endDate=end), headers=JA)
    assert invalid(ja, "endDate", INVALID_JA) == ["endDate には startDate 以降の日時を指定してください。"]


def test_end_equal_to_start_as_an_instant_is_fine(b2: Target) -> None:
    event = create(b2, startDate="2022-01-01T10:00:00+00:00", endDate="2022-01-01T19:00:00+09:00")
    assert event["endDate"] == "2022-01-01T19:00:00+09:00"  # stored as sent


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"caption": ""}, "caption"),
        ({"caption": 5}, "caption"),
        ({"startDate": "01/01/2022 10:00"}, "startDate"),
        ({"endDate": "2022-01-01T25:00:00+00:00"}, "endDate"),
        ({"notifications": ["2 hours"]}, "notifications.0"),
        ({"notifications": "PT2H"}, "notifications"),
        ({"recipients": ["not-an-email"]}, "recipients.0"),
        ({"description": "x" * 2001}, "description"),
    ],
    ids=[
        "caption-empty",
        "caption-number",
        "start-not-iso",
        "end-hour-25",
        "notification-not-duration",
        "notifications-not-array",
        "recipient-not-email",
        "description-too-long",
    ],
)
def test_malformed_fields_are_400(b2: Target, changes: dict[str, Any], field: str) -> None:
    response = b2.request("POST", EVENTS, json_body=event_body(**changes))
    assert len(invalid(response, field)) == 1
    assert set(response.json()["errors"]) == {field}


@pytest.mark.parametrize(
    "body",
    ['{"caption": ', "[]", '"text"', "null", "NaN"],
    ids=["truncated", "array", "string", "null", "nan"],
)
def test_malformed_or_non_object_body_is_400(b2: Target, body: str) -> None:
    response = b2.request("POST", EVENTS, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400, response.text
    assert response.json()["message"] == INVALID_EN


@pytest.mark.parametrize("event_id", ["abc", "0", "-1", "1.5"])
def test_malformed_event_id_is_400(b2: Target, event_id: str) -> None:
    response = b2.request("GET", f"{EVENTS}/{event_id}")
    assert len(invalid(response, "eventId")) == 1


# Language selection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "japanese"),
    [
        ("ja", True),
        ("JA", True),
        ("ja-JP", True),
        ("en;q=0.4, ja;q=0.9", True),
        ("fr, ja;q=0.5", True),
        ("ja;q=0, en", False),
        ("de", False),
        ("en-US", False),
        (None, False),
    ],
    ids=[
        "ja",
        "upper-case",
        "region",
        "q-values",
        "unsupported-first",
        "q-zero",
        "unknown",
        "english",
        "none",
    ],
)
def test_accept_language_selects_the_error_language(b2: Target, header: str | None, japanese: bool) -> None:
    headers = {"Accept-Language": header} if header else {}
    bad = b2.request("POST", EVENTS, json_body=event_body(caption=None), headers=headers)
    expected = (
        "caption には文字列を指定してください。" if japanese else "The caption field must be of type string."
    )
    assert invalid(bad, "caption", INVALID_JA if japanese else INVALID_EN) == [expected]
    missing = b2.request("GET", path(2_000_000_000), headers=headers)
    assert missing.json() == {"message": NOT_FOUND_JA if japanese else NOT_FOUND_EN}
    anonymous = b2.request("GET", EVENTS, headers=headers, auth=False)
    assert anonymous.status == 401
    assert anonymous.json() == {"message": "認証されていません。" if japanese else "Unauthenticated."}


def test_language_does_not_change_success_bodies(b2: Target) -> None:
    event = create(b2)
    assert b2.request("GET", path(event), headers=JA).json() == b2.request("GET", path(event)).json()


# Auth and routing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "Bearer not-a-token", "Basic ZGV2OmRldg==", "Bearer "],
    ids=["missing", "unknown", "basic", "empty"],
)
def test_bad_credentials_are_401(b2: Target, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = b2.request("POST", EVENTS, json_body=SEED_BODY, headers=headers, auth=False)
    assert response.status == 401 and response.json() == {"message": "Unauthenticated."}
    if b2.resettable:
        assert b2.state()["events"] == []


def test_undocumented_method_is_405_with_allow(b2: Target) -> None:
    response = b2.request("POST", path(1), json_body=SEED_BODY)
    assert response.status == 405
    assert set(response.headers.get("Allow", "").replace(" ", "").split(",")) >= {
        "GET",
        "PUT",
        "PATCH",
        "DELETE",
    }
    assert set(response.json()) == {"message"}


@pytest.mark.read_only
def test_unknown_path_is_a_vendor_404(b2: Target) -> None:
    response = b2.request("GET", "/api/v2/calendars/nothing-here", headers=JA)
    assert response.status == 404 and set(response.json()) == {"message"}


def test_head_answers_like_get_without_a_body(b2: Target) -> None:
    got = b2.request("GET", EVENTS)
    head = b2.request("HEAD", EVENTS)
    assert (head.status, head.text) == (got.status, "")
    assert head.headers.get("Content-Type") == got.headers.get("Content-Type")
    assert "HEAD" in b2.request("PATCH", EVENTS, json_body={}).headers.get("Allow", "")
