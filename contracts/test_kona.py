"""Kona calendar events: the schema-driven suite (stateless + stateful) and one scenario per rule.

Seed: shared/seeds/003 (sections/calendar_events.md); notes: shared/api-notes/kona.md. Dates in the
scenarios are literal (2016-2017, in UTC) so the expected epoch milliseconds can be read off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from schemathesis import Case

from contracts.harness import fresh_target, require_admin, require_clean_state, require_own_clock, unique
from contracts.options import suite_variable
from contracts.suite import Suite, schema_test
from contracts.target import Response, Target

EVENTS = "/api/calendar_events"
TOKEN = "/oauth/token"
USERINFO = "/api/userinfo"
CLIENT_ID = suite_variable("kona", "CLIENT_ID")
CLIENT_SECRET = suite_variable("kona", "CLIENT_SECRET")
SPACE = int(suite_variable("kona", "SPACE"))
PROBLEM_KEYS = {"problemType", "title", "details"}

# Kona's 422 business rules are a reviewed exception in contracts/false_positives.yaml.
def with_client_credentials(case: Case[Any]) -> None:
    """The token request's documented example client is the mock's; a real target's is set with
    CONTRACTS_KONA_CLIENT_ID / CONTRACTS_KONA_CLIENT_SECRET."""
    query = case.query or {}
    for name, value, documented in (
        ("client_id", CLIENT_ID, "dev-client"),
        ("client_secret", CLIENT_SECRET, "dev-secret"),
    ):
        if query.get(name) == documented:
            query[name] = value


@schema_test("kona", prepare=with_client_credentials)
def test_schema(case: Case[Any], suite: Suite) -> None:
    suite.check(case)


def test_workflow(suite: Suite) -> None:
    suite.run_workflow()


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def kona() -> Target:
    return fresh_target("kona")


def ms(text: str) -> int:
    """Epoch milliseconds of a UTC ``YYYY-MM-DD HH:MM`` literal."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp() * 1000)


