"""Chaos rules through /__mock/chaos: every field, reproducible decisions, the journal, reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.clock import SystemClock
from tests.conftest import AUTH

EVENTS = "/perscom/v2/events"
EVENT = "/perscom/v2/events/1"
B2_EVENTS = "/b2core/api/v2/calendars/events"
KONA_EVENTS = "/kona/api/calendar_events"
NOON = datetime(2030, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock(module_app: Flask) -> SystemClock:
    found: SystemClock = module_app.extensions["mockserver"].clock
    return found


@pytest.fixture
def client(fresh_client: FlaskClient) -> FlaskClient:
    return fresh_client


def add(client: FlaskClient, **rule: Any) -> dict[str, Any]:
    response = client.post("/__mock/chaos", json=rule)
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def statuses(client: FlaskClient, path: str, times: int, **kwargs: Any) -> list[int]:
    return [client.get(path, headers=AUTH, **kwargs).status_code for _ in range(times)]


def rules(client: FlaskClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/__mock/chaos").get_json()["rules"]
    return found


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "hit", "missed"),
    [
        ({"api": "perscom"}, EVENTS, B2_EVENTS),
        ({"operation_id": "getEvent"}, EVENT, EVENTS),
        ({"api": "perscom", "method": "get"}, EVENTS, None),
        ({"api": "perscom", "path": "/v2/events/*"}, EVENT, EVENTS),
    ],
    ids=["api", "operation_id", "method", "path"],
)
def test_a_rule_acts_only_inside_its_scope(
    client: FlaskClient, scope: dict[str, Any], hit: str, missed: str | None
) -> None:
    add(client, status=503, **scope)
    assert client.get(hit, headers=AUTH).status_code == 503
    if missed is not None:
        assert client.get(missed, headers=AUTH).status_code == 200
    else:  # method: a PERSCOM POST passes
        assert client.post(f"{EVENTS}/search", json={}, headers=AUTH).status_code == 200


def test_an_injected_status_has_the_documented_body_and_comes_before_authentication(client: FlaskClient) -> None:
    add(client, api="perscom", status=503)
    response = client.get(EVENTS)  # no token: an outage answers before the API checks it
    assert response.status_code == 503
    assert response.get_json()["error"]["type"] == "HttpException"


# --- count window, probability, time window, quota, TTL ---------------------------------------


def test_skip_the_first_k_then_act_on_the_next_n(client: FlaskClient) -> None:
    rule = add(client, api="perscom", status=503, skip=2, count=3)
    assert statuses(client, EVENTS, 7) == [200, 200, 503, 503, 503, 200, 200]
    (shown,) = rules(client)
    assert (shown["id"], shown["matched"], shown["hits"]) == (rule["id"], 7, 3)


def test_probability_acts_on_about_that_share(client: FlaskClient) -> None:
    add(client, api="perscom", status=503, probability=0.25, seed=11)
    found = statuses(client, EVENTS, 80)
    assert 8 <= found.count(503) <= 35
    assert rules(client)[0]["hits"] == found.count(503)


def test_a_time_window_on_the_mocks_clock(client: FlaskClient, clock: SystemClock) -> None:
    clock.freeze(NOON)
    start, end = NOON + timedelta(hours=1), NOON + timedelta(hours=2)
    add(client, api="perscom", status=503, start=start.isoformat(), end=end.isoformat())
    assert statuses(client, EVENTS, 1) == [200]
    clock.freeze(start)
    assert statuses(client, EVENTS, 1) == [503]
    clock.freeze(end)
    assert statuses(client, EVENTS, 1) == [200]


def test_a_quota_answers_429_with_retry_after_then_refills(client: FlaskClient, clock: SystemClock) -> None:
    clock.freeze(NOON)
    add(client, api="perscom", quota={"limit": 2, "per_seconds": 60})
    assert statuses(client, EVENTS, 2) == [200, 200]
    clock.advance(timedelta(seconds=15))
    limited = client.get(EVENTS, headers=AUTH)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "45"
    assert limited.get_json()["error"]["type"] == "ThrottleRequestsException"  # PERSCOM's own 429
    clock.advance(timedelta(seconds=45))
    assert statuses(client, EVENTS, 3) == [200, 200, 429]


def test_a_rule_removes_itself_after_its_ttl(client: FlaskClient, clock: SystemClock) -> None:
    clock.freeze(NOON)
    add(client, api="perscom", status=503, ttl_seconds=30)
    assert statuses(client, EVENTS, 1) == [503]
    clock.advance(timedelta(seconds=30))
    assert statuses(client, EVENTS, 1) == [200]
    assert rules(client) == []


# --- the contract, reproducibility, the journal ------------------------------------------------


def test_an_undocumented_status_is_refused_unless_the_rule_allows_it(client: FlaskClient) -> None:
    refused = client.post("/__mock/chaos", json={"api": "b2core", "status": 503})
    assert refused.status_code == 400
    assert "503 is documented by no operation" in refused.get_json()["message"]
    add(client, api="b2core", status=503, allow_undocumented=True)
    response = client.get(B2_EVENTS, headers=AUTH)
    assert (response.status_code, response.get_json()) == (503, {"message": "Service Unavailable"})


def test_in_a_wide_scope_operations_without_the_status_pass_and_the_journal_says_why(
    client: FlaskClient,
) -> None:
    add(client, status=429)  # PERSCOM documents 429, Kona does not
    assert statuses(client, EVENTS, 1) == [429]
    assert statuses(client, KONA_EVENTS, 1, query_string={"start_at": 1, "end_at": 2}) != [429]
    last = client.get("/__mock/journal?limit=1").get_json()["entries"][0]
    assert last["effects"][0]["skipped"] == "429 is not documented for listCalendarEvents"


def test_every_injection_is_journaled_with_rule_seed_ordinal_and_draw(client: FlaskClient) -> None:
    rule = add(client, api="perscom", status=503, seed=5, skip=1)
    statuses(client, EVENTS, 2)
    first, second = client.get("/__mock/journal?limit=2").get_json()["entries"]
    assert first["effects"] is None
    (effect,) = second["effects"]
    assert effect["source"] == "rule" and effect["rule"] == rule["id"]
    assert (effect["seed"], effect["ordinal"], effect["status"]) == (5, 2, 503)
    assert 0 <= effect["draw"] < 1


def _run(client: FlaskClient, rule: dict[str, Any], paths: list[str]) -> tuple[list[int], list[Any]]:
    client.post("/__mock/reset")
    client.delete("/__mock/journal")
    assert client.post("/__mock/chaos", json=rule).status_code == 201
    found = [client.get(path, headers=AUTH).status_code for path in paths]
    entries = client.get("/__mock/journal").get_json()["entries"]
    effects = [[{k: v for k, v in e.items() if k != "rule"} for e in entry["effects"] or ()] for entry in entries]
    return found, effects


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**63 - 1),
    probability=st.floats(0, 1),
    skip=st.integers(0, 3),
    count=st.none() | st.integers(1, 5),
    paths=st.lists(st.sampled_from([EVENTS, EVENT, B2_EVENTS]), min_size=1, max_size=12),
)
def test_the_same_seed_and_requests_give_the_same_decisions(
    module_app: Flask, seed: int, probability: float, skip: int, count: int | None, paths: list[str]
) -> None:
    rule: dict[str, Any] = {"api": "perscom", "status": 503, "seed": seed, "probability": probability, "skip": skip}
    if count is not None:
        rule["count"] = count
    client = module_app.test_client()
    first = _run(client, rule, paths)
    assert first == _run(client, rule, paths)


# --- the admin API --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"status": 503, "probability": 2}, "probability"),
        ({"api": "perscom", "statu": 503}, "statu"),
        ({"api": "nope", "status": 503}, "is not mounted"),
        ({"operation_id": "nope", "status": 503}, "matches no operation"),
        ({"api": "perscom"}, "needs an effect"),
        ({"api": "perscom", "status": 200}, "400"),
        ({"api": "perscom", "status": 429, "quota": {"limit": 1, "per_seconds": 1}}, "not both"),
        ({"api": "perscom", "status": 503, "start": "2030-01-02T00:00:00Z", "end": "2030-01-01T00:00:00Z"}, "before"),
        ({"api": "perscom", "status": 503, "start": "2030-01-02T00:00:00"}, "date-time"),
        ({"api": "perscom", "delay": 100}, "mockserver serve"),
        ({"api": "perscom", "fault": "reset"}, "mockserver serve"),
    ],
    ids=["probability", "unknown-field", "unknown-api", "unknown-operation", "no-effect", "success-status",
         "quota-and-status", "window-order", "naive-time", "delay-unavailable", "fault-unavailable"],
)
def test_a_bad_rule_is_400_with_a_clear_message(client: FlaskClient, rule: dict[str, Any], message: str) -> None:
    response = client.post("/__mock/chaos", json=rule)
    assert response.status_code == 400
    assert message in response.get_json()["message"]
    assert rules(client) == []


def test_rules_are_listed_fetched_removed_and_cleared_by_reset(client: FlaskClient) -> None:
    first = add(client, api="perscom", status=503, name="outage")
    second = add(client, api="kona", status=401)
    assert [r["id"] for r in rules(client)] == [first["id"], second["id"]]
    assert client.get(f"/__mock/chaos/{first['id']}").get_json()["name"] == "outage"
    assert client.get("/__mock/chaos/r999").status_code == 404
    client.post("/__mock/reset/kona")
    assert [r["id"] for r in rules(client)] == [first["id"]]
    assert client.delete(f"/__mock/chaos/{first['id']}").get_json() == {"removed": first["id"]}
    assert client.delete(f"/__mock/chaos/{first['id']}").status_code == 404
    add(client, api="perscom", status=503)
    client.post("/__mock/reset")
    assert rules(client) == []
    assert statuses(client, EVENTS, 1) == [200]


def test_a_random_seed_is_chosen_and_shown(client: FlaskClient) -> None:
    rule = add(client, api="perscom", status=503, probability=0.5)
    assert isinstance(rule["seed"], int)
    assert client.delete("/__mock/chaos").get_json() == {"cleared": 1}
