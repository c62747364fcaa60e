"""12Twenty: the schema-driven suite and one scenario per business rule of the batch API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from schemathesis import Case

from contracts.harness import fresh_target, require_admin, require_clean_state, require_own_clock, unique
from contracts.options import suite_variable
from contracts.suite import Suite, schema_test
from contracts.target import Target

BATCH = "/api/v2/calendar-events/batch"
TOKEN_PATH = "/api/client/generateAuthenticationToken"
API_KEY = suite_variable("twelvetwenty", "API_KEY")
NO_CACHE = {"cache-control": "no-cache", "pragma": "no-cache", "expires": "-1"}
# Two students; against a real sandbox, set them to two students of that school.
STUDENT = int(suite_variable("twelvetwenty", "USER"))
OTHER_STUDENT = int(suite_variable("twelvetwenty", "OTHER_USER"))

@schema_test("twelvetwenty")
def test_schema(case: Case[Any], suite: Suite) -> None:
    suite.check(case)


@pytest.fixture
def tt() -> Target:
    return fresh_target("twelvetwenty")


def event(external_id: str, user: int = STUDENT, **changes: Any) -> dict[str, Any]:
    item = {
        "ExternalId": external_id,
        "UserId": user,
        "TypeId": 1,
        "StartTime": "2018-06-10T20:00:00Z",
        "EndTime": "2018-06-10T22:00:00Z",
        "Title": "Course FMAR2: Fin. Meas., Analysis & Rept. 2",
    }
    item.update(changes)
    return item


def put(target: Target, items: Any) -> list[dict[str, Any]]:
    response = target.request("PUT", BATCH, json_body=items)
    assert response.status == 200, response.text
    assert {k.lower(): v for k, v in response.headers.items()}.items() >= NO_CACHE.items()
    results: list[dict[str, Any]] = response.json()
    return results


def stored(target: Target) -> dict[str, dict[str, Any]]:
    return {e["ExternalId"]: e for e in target.state()["events"]}


def test_seed_request_gets_one_success_per_item_in_order(tt: Target) -> None:
    ids = [unique("xyz"), unique("xyz")]
    results = put(tt, [event(ids[0]), event(ids[1], Title="Course FMARX: Misc")])
    assert [r["ExternalId"] for r in results] == ids
    assert all(r["IsSuccessful"] is True and r["ErrorMessage"] is None for r in results)
    assert all(isinstance(r["Id"], int) for r in results) and results[0]["Id"] != results[1]["Id"]


def test_update_keeps_the_id_and_changes_the_event(tt: Target) -> None:
    external_id = unique("upd")
    first = put(tt, [event(external_id)])[0]
    second = put(tt, [event(external_id, Title="Renamed", TypeId=3)])[0]
    assert second["Id"] == first["Id"]
    if tt.has_admin():
        assert stored(tt)[external_id]["Title"] == "Renamed"
        assert stored(tt)[external_id]["TypeId"] == 3


def test_another_students_event_is_not_updated(tt: Target) -> None:
    ids = [unique("own"), unique("own")]
    put(tt, [event(i) for i in ids])
    before = tt.state() if tt.has_admin() else None
    results = put(tt, [event(i, user=OTHER_STUDENT, Title="Hijack") for i in ids])
    assert results == [
        {
            "ExternalId": i,
            "ErrorMessage": f"Event '{i}' is owned by another student ({STUDENT}).",
            "IsSuccessful": False,
        }
        for i in ids
    ]
    if before is not None:
        assert tt.state() == before


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2018-06-10T22:00:00Z", "2018-06-10T20:00:00Z"),
        ("2018-06-10T20:00:00Z", "2018-06-10T20:00:00Z"),
        ("2018-06-10T20:00:00Z", "2018-06-10T21:59:59+02:00"),
    ],
    ids=["end-before-start", "end-equals-start", "end-before-start-after-offset"],
)
def test_end_must_be_after_start(tt: Target, start: str, end: str) -> None:
    external_id = unique("time")
    results = put(tt, [event(external_id, StartTime=start, EndTime=end)])
    assert results == [
        {"ExternalId": external_id, "ErrorMessage": "StartTime must be before EndTime", "IsSuccessful": False}
    ]


def test_one_bad_item_means_nothing_is_written(tt: Target) -> None:
    good, bad = unique("good"), unique("bad")
    results = put(tt, [event(good), event(bad, TypeId=4)])
    assert results == [{"ExternalId": bad, "ErrorMessage": "TypeId must be 1, 2 or 3", "IsSuccessful": False}]
    # Observable on any deployment: had `good` been written, another student could not take it.
    retry = put(tt, [event(good, user=OTHER_STUDENT)])
    assert retry[0]["IsSuccessful"] is True, retry
    if tt.has_admin():
        assert stored(tt)[good]["UserId"] == OTHER_STUDENT


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ExternalId": None}, "ExternalId must be a non-empty string of at most 256 characters"),
        ({"UserId": "124"}, "UserId must be a 64-bit integer"),
        ({"UserId": 0}, "UserId must be a positive 64-bit integer"),
        ({"TypeId": 0}, "TypeId must be 1, 2 or 3"),
        (
            {"StartTime": "10/06/2018 20:00"},
            "StartTime must be an ISO 8601 date/time, e.g. 2018-06-10T20:00:00Z",
        ),
        (
            {"EndTime": "2018-06-10T25:00:00Z"},
            "EndTime must be an ISO 8601 date/time, e.g. 2018-06-10T20:00:00Z",
        ),
        ({"Title": ""}, "Title must be a non-empty string of at most 1024 characters"),
    ],
    ids=[
        "external-id-null",
        "user-id-string",
        "user-id-zero",
        "type-id-0",
        "start-not-iso",
        "end-hour-25",
        "title-empty",
    ],
)
def test_malformed_fields_are_per_item_errors(tt: Target, changes: dict[str, Any], message: str) -> None:
    item = event(unique("bad"), **changes)
    [result] = put(tt, [item])
    assert result["IsSuccessful"] is False and "Id" not in result
    assert result["ErrorMessage"] == message


@pytest.mark.parametrize("field", ["ExternalId", "UserId", "TypeId", "StartTime", "EndTime", "Title"])
def test_missing_fields_are_per_item_errors(tt: Target, field: str) -> None:
    item = event(unique("miss"))
    del item[field]
    [result] = put(tt, [item])
    assert result["IsSuccessful"] is False
    assert result["ErrorMessage"] == f"{field} is required"


def test_more_than_1000_items_is_a_400_and_nothing_is_written(tt: Target) -> None:
    prefix = unique("big")
    response = tt.request("PUT", BATCH, json_body=[event(f"{prefix}-{n}") for n in range(1001)])
    assert response.status == 400
    # ASP.NET's one line, not the request echoed back (it was 144 KB)
    assert response.json() == {"Message": "Maximum of 1000 calendar events per batch."}
    if tt.has_admin():
        assert not [x for x in stored(tt) if x.startswith(prefix)]


def test_exactly_1000_items_are_accepted(tt: Target) -> None:
    prefix = unique("full")
    results = put(tt, [event(f"{prefix}-{n}") for n in range(1000)])
    assert len(results) == 1000 and all(r["IsSuccessful"] for r in results)
    assert len({r["Id"] for r in results}) == 1000


def test_empty_batch_is_ok(tt: Target) -> None:
    assert put(tt, []) == []


@pytest.mark.parametrize(
    "body",
    ['[{"ExternalId": ', '{"ExternalId": "x"}', '"text"', "null", "NaN"],
    ids=["truncated", "object", "string", "null", "nan"],
)
def test_malformed_or_non_array_body_is_a_400(tt: Target, body: str) -> None:
    response = tt.request("PUT", BATCH, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400, response.text
    assert isinstance(response.json()["Message"], str)


def test_duplicate_external_id_in_one_batch_last_wins(tt: Target) -> None:
    external_id = unique("dup")
    results = put(tt, [event(external_id, Title="first"), event(external_id, Title="last")])
    assert [r["IsSuccessful"] for r in results] == [True, True]
    assert results[0]["Id"] == results[1]["Id"]
    if tt.has_admin():
        assert stored(tt)[external_id]["Title"] == "last"


def test_times_are_stored_in_utc(tt: Target) -> None:
    require_admin(tt)
    external_id = unique("tz")
    put(tt, [event(external_id, StartTime="2018-06-10T22:00:00+02:00", EndTime="2018-06-10T23:30:00+02:00")])
    assert stored(tt)[external_id]["StartTime"] == "2018-06-10T20:00:00Z"
    assert stored(tt)[external_id]["EndTime"] == "2018-06-10T21:30:00Z"


def test_unknown_student_when_a_directory_is_loaded(tt: Target) -> None:
    require_clean_state(tt)  # it loads fixtures into the shared directory
    require_admin(tt)
    assert tt.admin("POST", "/state", {"twelvetwenty": {"users": [STUDENT]}}).status == 200
    [result] = put(tt, [event(unique("stranger"), user=777)])
    assert result["ErrorMessage"] == "User 777 not found."


@pytest.mark.parametrize(
    "header",
    [None, "Bearer not-a-token", "Basic ZGV2OmRldg==", "Bearer "],
    ids=["missing", "unknown", "basic", "empty"],
)
def test_bad_credentials_are_401(tt: Target, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = tt.request("PUT", BATCH, json_body=[], headers=headers, auth=False)
    assert response.status == 401
    assert response.json() == {"Message": "Authorization has been denied for this request."}


def test_api_key_buys_a_token_that_works(tt: Target) -> None:
    response = tt.request("GET", TOKEN_PATH, params={"key": API_KEY}, auth=False)
    assert response.status == 200
    token = response.text.strip()
    assert token and put_with(tt, token).status == 200


def put_with(target: Target, token: str) -> Any:
    return target.request("PUT", BATCH, json_body=[], token=token)


def test_wrong_api_key_is_401(tt: Target) -> None:
    response = tt.request("GET", TOKEN_PATH, params={"key": "wrong-key"}, auth=False)
    assert response.status == 401


def test_missing_api_key_is_400(tt: Target) -> None:
    assert tt.request("GET", TOKEN_PATH, auth=False).status == 400


def test_token_expires_after_24_hours(tt: Target) -> None:
    require_own_clock(tt)
    token = tt.request("GET", TOKEN_PATH, params={"key": API_KEY}, auth=False).text
    try:
        tt.admin("PUT", "/clock", {"advance_seconds": 24 * 3600 - 5})
        assert put_with(tt, token).status == 200
        tt.admin("PUT", "/clock", {"advance_seconds": 10})
        assert put_with(tt, token).status == 401
    finally:
        tt.admin("DELETE", "/clock")


def test_undocumented_method_is_405_with_allow(tt: Target) -> None:
    response = tt.request("POST", BATCH, json_body=[])
    assert response.status == 405
    assert response.headers.get("Allow") == "PUT"
    assert response.json() == {"Message": "The requested resource does not support http method 'POST'."}


@pytest.mark.read_only
def test_unknown_path_is_a_vendor_404(tt: Target) -> None:
    response = tt.request("GET", "/api/v2/no-such-thing")
    assert response.status == 404
    assert set(response.json()) == {"Message"}


# --- fidelity to ASP.NET Web API (issue 12) ---------------------------------------------------


def test_a_body_indented_with_non_breaking_spaces_is_accepted(tt: Target) -> None:
    """The seed's example request, copied from the vendor's page, is indented with U+00A0."""
    item = event(unique("nbsp"), Title="keeps\u00a0its own\u00a0spaces")
    text = json.dumps([item], indent=2, ensure_ascii=False).replace("  ", "\u00a0\u00a0")
    response = tt.request(
        "PUT", BATCH, data=text.encode(), headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status == 200, response.text
    [result] = response.json()
    assert result["IsSuccessful"] is True and result["ExternalId"] == item["ExternalId"]


def test_a_non_array_body_is_asp_net_model_state_without_validator_text(tt: Target) -> None:
    response = tt.request("PUT", BATCH, json_body={"ExternalId": "a" * 5000})
    assert response.status == 400
    body = response.json()
    assert body["Message"] == "The request is invalid."
    assert "aaaa" not in response.text and "is not of type" not in response.text
    assert all(isinstance(m, str) for m in body["ModelState"]["events"])


def test_head_on_a_put_only_route_is_405_with_allow(tt: Target) -> None:
    response = tt.request("HEAD", BATCH)
    assert response.status == 405
    assert response.headers.get("Allow") == "PUT"


def test_head_answers_like_get_without_a_body(tt: Target) -> None:
    response = tt.request("HEAD", TOKEN_PATH, params={"key": "wrong-key"}, auth=False)
    got = tt.request("GET", TOKEN_PATH, params={"key": "wrong-key"}, auth=False)
    assert (response.status, response.text) == (got.status, "") == (401, "")
    assert response.headers.get("Content-Type") == got.headers.get("Content-Type")