def create(target: Target, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", unique("event"))
    response = target.request("POST", EVENTS, json_body={"calendar_events": [fields]})
    assert response.status == 201, response.text
    [event] = response.json()["calendar_events"]
    assert isinstance(event, dict)
    return event


def update(target: Target, event_id: int, **fields: Any) -> dict[str, Any]:
    response = target.request("PUT", f"{EVENTS}/{event_id}", json_body={"calendar_events": [fields]})
    assert response.status == 200, response.text
    [event] = response.json()["calendar_events"]
    assert isinstance(event, dict)
    return event


def get(target: Target, event_id: int, **params: Any) -> Response:
    return target.request("GET", f"{EVENTS}/{event_id}", params=params or None)


def listed(target: Target, **params: Any) -> list[dict[str, Any]]:
    response = target.request("GET", EVENTS, params=params or None)
    assert response.status == 200, response.text
    assert list(response.json()) == ["calendar_events"]
    events: list[dict[str, Any]] = response.json()["calendar_events"]
    return events


def in_window(target: Target, start: str, end: str, **params: Any) -> list[dict[str, Any]]:
    return listed(target, date_range_start=str(ms(start)), date_range_end=str(ms(end)), **params)


def every_page(target: Target, **params: Any) -> list[dict[str, Any]]:
    """The whole list, page after page. A scenario looking for its own events among others must
    read them all: on a target it does not reset, earlier events of the run (fuzzed ones that
    span the window and sort first) fill the first page, and its own fall off it — the cause of
    the Kona scenarios that failed now and then against a served mock."""
    per_page = int(params.pop("per_page", 100))
    found: list[dict[str, Any]] = []
    for page in range(1, 1001):
        events = listed(target, **params, per_page=per_page, page=page)
        found += events
        if len(events) < per_page:
            return found
    raise AssertionError("more than 1000 pages")


def window_of(target: Target, start: str, end: str, **params: Any) -> list[dict[str, Any]]:
    return every_page(target, date_range_start=str(ms(start)), date_range_end=str(ms(end)), **params)


def ours(events: list[dict[str, Any]], ids: set[int]) -> list[dict[str, Any]]:
    return [e for e in events if e["id"] in ids]


def set_clock(target: Target, now: str) -> None:
    assert target.admin("PUT", "/clock", {"now": now}).status == 200


def problem(response: Response, status: int, title: str) -> dict[str, Any]:
    assert response.status == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == PROBLEM_KEYS and body["title"] == title
    return body


@pytest.fixture
def frozen(kona: Target) -> Any:
    require_own_clock(kona)
    yield kona
    kona.admin("DELETE", "/clock")


# --- wrapping, Location, defaults, write-only and read-only fields ----------------------------


def test_seed_create_is_wrapped_with_location_and_defaults(kona: Target) -> None:
    body = {
        "calendar_events": [
            {
                "name": "Kickoff",
                "space_id": SPACE,
                "start_at": 1477900800000,
                "end_at": 1477904400000,
                "stakeholder": 2,
                "participant_ids": [5, 6],
                "editor_ids": [5],
                "tags": ["ignored"],
            }
        ]
    }
    response = kona.request("POST", EVENTS, json_body=body)
    assert response.status == 201, response.text
    assert list(response.json()) == ["calendar_events"]
    [event] = response.json()["calendar_events"]
    assert event["name"] == "Kickoff" and event["stakeholder"] == 2 and event["space_id"] == SPACE
    assert (event["start_at"], event["end_at"]) == (1477900800000, 1477904400000)
    assert (event["status"], event["visibility"], event["default_role"]) == (1, 2, 1)
    assert event["href"] == response.headers["Location"]  # the mock's own URL: followed below
    assert event["tags"] == []  # read-only: the sent tags are ignored
    assert "participant_ids" not in event and "editor_ids" not in event
    location = response.headers["Location"]
    assert location.startswith(("http://", "https://")) and location.endswith(
        f"/calendar_events/{event['id']}"
    )
    again = kona.request("GET", location, absolute=True)
    assert again.status == 200 and again.json()["calendar_events"][0]["id"] == event["id"]


def test_stakeholder_defaults_to_group(kona: Target) -> None:
    event = create(kona, start_at=ms("2016-11-01 10:00"), end_at=ms("2016-11-01 11:00"))
    assert event["stakeholder"] == 1


def test_unwrapped_body_is_a_400(kona: Target) -> None:
    response = kona.request("POST", EVENTS, json_body={"name": "Not wrapped"})
    problem(response, 400, "Bad Request")
    response = kona.request("POST", EVENTS, json_body=[{"name": "Not wrapped"}])
    problem(response, 400, "Bad Request")


def test_write_only_ids_are_never_returned(kona: Target) -> None:
    event = create(
        kona,
        start_at=ms("2016-11-02 10:00"),
        end_at=ms("2016-11-02 11:00"),
        participant_ids=[1],
        editor_ids=[2],
    )
    updated = update(kona, event["id"], participant_ids=[3, 4])
    single = get(kona, event["id"]).json()["calendar_events"][0]
    many = ours(window_of(kona, "2016-11-02 00:00", "2016-11-03 00:00"), {event["id"]})
    for shown in (event, updated, single, *many):
        assert "participant_ids" not in shown and "editor_ids" not in shown
    assert len(many) == 1


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        1477990800,
        1477990800000,
        "2016-11-01 09:00:00.000",
        "2016-11-01T09:00:00Z",
        "2016-11-01T10:00:00+01:00",
    ],
    ids=["epoch-seconds", "epoch-millis", "text", "iso-8601", "iso-8601-offset"],
)
def test_every_date_form_is_accepted_and_returned_as_millis(kona: Target, start: Any) -> None:
    event = create(kona, start_at=start, end_at="2016-11-01 10:30:00.500")
    assert event["start_at"] == 1477990800000
    assert event["end_at"] == 1477996200500


@pytest.mark.parametrize(
    "value",
    ["2016-11-01T09:00:00", "2016-02-30 09:00:00.000", 10_000_000_000, -1, "1477990800000"],
    ids=["iso-8601-without-offset", "feb-30", "eleven-digits", "negative", "digits-as-string"],
)
def test_other_date_forms_are_a_400(kona: Target, value: Any) -> None:
    response = kona.request("POST", EVENTS, json_body={"calendar_events": [{"name": "x", "start_at": value}]})
    problem(response, 400, "Bad Request")


