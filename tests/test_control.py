"""Prefer through the mock: Prism-compatible answers, auth and validation first, fail/rate, no state change."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mockserver.mock import MockServer
from tests.conftest import AUTH

EVENTS = "/perscom/v2/events"
B2_EVENTS = "/b2core/api/v2/calendars/events"
NOT_FOUND = {"error": {"message": "The requested resource could not be found.", "type": "NotFoundHttpException"}}
MAINTENANCE = {
    "error": {"message": "The API is currently down for maintenance. Please check back later.", "type": "HttpException"}
}


@pytest.fixture
def client(fresh_client: FlaskClient) -> FlaskClient:
    return fresh_client


@pytest.fixture
def mock(module_app: Flask) -> MockServer:
    found: MockServer = module_app.extensions["mockserver"]
    return found


def prefer(client: FlaskClient, path: str, header: str | None = None, **kwargs: Any) -> Any:
    headers = {**AUTH, **({"Prefer": header} if header is not None else {})}
    return client.get(path, headers=headers, **kwargs)


# --- Prism's documented behaviour ---------------------------------------------------------------


def test_code_answers_that_documented_response(client: FlaskClient) -> None:
    response = prefer(client, EVENTS, "code=404")
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND
    assert response.headers["Preference-Applied"] == "code=404"


def test_the_query_parameters_work_without_a_header(client: FlaskClient) -> None:
    response = prefer(client, f"{EVENTS}?__code=404")
    assert (response.status_code, response.get_json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("header", ["respond-async", "code=200"], ids=["unknown-preference", "prism-key"])
def test_with_a_header_the_query_parameters_are_ignored(client: FlaskClient, header: str) -> None:
    response = prefer(client, f"{EVENTS}?__code=404&__dynamic=nonsense", header)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("request_path", "header", "name"),
    [
        (EVENTS, "code=4040", "code"),
        (EVENTS, "code=20", "code"),
        (EVENTS, "dynamic=yes", "dynamic"),
        (f"{EVENTS}?__dynamic=TRUE", None, "dynamic"),
        (f"{EVENTS}?__code=abc", None, "code"),
    ],
    ids=["code-4-digits", "code-2-digits", "dynamic-yes", "query-dynamic-upper", "query-code-letters"],
)
def test_a_malformed_preference_is_422_in_the_mocks_own_shape(
    client: FlaskClient, request_path: str, header: str | None, name: str
) -> None:
    response = prefer(client, request_path, header)
    assert response.status_code == 422
    body = response.get_json()
    assert body["mock_error"] == "invalid preference" and body["preference"] == name
    assert "error" not in body  # not PERSCOM's envelope
    assert "Preference-Applied" not in response.headers


def test_an_unknown_code_is_422_listing_the_documented_codes_and_examples(client: FlaskClient) -> None:
    response = prefer(client, B2_EVENTS, "code=404")  # Prism: 404 without saying what exists
    assert response.status_code == 422
    body = response.get_json()
    assert body["mock_error"] == "preference names no documented response"
    assert body["operation"] == "listCalendarEvents"
    assert body["documented"] == {
        "200": ["events"],
        "400": ["english", "japanese"],
        "401": ["unauthorized"],
        "403": ["forbidden"],
    }


def test_an_unknown_example_is_422_listing_the_examples(client: FlaskClient) -> None:
    response = prefer(client, B2_EVENTS, "example=nope")
    assert response.status_code == 422
    assert "no response has an example named 'nope'" in response.get_json()["message"]


def test_authentication_wins_over_a_preference(client: FlaskClient) -> None:
    response = client.get(EVENTS, headers={"Prefer": "code=200"})
    assert response.status_code == 401
    assert response.get_json()["error"]["type"] == "AuthenticationException"
    assert "Preference-Applied" not in response.headers


def test_request_validation_wins_over_a_preference(client: FlaskClient) -> None:
    response = client.post(EVENTS, json={"name": 5}, headers={**AUTH, "Prefer": "code=201"})
    assert response.status_code == 422
    assert response.get_json()["error"]["type"] == "ValidationException"
    assert "Preference-Applied" not in response.headers


def test_a_named_example_and_dynamic_bodies(client: FlaskClient) -> None:
    japanese = prefer(client, B2_EVENTS, "code=400, example=japanese")
    assert japanese.status_code == 400 and japanese.get_json()["message"] == "入力内容に誤りがあります。"
    assert japanese.headers["Preference-Applied"] == "code=400, example=japanese"
    first = prefer(client, EVENTS, "dynamic=true, seed=9")
    again = prefer(client, EVENTS, "dynamic=true, seed=9")
    other = prefer(client, EVENTS, "dynamic=true, seed=10")
    assert first.status_code == 200 and first.get_json() == again.get_json() != other.get_json()
    assert first.headers["Preference-Applied"] == "dynamic=true, seed=9"


def test_a_preferred_answer_changes_no_state(client: FlaskClient, mock: MockServer) -> None:
    before = mock.store.export()
    created = client.post(
        "/kona/api/calendar_events",
        json={"calendar_events": [{"name": "x", "space_id": 9, "start_at": 1477900800000, "end_at": 1477904400000}]},
        headers={**AUTH, "Prefer": "code=201"},
    )
    assert created.status_code == 201 and created.get_json()["calendar_events"][0]["name"] == "Kickoff"
    assert mock.store.export() == before


def test_a_journaled_seed_replays_the_same_body(client: FlaskClient, mock: MockServer) -> None:
    first = prefer(client, EVENTS, "dynamic=true")
    (effect,) = mock.journal.entries(limit=1)[0]["effects"]
    assert effect["source"] == "prefer"
    replay = prefer(client, EVENTS, f"dynamic=true, seed={effect['seed']}")
    assert replay.get_json() == first.get_json()


def test_no_preference_applied_header_when_nothing_was_applied(client: FlaskClient) -> None:
    assert "Preference-Applied" not in prefer(client, EVENTS, "respond-async").headers
    assert "Preference-Applied" not in prefer(client, EVENTS).headers


# --- fail, rate, undocumented ------------------------------------------------------------------


def test_fail_answers_the_documented_error(client: FlaskClient) -> None:
    response = prefer(client, EVENTS, "fail=503")
    assert (response.status_code, response.get_json()) == (503, MAINTENANCE)
    assert response.headers["Preference-Applied"] == "fail=503"


def test_fail_with_an_undocumented_status_is_refused_unless_asked(client: FlaskClient) -> None:
    refused = prefer(client, B2_EVENTS, "fail=503")
    assert refused.status_code == 422 and "503 is not documented" in refused.get_json()["message"]
    answered = prefer(client, B2_EVENTS, "fail=503, undocumented")
    assert answered.status_code == 503
    assert answered.get_json() == {"message": "Service Unavailable"}  # B2Core's envelope, not a strict 500


def test_rate_is_a_probability_decided_by_the_seed(client: FlaskClient) -> None:
    never = [prefer(client, EVENTS, f"fail=503, rate=0, seed={s}").status_code for s in range(10)]
    always = [prefer(client, EVENTS, f"fail=503, rate=1, seed={s}").status_code for s in range(10)]
    assert set(never) == {200} and set(always) == {503}
    tenth = [prefer(client, EVENTS, f"fail=503;rate=0.1, seed={s}").status_code for s in range(100)]
    assert 2 <= tenth.count(503) <= 25
    assert tenth == [prefer(client, EVENTS, f"fail=503;rate=0.1, seed={s}").status_code for s in range(100)]
    applied = prefer(client, EVENTS, "fail=503, rate=1, seed=1").headers["Preference-Applied"]
    assert applied == "fail=503, rate=1, seed=1"
    assert "Preference-Applied" not in prefer(client, EVENTS, "fail=503, rate=0, seed=1").headers


def test_a_failed_draw_answers_the_handler(client: FlaskClient, mock: MockServer) -> None:
    response = prefer(client, EVENTS, "fail=503, rate=0")
    assert response.status_code == 200 and "data" in response.get_json()


# --- delay and fault need a server layer that can carry them out -------------------------------


@pytest.mark.parametrize("header", ["delay=10", "fault=reset"], ids=["delay", "fault"])
def test_delay_and_fault_are_refused_where_they_cannot_be_done(client: FlaskClient, header: str) -> None:
    response = prefer(client, EVENTS, header)
    assert response.status_code == 422
    assert "mockserver serve" in response.get_json()["message"]
