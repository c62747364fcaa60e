"""The request journal keeps what was exchanged: headers (masked), bodies, sizes; bounded twice."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver import create_app
from mockserver.journal import FILTERS, Journal
from mockserver.masking import mask, mask_header
from tests.conftest import AUTH
from tests.test_admin import BATCH, EVENT


def _journal(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/__mock/journal{query}")
    assert response.status_code == 200, response.get_json()
    entries: list[dict[str, Any]] = response.get_json()["entries"]
    return entries


def test_an_entry_keeps_the_request_and_the_response(client: FlaskClient) -> None:
    raw = json.dumps([EVENT]).encode()
    headers = {**AUTH, "X-Trace": "t-1", "Content-Type": "application/json"}
    sent = client.put(BATCH, data=raw, headers=headers)
    entry = _journal(client)[-1]
    request, response = entry["request"], entry["response"]
    assert request["body"] == [EVENT] and request["truncated"] is False
    assert request["size"] == len(raw)
    assert request["headers"]["Authorization"] == "Bearer dev-…(9)"  # the token itself never shows
    assert request["headers"]["X-Trace"] == "t-1"
    assert request["headers"]["Content-Type"] == "application/json"
    assert response["status"] == entry["status"] == 200
    assert response["body"] == sent.get_json() and response["size"] == len(sent.get_data())
    assert response["truncated"] is False


def test_an_error_answer_and_a_non_json_body_are_kept_as_they_were(client: FlaskClient) -> None:
    client.put(BATCH, data=b"not json at all", headers={**AUTH, "Content-Type": "text/plain"})
    client.put(BATCH, data=b"{broken", headers={**AUTH, "Content-Type": "application/json"})
    text, broken = _journal(client)[-2:]
    assert text["request"]["body"] == "not json at all"
    assert broken["request"]["body"] == "{broken"  # malformed JSON: the text the client sent
    assert broken["status"] == 400 and isinstance(broken["response"]["body"], dict)
    client.get("/twelvetwenty/api/client/generateAuthenticationToken?key=dev-api-key")
    assert _journal(client)[-1]["request"]["body"] is None  # no body: null, not ""


def test_bodies_past_the_limit_are_cut_there_and_marked() -> None:
    client = create_app({"journal_body_limit": 100, "log_requests": False}).test_client()
    events = [{**EVENT, "ExternalId": f"e{i}"} for i in range(5)]
    answered = client.put(BATCH, json=events, headers=AUTH)
    entry = _journal(client)[-1]
    assert entry["request"]["truncated"] is True
    assert entry["request"]["size"] > 100 and len(entry["request"]["body"].encode()) == 100
    assert entry["response"]["size"] == len(answered.get_data())


def test_the_default_body_limit_is_64_kb() -> None:
    journal = Journal(10)
    journal.record(**_fields(), request_body=b"x" * (64 * 1024), environ=TEXT)
    journal.record(**_fields(), request_body=b"x" * (64 * 1024 + 1), environ=TEXT)
    whole, cut = (e["request"] for e in journal.entries())
    assert (whole["truncated"], cut["truncated"]) == (False, True)
    assert len(cut["body"]) == 64 * 1024


TEXT = {"CONTENT_TYPE": "text/plain"}


def _fields(**overrides: Any) -> dict[str, Any]:
    fields = {"time": 0.0, "api": "kona", "operation_id": "x", "method": "POST", "path": "/p", "query": ""}
    return {**fields, "status": 200, "duration_ms": 1.0, **overrides}


def test_the_journal_is_bounded_in_bytes_as_well_as_entries() -> None:
    journal = Journal(1000, max_bytes=50_000, body_limit=10_000)
    for _ in range(40):
        journal.record(**_fields(), request_body=b"y" * 20_000, environ=TEXT)
    assert journal.bytes <= 50_000
    seqs = [e["seq"] for e in journal.entries()]
    assert seqs == list(range(40 - len(seqs) + 1, 41)) and 2 <= len(seqs) <= 5  # the newest kept
    small = Journal(3)
    for _ in range(5):
        small.record(**_fields())
    assert [e["seq"] for e in small.entries()] == [3, 4, 5]
    assert small.clear() == 3 and small.bytes == 0


def test_a_byte_bound_through_the_config(client: FlaskClient) -> None:
    bounded = create_app({"journal_bytes": 4000, "log_requests": False}).test_client()
    for i in range(30):
        bounded.put(BATCH, json=[{**EVENT, "ExternalId": f"e{i}"}], headers=AUTH)
    mock = bounded.application.extensions["mockserver"]
    assert mock.journal.bytes <= 4000 and 0 < len(_journal(bounded)) < 30


@pytest.mark.parametrize("query", ["?operationId=upsertCalendarEvents", "?statuss=200", "?api=x&verb=GET"])
def test_an_unknown_filter_is_refused_naming_the_valid_ones(client: FlaskClient, query: str) -> None:
    response = client.get(f"/__mock/journal{query}")
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert "unknown journal filter" in message and all(name in message for name in FILTERS)


@pytest.mark.parametrize("query", ["?since=abc", "?status=ok", "?limit=0", "?limit=x"])
def test_a_malformed_number_filter_is_a_400_not_a_500(client: FlaskClient, query: str) -> None:
    response = client.get(f"/__mock/journal{query}")
    assert response.status_code == 400 and "journal filter" in response.get_json()["message"]


def test_filters_combine(client: FlaskClient) -> None:
    client.put(BATCH, json=[EVENT], headers=AUTH)
    client.put(BATCH, json=[EVENT])
    client.get("/kona/api/v2/calendars/events", headers=AUTH)
    assert len(_journal(client, "?api=twelvetwenty&status=401")) == 1
    assert len(_journal(client, "?operation_id=upsertCalendarEvents&limit=1")) == 1
    assert [e["api"] for e in _journal(client, "?method=get")] == ["kona"]


def test_secrets_are_masked_but_recognisable() -> None:
    assert mask("dev-token") == "dev-…(9)" and mask("abc") == "…(3)" and mask("1234567") == "…(7)"
    assert mask_header("Authorization", "Bearer qa-secret-1") == "Bearer qa-s…(11)"
    assert mask_header("authorization", "Basic") == "…(5)"
    assert mask_header("Cookie", "session=abcdef") == "sess…(14)"
    assert mask_header("X-Api-Key", "k1234567") == "k123…(8)"
    assert mask_header("X-Trace", "visible") == "visible"