def test_window_accepts_every_query_date_form(kona: Target) -> None:
    event = create(kona, start_at=ms("2016-11-04 10:00"), end_at=ms("2016-11-04 11:00"))
    forms = [
        ("1478217600", "1478304000"),
        ("1478217600000", "1478304000000"),
        ("2016-11-04 00:00:00.000", "2016-11-05 00:00:00.000"),
    ]
    for start, end in forms:
        events = every_page(kona, date_range_start=start, date_range_end=end)
        assert [e["id"] for e in ours(events, {event["id"]})] == [event["id"]], (start, end)
    response = kona.request("GET", EVENTS, params={"date_range_start": "yesterday"})
    problem(response, 400, "Bad Request")


def test_end_before_start_is_a_422(kona: Target) -> None:
    response = kona.request(
        "POST",
        EVENTS,
        json_body={
            "calendar_events": [
                {"name": "x", "start_at": ms("2016-11-01 10:00"), "end_at": ms("2016-11-01 09:00")}
            ]
        },
    )
    problem(response, 422, "Unprocessable Entity")
    event = create(kona, start_at=ms("2016-11-01 10:00"), end_at=ms("2016-11-01 11:00"))
    response = kona.request(
        "PUT", f"{EVENTS}/{event['id']}", json_body={"calendar_events": [{"end_at": ms("2016-11-01 09:59")}]}
    )
    problem(response, 422, "Unprocessable Entity")
    assert get(kona, event["id"]).json()["calendar_events"][0]["end_at"] == ms("2016-11-01 11:00")


# --- listing: current month, windows, order, paging ---------------------------------------------


def test_list_without_window_is_the_current_month(frozen: Target) -> None:
    october = create(frozen, start_at=ms("2016-10-31 23:00"), end_at=ms("2016-10-31 23:30"))
    november = create(frozen, start_at=ms("2016-11-15 09:00"), end_at=ms("2016-11-15 10:00"))
    december = create(frozen, start_at=ms("2016-12-01 00:00"), end_at=ms("2016-12-01 01:00"))
    ids = {october["id"], november["id"], december["id"]}
    set_clock(frozen, "2016-11-20T12:00:00Z")
    assert [e["id"] for e in ours(every_page(frozen), ids)] == [november["id"]]
    set_clock(frozen, "2016-12-31T23:59:59Z")
    assert [e["id"] for e in ours(every_page(frozen), ids)] == [december["id"]]
    set_clock(frozen, "2016-10-01T00:00:00Z")
    assert [e["id"] for e in ours(every_page(frozen), ids)] == [october["id"]]


def test_window_returns_overlapping_events_in_start_order(kona: Target) -> None:
    before = create(kona, start_at=ms("2016-11-07 08:00"), end_at=ms("2016-11-07 09:00"))
    straddles = create(kona, start_at=ms("2016-11-07 09:30"), end_at=ms("2016-11-07 11:00"))
    inside = create(kona, start_at=ms("2016-11-07 10:15"), end_at=ms("2016-11-07 10:45"))
    spans = create(kona, start_at=ms("2016-11-06 00:00"), end_at=ms("2016-11-09 00:00"))
    after = create(kona, start_at=ms("2016-11-07 12:00"), end_at=ms("2016-11-07 13:00"))
    ids = {e["id"] for e in (before, straddles, inside, spans, after)}
    found = ours(window_of(kona, "2016-11-07 10:00", "2016-11-07 12:00"), ids)
    assert [e["id"] for e in found] == [spans["id"], straddles["id"], inside["id"]]


def test_order_by_created_at_and_updated_at_newest_first(frozen: Target) -> None:
    set_clock(frozen, "2016-11-01T08:00:00Z")
    first = create(frozen, start_at=ms("2016-11-08 12:00"), end_at=ms("2016-11-08 13:00"))
    set_clock(frozen, "2016-11-01T09:00:00Z")
    second = create(frozen, start_at=ms("2016-11-08 10:00"), end_at=ms("2016-11-08 11:00"))
    set_clock(frozen, "2016-11-01T10:00:00Z")
    third = create(frozen, start_at=ms("2016-11-08 11:00"), end_at=ms("2016-11-08 12:00"))
    ids = {first["id"], second["id"], third["id"]}

    def order(**params: Any) -> list[int]:
        return [
            e["id"] for e in ours(window_of(frozen, "2016-11-08 00:00", "2016-11-09 00:00", **params), ids)
        ]

    assert order() == [second["id"], third["id"], first["id"]]
    assert order(order_by="created_at") == [third["id"], second["id"], first["id"]]
    set_clock(frozen, "2016-11-02T10:00:00Z")
    update(frozen, first["id"], details="agenda attached")
    assert order(order_by="updated_at") == [first["id"], third["id"], second["id"]]
    assert order(order_by="created_at") == [third["id"], second["id"], first["id"]]


