"""The admin API: health, reset, export/load (JSON and YAML), the journal and the clock."""

from __future__ import annotations

import json

import pytest
import yaml
from flask.testing import FlaskClient

from mockserver import create_app
from mockserver.mock import MockServer
from tests.conftest import AUTH, BATCH, EVENT

MARKED = {"twelvetwenty": {"events": [{**EVENT, "Title": "@"}]}}  # "@": where a bad value goes


def test_health_lists_the_apis(client: FlaskClient, mock: MockServer) -> None:
    body = client.get("/__mock/health").get_json()
    store = {"kind": "memory", "reachable": True}
    assert body == {"status": "ok", "apis": sorted(mock.runtimes), "strict": True, "store": store}


def test_reset_one_api_and_all(client: FlaskClient) -> None:
    client.put(BATCH, json=[EVENT], headers=AUTH)
    assert client.get("/__mock/state/twelvetwenty").get_json()["twelvetwenty"]["events"]
    assert client.post("/__mock/reset/twelvetwenty").get_json() == {"reset": ["twelvetwenty"]}
    assert client.get("/__mock/state/twelvetwenty").get_json()["twelvetwenty"]["events"] == []
    client.put(BATCH, json=[EVENT], headers=AUTH)
    client.post("/__mock/reset")
    assert client.get("/__mock/state/twelvetwenty").get_json()["twelvetwenty"]["events"] == []
    assert client.post("/__mock/reset/nope").status_code == 404


def test_exported_state_loads_back(client: FlaskClient) -> None:
    client.put(BATCH, json=[EVENT], headers=AUTH)
    exported = client.get("/__mock/state").get_json()
    other = create_app({"log_requests": False}).test_client()
    assert other.put("/__mock/state", json=exported).status_code == 200
    assert other.get("/__mock/state").get_json() == exported
    again = other.put(BATCH, json=[{**EVENT, "Title": "new"}], headers=AUTH).get_json()
    assert again[0]["Id"] == 270067010486464  # the loaded Id is kept on update


def test_fixtures_load_from_yaml_and_add_to_state(client: FlaskClient) -> None:
    client.put(BATCH, json=[EVENT], headers=AUTH)
    fixture = yaml.safe_dump(
        {"twelvetwenty": {"users": [124, 125], "events": [{**EVENT, "ExternalId": "b"}]}}
    )
    response = client.post("/__mock/state", data=fixture, content_type="application/yaml")
    assert response.get_json() == {"loaded": ["twelvetwenty"]}
    state = client.get("/__mock/state/twelvetwenty").get_json()["twelvetwenty"]
    assert sorted(e["ExternalId"] for e in state["events"]) == ["a", "b"]
    assert state["users"] == [124, 125]


@pytest.mark.parametrize(
    "body",
    [
        '{"nope": {}}',
        '{"twelvetwenty": {"events": [{"ExternalId": "x"}]}}',
        "[1, 2]",
        '{"twelvetwenty": 5}',
        "a: [b",
        json.dumps(MARKED).replace('"@"', '"\\ud800"'),  # the JSON escape of a lone surrogate
        yaml.safe_dump(MARKED).replace("'@'", '"\\udfff"'),  # and YAML's
    ],
    ids=[
        "unknown-api",
        "incomplete-event",
        "not-a-mapping",
        "api-not-a-mapping",
        "bad-yaml",
        "lone-surrogate-json",
        "lone-surrogate-yaml",
    ],
)
def test_bad_state_documents_are_400_and_change_nothing(client: FlaskClient, body: str) -> None:
    client.put(BATCH, json=[EVENT], headers=AUTH)
    before = client.get("/__mock/state").get_json()
    response = client.put("/__mock/state", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"]
    assert client.get("/__mock/state").get_json() == before


def test_journal_records_filters_and_clears(client: FlaskClient) -> None:
    client.put(BATCH, json=[EVENT], headers=AUTH)
    client.put(BATCH, json=[EVENT])
    client.get("/__mock/health")
    entries = client.get("/__mock/journal").get_json()["entries"]
    assert [(e["method"], e["status"], e["operation_id"]) for e in entries] == [
        ("PUT", 200, "upsertCalendarEvents"),
        ("PUT", 401, "upsertCalendarEvents"),
    ]
    assert entries[0]["api"] == "twelvetwenty" and entries[0]["duration_ms"] >= 0
    only_401 = client.get("/__mock/journal?status=401").get_json()["entries"]
    assert len(only_401) == 1
    since = client.get(f"/__mock/journal?since={entries[0]['seq']}").get_json()["entries"]
    assert [e["seq"] for e in since] == [entries[1]["seq"]]
    assert client.delete("/__mock/journal").get_json() == {"cleared": 2}
    assert client.get("/__mock/journal").get_json()["entries"] == []


def test_journal_is_a_bounded_ring_buffer() -> None:
    client = create_app({"journal_size": 3, "log_requests": False}).test_client()
    for _ in range(5):
        client.put(BATCH, json=[], headers=AUTH)
    seqs = [e["seq"] for e in client.get("/__mock/journal").get_json()["entries"]]
    assert seqs == [3, 4, 5]


def test_clock_can_be_frozen_advanced_and_reset(client: FlaskClient) -> None:
    frozen = client.put("/__mock/clock", json={"now": "2030-01-01T00:00:00Z"}).get_json()
    assert frozen == {"now": "2030-01-01T00:00:00+00:00", "frozen": True}
    moved = client.put("/__mock/clock", json={"advance_seconds": 90}).get_json()
    assert moved["now"] == "2030-01-01T00:01:30+00:00"
    assert client.put("/__mock/clock", json={"now": "2030-01-01T00:00:00"}).status_code == 400
    assert client.put("/__mock/clock", json={"later": 1}).status_code == 400
    assert client.delete("/__mock/clock").get_json()["frozen"] is False
