"""The client project's tests: its code against the mock, through the installed pytest plugin."""

from __future__ import annotations

import pytest
import requests
from roster import Roster


@pytest.fixture
def roster(mockserver):
    client = Roster(mockserver.urls["twelvetwenty"], api_key="dev-api-key")
    client.login()
    return client


def test_publish_sends_one_event_per_course(roster, mockserver):
    roster.publish("FMAR2", 124, "2018-06-10T20:00:00Z", "2018-06-10T22:00:00Z")
    mockserver.assert_called("upsertCalendarEvents", times=1, status=200, body={"ExternalId": "FMAR2"})
    sent = mockserver.calls("upsertCalendarEvents")[0]["request"]
    assert sent["headers"]["Authorization"].startswith("Bearer ")  # masked in the journal
    assert [e["ExternalId"] for e in mockserver.state("twelvetwenty")["twelvetwenty"]["events"]] == ["FMAR2"]


def test_each_test_starts_from_a_clean_mock(mockserver):
    assert mockserver.journal() == []
    assert mockserver.state("twelvetwenty")["twelvetwenty"]["events"] == []


def test_a_token_expires_after_24_hours(roster, mockserver):
    mockserver.advance(25 * 3600)
    with pytest.raises(requests.HTTPError) as refused:
        roster.publish("FMAR2", 124, "2018-06-10T20:00:00Z", "2018-06-10T22:00:00Z")
    assert refused.value.response.status_code == 401
    mockserver.assert_called("upsertCalendarEvents", times=1, status=401)


def test_fixtures_load_and_the_dev_token_works_everywhere(mockserver):
    mockserver.load({"twelvetwenty": {"users": [124]}})
    answer = requests.put(
        f"{mockserver.urls['twelvetwenty']}/api/v2/calendar-events/batch",
        json=[{"ExternalId": "x", "UserId": 999, "TypeId": 1, "StartTime": "2018-06-10T20:00:00Z",
               "EndTime": "2018-06-10T22:00:00Z", "Title": "t"}],
        headers=mockserver.auth_headers,
    )  # fmt: skip
    assert answer.json() == [{"ExternalId": "x", "ErrorMessage": "User 999 not found.", "IsSuccessful": False}]
    kona = requests.get(f"{mockserver.urls['kona']}/api/calendar_events", headers=mockserver.auth_headers)
    assert kona.status_code == 200


def test_the_clock_can_be_frozen(mockserver):
    frozen = mockserver.freeze("2030-01-01T00:00:00Z")
    assert frozen.year == 2030 and mockserver.now() == frozen