def test_paging_defaults_to_25_and_follows_page_and_per_page(kona: Target) -> None:
    require_clean_state(kona)
    require_admin(kona)  # counts every event of the window: needs a clean mock
    made = [
        create(
            kona, name=f"day {n}", start_at=ms(f"2016-11-{n:02d} 10:00"), end_at=ms(f"2016-11-{n:02d} 11:00")
        )
        for n in range(1, 31)
    ]
    names = [e["name"] for e in made]
    month = ("2016-11-01 00:00", "2016-12-01 00:00")
    assert [e["name"] for e in in_window(kona, *month)] == names[:25]
    assert [e["name"] for e in in_window(kona, *month, page=2)] == names[25:]
    assert [e["name"] for e in in_window(kona, *month, per_page=7, page=3)] == names[14:21]
    assert in_window(kona, *month, page=3) == []


@pytest.mark.read_only
def test_unknown_order_by_is_a_400(kona: Target) -> None:
    problem(kona.request("GET", EVENTS, params={"order_by": "name"}), 400, "Bad Request")


# --- CRUD -------------------------------------------------------------------------------------


def test_put_changes_only_the_given_attributes(kona: Target) -> None:
    event = create(
        kona,
        location="Room 1",
        details="Bring slides",
        start_at=ms("2016-11-09 10:00"),
        end_at=ms("2016-11-09 11:00"),
    )
    changed = update(kona, event["id"], name="Kickoff (moved)", location="Room 4")
    assert changed["name"] == "Kickoff (moved)" and changed["location"] == "Room 4"
    assert changed["details"] == "Bring slides"
    assert (changed["start_at"], changed["end_at"]) == (event["start_at"], event["end_at"])
    assert get(kona, event["id"]).json()["calendar_events"][0] == changed


def test_delete_is_204_and_then_404(kona: Target) -> None:
    event = create(kona, start_at=ms("2016-11-09 10:00"), end_at=ms("2016-11-09 11:00"))
    response = kona.request("DELETE", f"{EVENTS}/{event['id']}")
    assert response.status == 204 and response.text == ""
    problem(get(kona, event["id"]), 404, "Not Found")
    problem(kona.request("DELETE", f"{EVENTS}/{event['id']}"), 404, "Not Found")
    put = kona.request("PUT", f"{EVENTS}/{event['id']}", json_body={"calendar_events": [{"name": "x"}]})
    problem(put, 404, "Not Found")


# --- spaces -----------------------------------------------------------------------------------


def test_unknown_space_is_a_422(kona: Target) -> None:
    response = kona.request(
        "POST", EVENTS, json_body={"calendar_events": [{"name": "x", "space_id": 987654}]}
    )
    body = problem(response, 422, "Unprocessable Entity")
    assert "987654" in body["details"]
    event = create(kona, start_at=ms("2016-11-09 10:00"), end_at=ms("2016-11-09 11:00"))
    moved = kona.request(
        "PUT", f"{EVENTS}/{event['id']}", json_body={"calendar_events": [{"space_id": 987654}]}
    )
    problem(moved, 422, "Unprocessable Entity")


def test_default_space_after_reset_and_more_through_fixtures(kona: Target) -> None:
    require_clean_state(kona)  # it loads fixtures into the shared directory
    require_admin(kona)
    event = create(kona, start_at=ms("2016-11-09 10:00"), end_at=ms("2016-11-09 11:00"))
    assert event["space_id"] == 9
    refused = kona.request("POST", EVENTS, json_body={"calendar_events": [{"name": "x", "space_id": 10}]})
    problem(refused, 422, "Unprocessable Entity")
    assert kona.admin("POST", "/state", {"kona": {"spaces": [{"id": 10, "name": "Sales"}]}}).status == 200
    assert create(kona, space_id=10)["space_id"] == 10


# --- external objects -------------------------------------------------------------------------


