"""The hostile corpus (tests/hostile_corpus.py, 40+ cases per API) in-process against one strict
app: no case answers a 5xx, every refusal is in the API's own error format, and the exported
state (secrets included) is byte for byte what it was before the case. bench/hostile.py reports
the slowest case's CPU time."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.hostile_corpus import CORPUS, Case, vendor_error

AUTH = {"Authorization": "Bearer dev-token"}
CASES = [(api, case) for api, cases in CORPUS.items() for case in cases]
# answers that are not errors: a read, a 12Twenty batch refused item by item (200), a token
OK_STATUSES = {200}


@pytest.fixture(scope="module")
def seeded(module_app: Flask) -> FlaskClient:
    """The module's app with a few records per API, so ids 1.. exist (set once; cases must not
    change it, which is what the test checks)."""
    client = module_app.test_client()
    client.post("/__mock/reset")
    event = {
        "name": "seed",
        "calendar_id": 123,
        "author_id": 123,
        "all_day": False,
        "starts": "2024-01-01T00:00:00Z",
        "ends": "2024-01-01T01:00:00Z",
    }
    assert (
        client.post("/perscom/v2/events/batch", json={"resources": [event] * 3}, headers=AUTH).status_code
        == 200
    )
    b2 = {"caption": "seed", "startDate": "2024-03-01T10:00:00Z", "endDate": "2024-03-01T11:00:00Z"}
    for _ in range(3):
        assert client.post("/b2core/api/v2/calendars/events", json=b2, headers=AUTH).status_code == 201
        kona = {
            "calendar_events": [{"name": "seed", "start_at": 0, "end_at": 1, "period": 1, "frequency": 1}]
        }
        assert client.post("/kona/api/calendar_events", json=kona, headers=AUTH).status_code == 201
    tt = [
        {
            "ExternalId": f"seed-{i}",
            "UserId": 1,
            "TypeId": 1,
            "StartTime": "2024-01-01T00:00:00Z",
            "EndTime": "2024-01-01T01:00:00Z",
            "Title": "seed",
        }
        for i in range(3)
    ]
    assert client.put("/twelvetwenty/api/v2/calendar-events/batch", json=tt, headers=AUTH).status_code == 200
    return client


def test_the_corpus_has_at_least_40_cases_per_api() -> None:
    for api, cases in CORPUS.items():
        assert len(cases) >= 40, api
        assert len({c.name for c in cases}) == len(cases), f"{api}: case names repeat"


@pytest.mark.parametrize(("api", "case"), CASES, ids=[f"{api}-{case.name}" for api, case in CASES])
def test_hostile_case(seeded: FlaskClient, api: str, case: Case) -> None:
    before = seeded.get("/__mock/state?secrets=include").get_data()
    headers = {**AUTH, **case.headers}
    if not headers.get("Authorization"):
        headers.pop("Authorization")
    response = seeded.open(case.path, method=case.method, data=case.body, headers=headers)
    body = response.get_data()
    assert response.status_code < 500, body[:300]
    if response.status_code not in OK_STATUSES:
        assert 400 <= response.status_code < 500, response.status_code
        assert vendor_error(api, response.status_code, body), body[:300]
    if response.status_code >= 400 or api == "twelvetwenty":  # 12Twenty refuses item by item, in a 200
        # error bodies are bounded: never larger than what was sent (12Twenty lists each item)
        assert len(body) <= max(64 * 2**10, len(case.body or b"")), f"{len(body)} bytes answered"
    assert seeded.get("/__mock/state?secrets=include").get_data() == before, "the state changed"
