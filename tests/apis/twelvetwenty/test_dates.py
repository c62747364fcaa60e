"""12Twenty's stored times: the core policy's reading, remembered per text for a batch sent again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from mockserver import datetimes
from mockserver.apis.twelvetwenty import dates
from mockserver.apis.twelvetwenty.dates import stored_time

STORED = [
    ("2018-06-10T20:00:00Z", "2018-06-10T20:00:00Z"),
    ("2018-06-10t20:00:00z", "2018-06-10T20:00:00Z"),
    ("2018-06-10T22:00:00+02:00", "2018-06-10T20:00:00Z"),
    ("2018-06-10T20:00:00-00:00", "2018-06-10T20:00:00Z"),
    ("2018-06-10T20:00:00.000Z", "2018-06-10T20:00:00Z"),
    ("2018-06-10T20:00:00.1234567Z", "2018-06-10T20:00:00.123456Z"),
    ("2016-12-31T23:59:60Z", "2016-12-31T23:59:60Z"),  # a leap second: the next instant, kept as written
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
    ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
]


@pytest.mark.parametrize(("text", "kept"), STORED)
def test_a_time_is_the_core_policys_instant_read_once(text: str, kept: str) -> None:
    dates.clear_caches()
    first = stored_time(text)
    assert first == (datetimes.parse(text), kept)
    assert first[0].tzinfo is UTC
    assert stored_time(text) is first  # remembered: a sync job sends the same batch again


@pytest.mark.parametrize(
    "text",
    [
        "0000-01-01T00:00:00Z",
        "2018-02-30T00:00:00Z",
        "2018-06-10T24:00:00Z",
        "9999-12-31T23:59:60Z",
        "2018-06-10T21:00:00+24:00",
        "2018-06-10 20:00:00Z",
        "2018-06-10T20:00Z",
        "",
    ],
)
def test_a_time_no_instant_fits_is_refused_every_time(text: str) -> None:
    dates.clear_caches()
    for _ in range(2):
        with pytest.raises(ValueError):
            stored_time(text)
    assert not dates._KNOWN


def test_the_memory_is_bounded_and_a_reset_clears_it(client: FlaskClient) -> None:
    dates.clear_caches()
    stored_time("2018-06-10T20:00:00." + "1" * 100_000 + "Z")
    assert not dates._KNOWN  # long texts are not kept
    for minute in range(60):
        stored_time(f"2018-06-10T20:{minute:02d}:00Z")
    assert len(dates._KNOWN) == 60 and dates.KEPT >= 60
    assert client.post("/__mock/reset").status_code == 200
    assert not dates._KNOWN


def test_a_repeated_batch_stores_what_the_first_stored(client: FlaskClient) -> None:
    token = {"Authorization": "Bearer dev-token"}
    batch = [
        {
            "ExternalId": f"e{i}",
            "UserId": 124,
            "TypeId": 1,
            "Title": "Class",
            "StartTime": f"2018-06-10T2{i}:00:00+01:00",
            "EndTime": f"2018-06-10T2{i}:30:00Z",
        }
        for i in range(3)
    ]
    first = client.put("/twelvetwenty/api/v2/calendar-events/batch", json=batch, headers=token)
    again = client.put("/twelvetwenty/api/v2/calendar-events/batch", json=batch, headers=token)
    assert first.status_code == again.status_code == 200 and first.get_json() == again.get_json()
    stored = client.get("/__mock/state").get_json()["twelvetwenty"]["events"]
    assert [e["StartTime"] for e in stored] == [
        "2018-06-10T19:00:00Z",
        "2018-06-10T20:00:00Z",
        "2018-06-10T21:00:00Z",
    ]
    assert [e["Id"] for e in stored] == [e["Id"] for e in first.get_json()]  # the same ids, not new ones
    assert datetime.fromisoformat(stored[0]["EndTime"]) > datetime.fromisoformat(stored[0]["StartTime"])