def test_external_object_set_replaced_kept_and_removed(kona: Target) -> None:
    linked = {
        "id": "AD8EDAB4-8725-4FA1-8347-DE091D600960",
        "name": "Opportunity",
        "url": "https://x.example/1",
    }
    event = create(
        kona, start_at=ms("2016-11-10 10:00"), end_at=ms("2016-11-10 11:00"), external_object=linked
    )
    assert event["external_object"] == linked
    other = {"id": "B-2", "name": "Contract"}
    assert update(kona, event["id"], external_object=other)["external_object"] == other
    assert update(kona, event["id"], name="Renamed")["external_object"] == other
    removed = update(kona, event["id"], external_object={})
    assert "external_object" not in removed
    assert "external_object" not in get(kona, event["id"]).json()["calendar_events"][0]
    bad = kona.request(
        "PUT", f"{EVENTS}/{event['id']}", json_body={"calendar_events": [{"external_object": {"id": "x"}}]}
    )
    problem(bad, 400, "Bad Request")


# --- recurring events -------------------------------------------------------------------------

BIWEEKLY_TUESDAYS = {
    "name": "Sprint review",
    "start_at": "2016-10-18 15:00:00.000",
    "end_at": "2016-10-18 16:00:00.000",
    "period": 2,  # week
    "frequency": 2,  # every other
    "sel_days": 2,  # Tuesday
    "series_end_at": "2017-01-20 00:00:00.000",
}


def test_acceptance_biweekly_tuesdays_until_a_date_over_three_months(kona: Target) -> None:
    require_clean_state(kona)
    series = create(kona, **BIWEEKLY_TUESDAYS)
    found = ours(window_of(kona, "2016-11-01 00:00", "2017-02-01 00:00"), {series["id"]})
    expected = [
        (2, "2016-11-01 15:00"),
        (3, "2016-11-15 15:00"),
        (4, "2016-11-29 15:00"),
        (5, "2016-12-13 15:00"),
        (6, "2016-12-27 15:00"),
        (7, "2017-01-10 15:00"),
    ]
    assert [(e["num_in_series"], e["start_at"]) for e in found] == [(n, ms(t)) for n, t in expected]
    assert all(e["series_id"] == series["id"] and e["id"] == series["id"] for e in found)
    assert [e["end_at"] - e["start_at"] for e in found] == [3_600_000] * len(expected)


def test_occurrence_by_num_in_series_and_out_of_range(kona: Target) -> None:
    series = create(kona, **BIWEEKLY_TUESDAYS)
    first = get(kona, series["id"]).json()["calendar_events"][0]
    assert (first["num_in_series"], first["series_id"], first["start_at"]) == (
        1,
        series["id"],
        ms("2016-10-18 15:00"),
    )
    seventh = get(kona, series["id"], num_in_series=7).json()["calendar_events"][0]
    assert (seventh["num_in_series"], seventh["start_at"], seventh["end_at"]) == (
        7,
        ms("2017-01-10 15:00"),
        ms("2017-01-10 16:00"),
    )
    problem(get(kona, series["id"], num_in_series=8), 404, "Not Found")
    problem(get(kona, series["id"], num_in_series=0), 400, "Bad Request")


def test_single_event_has_no_series_fields(kona: Target) -> None:
    event = create(kona, start_at=ms("2016-11-10 10:00"), end_at=ms("2016-11-10 11:00"))
    assert event["series_id"] is None and event["num_in_series"] is None
    assert get(kona, event["id"], num_in_series=1).status == 200
    problem(get(kona, event["id"], num_in_series=2), 404, "Not Found")


def test_updating_the_series_changes_every_occurrence(kona: Target) -> None:
    require_clean_state(kona)
    series = create(kona, **BIWEEKLY_TUESDAYS)
    update(
        kona, series["id"], name="Demo", start_at="2016-10-18 09:00:00.000", end_at="2016-10-18 09:30:00.000"
    )
    found = ours(window_of(kona, "2016-11-01 00:00", "2016-12-01 00:00"), {series["id"]})
    assert [(e["name"], e["start_at"], e["end_at"]) for e in found] == [
        ("Demo", ms("2016-11-01 09:00"), ms("2016-11-01 09:30")),
        ("Demo", ms("2016-11-15 09:00"), ms("2016-11-15 09:30")),
        ("Demo", ms("2016-11-29 09:00"), ms("2016-11-29 09:30")),
    ]
    update(kona, series["id"], series_end_at="2016-11-15 00:00:00.000")
    found = ours(window_of(kona, "2016-11-01 00:00", "2016-12-01 00:00"), {series["id"]})
    assert [e["num_in_series"] for e in found] == [2, 3]


