"""Every write is checked in full before anything changes: a write (or a batch) with one poisoned
item answers the API's own error and leaves the exported state byte for byte as it was (no id
used up, no earlier item kept). Property tests, one per API: valid items are drawn, one of them
(or one field of a single write) is replaced by a poison, the write is sent, the state compared;
then the same write without the poison must succeed, so the draws are known to be valid."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

AUTH = {"Authorization": "Bearer dev-token", "Accept": "application/json"}  # Kona: JSON errors
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
Item = dict[str, Any]

words = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=12)
hours = st.integers(0, 22)


def _exported(client: FlaskClient) -> bytes:
    return client.get("/__mock/state?secrets=include").get_data()


def _poisoned(client: FlaskClient, method: str, path: str, body: Any, vendor_key: str) -> None:
    before = _exported(client)
    response = client.open(path, method=method, json=body, headers=AUTH)
    assert response.status_code < 500, response.get_data()[:300]
    assert _exported(client) == before, "the poisoned write changed the state"
    if vendor_key:
        assert 400 <= response.status_code < 500
        assert vendor_key in response.get_json(), response.get_data()[:300]


@pytest.fixture
def client(module_app: Flask) -> FlaskClient:
    client = module_app.test_client()
    assert client.post("/__mock/reset").status_code == 200
    return client


# --- PERSCOM: single create/update, batch create, batch update ---------------------------------

PERSCOM = "/perscom/v2/events"


@st.composite
def perscom_events(draw: st.DrawFn) -> Item:
    day, start = draw(st.integers(1, 28)), draw(hours)
    return {
        "name": draw(words).strip() or "drill",
        "calendar_id": 123,
        "author_id": 123,
        "all_day": draw(st.booleans()),
        "starts": f"2024-05-{day:02d}T{start:02d}:00:00Z",
        "ends": f"2024-05-{day:02d}T{start + 1:02d}:00:00Z",
    }


PERSCOM_POISONS = st.sampled_from(
    [
        ("starts", "0000-01-01T00:00:00Z"),  # passes the schema's date-time, no record can hold it
        ("ends", "0000-06-01T10:00:00+00:00"),
        ("registration_deadline", "0000-12-31T23:59:59Z"),
        ("starts", "2024-02-30T10:00:00Z"),
        ("calendar_id", 999),  # no such calendar
        ("author_id", 10**30),
        ("name", 12345),
        ("all_day", "maybe"),
        ("notifications_interval", "every hour"),
        ("url", {"nested": ["x"]}),
    ]
)


@SETTINGS
@given(
    seeded=st.lists(perscom_events(), min_size=1, max_size=3),
    batch=st.lists(perscom_events(), min_size=1, max_size=4),
    where=st.integers(0, 3),
    poison=PERSCOM_POISONS,
)
def test_perscom_poisoned_writes_change_nothing(
    client: FlaskClient, seeded: list[Item], batch: list[Item], where: int, poison: tuple[str, Any]
) -> None:
    client.post("/__mock/reset")
    assert client.post(f"{PERSCOM}/batch", json={"resources": seeded}, headers=AUTH).status_code == 200
    where %= len(batch)
    field, value = poison
    bad = [{**item, field: value} if i == where else item for i, item in enumerate(batch)]
    changes = {str(i + 1): item for i, item in enumerate(bad)}  # ids 1.. exist (some may not)
    writes = [
        ("POST", PERSCOM, bad[where], batch[where]),
        ("PATCH", f"{PERSCOM}/1", {field: value}, {"name": "renamed"}),
        ("POST", f"{PERSCOM}/batch", {"resources": bad}, {"resources": batch}),
        ("PATCH", f"{PERSCOM}/batch", {"resources": changes}, None),
    ]
    for method, path, poisoned, clean in writes:
        _poisoned(client, method, path, poisoned, "error")
        if clean is not None:
            assert client.open(path, method=method, json=clean, headers=AUTH).status_code in (200, 201)


# --- B2Core: single create, update ----------------------------------------------------------

B2CORE = "/b2core/api/v2/calendars/events"


@st.composite
def b2core_events(draw: st.DrawFn) -> Item:
    day, start = draw(st.integers(1, 28)), draw(hours)
    return {
        "caption": draw(words),
        "startDate": f"2024-03-{day:02d}T{start:02d}:00:00+00:00",
        "endDate": f"2024-03-{day:02d}T{start + 1:02d}:30:00Z",
        "notifications": draw(st.lists(st.sampled_from(["PT2H", "P1D", "PT15M"]), max_size=2)),
    }


B2CORE_POISONS = st.sampled_from(
    [
        ("endDate", "2024-02-01T00:00:00Z"),  # before every drawn start
        ("startDate", "2024-02-30T10:00:00Z"),
        ("startDate", "2024-03-01 10:00"),
        ("caption", ""),
        ("caption", "x" * 256),
        ("description", 7),
        ("notifications", ["two hours"]),
        ("recipients", ["not-an-address"]),
        ("notifications", ["PT1H"] * 21),
    ]
)


@SETTINGS
@given(seeded=st.lists(b2core_events(), min_size=1, max_size=3), item=b2core_events(), poison=B2CORE_POISONS)
def test_b2core_poisoned_writes_change_nothing(
    client: FlaskClient, seeded: list[Item], item: Item, poison: tuple[str, Any]
) -> None:
    client.post("/__mock/reset")
    for event in seeded:
        assert client.post(B2CORE, json=event, headers=AUTH).status_code == 201
    field, value = poison
    for method, path in (("POST", B2CORE), ("PUT", f"{B2CORE}/1"), ("PATCH", f"{B2CORE}/1")):
        bad = {**item, field: value}
        _poisoned(client, method, path, bad, "message")
        assert client.open(path, method=method, json=item, headers=AUTH).status_code in (200, 201)


# --- 12Twenty: the batch upsert -------------------------------------------------------------

TWELVETWENTY = "/twelvetwenty/api/v2/calendar-events/batch"


@st.composite
def twelvetwenty_events(draw: st.DrawFn) -> Item:
    day, start = draw(st.integers(1, 28)), draw(hours)
    return {
        "ExternalId": draw(st.from_regex(r"[a-z]{1,8}-[0-9]{1,4}", fullmatch=True)),
        "UserId": draw(st.integers(1, 5)),
        "TypeId": draw(st.sampled_from([1, 2, 3])),
        "StartTime": f"2024-04-{day:02d}T{start:02d}:00:00Z",
        "EndTime": f"2024-04-{day:02d}T{start + 1:02d}:00:00Z",
        "Title": draw(words),
    }


TWELVETWENTY_POISONS = st.sampled_from(
    [
        ("StartTime", "0000-01-01T00:00:00Z"),
        ("EndTime", "2024-01-01T00:00:00Z"),  # before every drawn start
        ("UserId", 0),
        ("UserId", 10**30),
        ("TypeId", 4),
        ("Title", "t" * 1025),
        ("ExternalId", ""),
        ("Title", None),
        ("StartTime", "yesterday"),
    ]
)


@SETTINGS
@given(
    seeded=st.lists(twelvetwenty_events(), min_size=1, max_size=3),
    batch=st.lists(twelvetwenty_events(), min_size=1, max_size=5, unique_by=lambda e: e["ExternalId"]),
    where=st.integers(0, 4),
    poison=TWELVETWENTY_POISONS,
)
def test_twelvetwenty_poisoned_batches_change_nothing(
    client: FlaskClient, seeded: list[Item], batch: list[Item], where: int, poison: tuple[str, Any]
) -> None:
    client.post("/__mock/reset")
    # the seeded events keep their owners: a batch item naming one of them has its owner
    owners = {event["ExternalId"]: event["UserId"] for event in seeded}
    batch = [{**item, "UserId": owners.get(item["ExternalId"], item["UserId"])} for item in batch]
    assert client.put(TWELVETWENTY, json=seeded, headers=AUTH).status_code == 200
    where %= len(batch)
    field, value = poison
    bad = [{**item, field: value} if i == where else item for i, item in enumerate(batch)]
    before = _exported(client)
    response = client.put(TWELVETWENTY, json=bad, headers=AUTH)
    assert response.status_code < 500
    assert _exported(client) == before
    assert any(result["IsSuccessful"] is False for result in response.get_json())
    answer = client.put(TWELVETWENTY, json=batch, headers=AUTH).get_json()
    assert all(result["IsSuccessful"] for result in answer), answer


# --- Kona: single create, update ------------------------------------------------------------

KONA = "/kona/api/calendar_events"


@st.composite
def kona_events(draw: st.DrawFn) -> Item:
    start = draw(st.integers(1_700_000_000, 1_800_000_000))
    return {
        "name": draw(words),
        "details": draw(st.none() | words),
        "start_at": start,
        "end_at": start + draw(st.integers(0, 86_400)),
        "status": draw(st.sampled_from([0, 1, 2])),
    }


KONA_POISONS = st.sampled_from(
    [
        ("end_at", 1_600_000_000),  # before every drawn start
        ("start_at", 12_345_678_901),  # 11 digits: neither seconds nor milliseconds
        ("start_at", -1),
        ("space_id", 999_999),  # no such space
        ("status", 9),
        ("name", ""),
        ("sel_days", 7),
        ("all_day", "yes"),
        ("start_at", "1969-12-31 23:59:59.000"),
    ]
)


@SETTINGS
@given(seeded=st.lists(kona_events(), min_size=1, max_size=3), item=kona_events(), poison=KONA_POISONS)
def test_kona_poisoned_writes_change_nothing(
    client: FlaskClient, seeded: list[Item], item: Item, poison: tuple[str, Any]
) -> None:
    client.post("/__mock/reset")
    for event in seeded:
        created = client.post(KONA, json={"calendar_events": [event]}, headers=AUTH)
        assert created.status_code == 201, created.get_data()
    first = client.get(KONA, headers=AUTH).get_json()["calendar_events"]
    target = f"{KONA}/{first[0]['id']}" if first else f"{KONA}/1"
    field, value = poison
    for method, path in (("POST", KONA), ("PUT", target)):
        bad = {"calendar_events": [{**item, field: value}]}
        _poisoned(client, method, path, bad, "title")
        clean = {"calendar_events": [item]}
        assert client.open(path, method=method, json=clean, headers=AUTH).status_code in (200, 201)