def test_deleting_the_series_removes_every_occurrence(kona: Target) -> None:
    series = create(kona, **BIWEEKLY_TUESDAYS)
    assert kona.request("DELETE", f"{EVENTS}/{series['id']}").status == 204
    assert ours(window_of(kona, "2016-10-01 00:00", "2017-02-01 00:00"), {series["id"]}) == []
    problem(get(kona, series["id"], num_in_series=3), 404, "Not Found")


def test_endless_series_is_bounded_by_window_and_paging(kona: Target) -> None:
    require_clean_state(kona)
    daily = create(
        kona,
        name="Stand-up",
        start_at=ms("2016-11-01 09:00"),
        end_at=ms("2016-11-01 09:15"),
        period=1,
        frequency=1,
    )
    week = ours(window_of(kona, "2016-11-01 00:00", "2016-11-08 00:00", per_page=100), {daily["id"]})
    assert [e["num_in_series"] for e in week] == [1, 2, 3, 4, 5, 6, 7]
    require_admin(kona)  # the next counts assume no other events after 2016
    open_ended = listed(kona, date_range_start=str(ms("2016-11-01 00:00")), per_page=10, page=3)
    assert [e["num_in_series"] for e in open_ended] == list(range(21, 31))
    far = get(kona, daily["id"], num_in_series=10000).json()["calendar_events"][0]
    assert far["start_at"] == ms("2016-11-01 09:00") + 9999 * 86_400_000


# --- authentication and OAuth -----------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [None, "Bearer not-a-token", "Basic ZGV2OmRldg=="], ids=["missing", "unknown", "basic"]
)
@pytest.mark.read_only
def test_bad_credentials_are_a_kona_401(kona: Target, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = kona.request("GET", EVENTS, headers=headers, auth=False)
    problem(response, 401, "Unauthenticated")


def token(target: Target, **params: str) -> Response:
    sent = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **params}
    return target.request("POST", TOKEN, params=sent, auth=False)


def test_authorization_code_and_refresh_mint_working_tokens(kona: Target) -> None:
    require_admin(kona)  # the mock accepts any code for its configured client
    response = token(kona, grant_type="authorization_code", code="the-code")
    assert response.status == 200, response.text
    granted = response.json()
    assert granted["token_type"] == "bearer" and granted["expires_in"] == 604800
    me = kona.request("GET", USERINFO, token=granted["access_token"])
    assert me.status == 200 and me.json()["users"][0]["id"] == 42
    assert kona.request("GET", EVENTS, token=granted["access_token"]).status == 200
    refreshed = token(kona, grant_type="refresh_token", refresh_token=granted["refresh_token"]).json()
    assert refreshed["refresh_token"] == granted["refresh_token"]
    assert refreshed["access_token"] != granted["access_token"]
    assert kona.request("GET", USERINFO, token=refreshed["access_token"]).status == 200


def test_access_token_lives_one_week(frozen: Target) -> None:
    set_clock(frozen, "2016-11-01T00:00:00Z")
    access = token(frozen, grant_type="authorization_code", code="c").json()["access_token"]
    set_clock(frozen, "2016-11-07T23:59:59Z")
    assert frozen.request("GET", USERINFO, token=access).status == 200
    set_clock(frozen, "2016-11-08T00:00:00Z")
    problem(frozen.request("GET", USERINFO, token=access), 401, "Unauthenticated")


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({"grant_type": "authorization_code", "code": "c", "client_secret": "wrong"}, 401, "invalid_client"),
        ({"grant_type": "authorization_code", "code": "c", "client_id": "nobody"}, 401, "invalid_client"),
        ({"grant_type": "authorization_code"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "never-issued"}, 400, "invalid_grant"),
        ({"grant_type": "password", "code": "c"}, 400, "unsupported_grant_type"),
        ({"code": "c"}, 400, "invalid_request"),
    ],
    ids=[
        "wrong-secret",
        "unknown-client",
        "missing-code",
        "unknown-refresh-token",
        "password-grant",
        "no-grant",
    ],
)
def test_token_errors_use_rfc_6749_bodies(
    kona: Target, params: dict[str, str], status: int, error: str
) -> None:
    response = token(kona, **params)
    assert response.status == status, response.text
    assert response.json()["error"] == error


def test_userinfo_of_the_configured_token(kona: Target) -> None:
    response = kona.request("GET", USERINFO)
    assert response.status == 200
    [user] = response.json()["users"]
    assert isinstance(user["id"], int) and user["href"].endswith(f"/users/{user['id']}")


# --- vendor envelopes for routing errors and malformed input ----------------------------------


def test_unknown_path_and_malformed_json_use_the_kona_envelope(kona: Target) -> None:
    problem(kona.request("GET", "/api/no_such_thing"), 404, "Not Found")
    bad = kona.request(
        "POST", EVENTS, data='{"calendar_events": [', headers={"Content-Type": "application/json"}
    )
    problem(bad, 400, "Bad Request")


def test_a_non_ascii_client_secret_is_a_401_not_a_500(kona: Target) -> None:
    # Found by the schema test once POST /oauth/token was exercised: a 500 from compare_digest.
    response = token(kona, grant_type="authorization_code", code="c", client_secret="sécret")
    assert response.status == 401, response.text


# --- fidelity to Kona's Rails app (issue 12) --------------------------------------------------

JSON_ACCEPT = {"Accept": "application/json"}


def test_errors_are_raw_text_unless_json_is_asked_for(kona: Target) -> None:
    bad = {"calendar_events": [{"start_at": "soon"}]}
    raw = kona.request("POST", EVENTS, json_body=bad)
    assert raw.status == 400
    assert raw.headers.get("Content-Type", "").startswith("text/plain")
    assert set(raw.json()) == PROBLEM_KEYS  # the text is the JSON envelope
    asked = kona.request("POST", EVENTS, json_body=bad, headers=JSON_ACCEPT)
    assert asked.status == 400 and asked.headers.get("Content-Type", "").startswith("application/json")
    assert asked.json() == raw.json()


def test_validation_messages_read_as_rails_full_messages(kona: Target) -> None:
    response = kona.request(
        "POST", EVENTS, json_body={"calendar_events": [{"details": "x"}]}, headers=JSON_ACCEPT
    )
    body = problem(response, 400, "Bad Request")
    assert "Name can't be blank" in body["details"]
    assert "required property" not in body["details"] and "anyOf" not in body["details"]


def test_href_and_location_name_the_same_url_that_answers(kona: Target) -> None:
    response = kona.request("POST", EVENTS, json_body={"calendar_events": [{"name": unique("href")}]})
    assert response.status == 201, response.text
    [event] = response.json()["calendar_events"]
    assert event["href"] == response.headers["Location"]
    assert event["href"].endswith(f"{EVENTS}/{event['id']}")
    # following it reaches the server that answered (Kona's own io.kona.com URL would not)
    followed = kona.request("GET", event["href"], absolute=True)
    assert followed.status == 200 and followed.json()["calendar_events"][0]["id"] == event["id"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-12-05T10:00:00Z", "2026-12-05 10:00"), ("2026-12-05T12:00:00+02:00", "2026-12-05 10:00")],
    ids=["utc", "offset"],
)
def test_iso_8601_date_times_are_accepted(kona: Target, value: str, expected: str) -> None:
    event = create(kona, start_at=value, end_at="2026-12-06T00:00:00Z")
    assert event["start_at"] == ms(expected)


def test_an_unparseable_date_names_the_accepted_forms(kona: Target) -> None:
    bad = {"calendar_events": [{"name": unique("date"), "start_at": "next tuesday"}]}
    body = problem(kona.request("POST", EVENTS, json_body=bad, headers=JSON_ACCEPT), 400, "Bad Request")
    assert body["details"].startswith("Start at is invalid")
    for form in ("epoch seconds", "epoch milliseconds", "YYYY-MM-DD HH:mm:ss.SSS", "ISO 8601"):
        assert form in body["details"]


def test_head_answers_like_get_without_a_body(kona: Target) -> None:
    got = kona.request("GET", EVENTS)
    head = kona.request("HEAD", EVENTS)
    assert (head.status, head.text) == (got.status, "")
    assert head.headers.get("Content-Type") == got.headers.get("Content-Type")
