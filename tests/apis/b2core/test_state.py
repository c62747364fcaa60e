"""``B2CoreState``: export/load round trip, id allocation, checks on loaded events, the start index,
records the cyclic collector can skip."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from typing import Any

import pytest

from mockserver.apis.b2core.dates import parse_instant
from mockserver.apis.b2core.records import new_event
from mockserver.apis.b2core.state import B2CoreState

EVENT = {
    "id": 7,
    "caption": "Name",
    "description": "Description",
    "startDate": "2022-01-01T00:00:00+00:00",
    "endDate": "2022-01-01T01:00:00+00:00",
    "notifications": ["PT2H"],
    "recipients": ["user@example.com"],
    "createTime": "2022-01-01T00:00:00+00:00",
    "updateTime": "2022-01-02T00:00:00+00:00",
}


def test_a_new_state_is_empty_and_starts_at_id_1() -> None:
    state = B2CoreState()
    assert state.export() == {"events": [], "next_id": 1}
    assert state.allocate_id() == 1 and state.allocate_id() == 2


def test_round_trip_keeps_events_and_moves_next_id_past_them() -> None:
    state = B2CoreState()
    state.load({"events": [EVENT]})
    assert state.export() == {"events": [EVENT], "next_id": 8}
    again = B2CoreState()
    again.load(state.export())
    assert again.export() == state.export()


def test_loaded_event_without_id_or_optional_fields_gets_defaults() -> None:
    state = B2CoreState()
    state.load({"events": [{k: EVENT[k] for k in ("caption", "startDate", "endDate")}]})
    [event] = state.export()["events"]
    assert event["id"] == 1 and event["description"] is None
    assert event["notifications"] == [] and event["recipients"] == []
    assert event["createTime"] == event["updateTime"] == "2022-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    "changes",
    [
        {"endDate": "2021-12-31T23:00:00+00:00"},
        {"startDate": "yesterday"},
        {"caption": 5},
        {"id": 0},
    ],
    ids=["end-before-start", "bad-date", "caption-not-string", "id-zero"],
)
def test_bad_loaded_events_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        B2CoreState().load({"events": [{**EVENT, **changes}]})


def test_missing_caption_is_refused() -> None:
    raw = {k: v for k, v in EVENT.items() if k != "caption"}
    with pytest.raises(KeyError):
        B2CoreState().load({"events": [raw]})


def test_writes_keep_the_start_index_in_step() -> None:
    state = B2CoreState()
    state.load({"events": [EVENT, {**EVENT, "id": 8, "startDate": "2022-01-01T00:30:00Z"}]})
    state.load({"events": [{**EVENT, "startDate": "2022-01-01T01:00:00+01:00"}]})  # id 7 again, moved
    assert [e["id"] for e in list(state.by_start(None, None))] == [7, 8]
    state.put({**EVENT, "id": 7, "startDate": "2022-01-01T00:45:00Z"})
    assert [e["id"] for e in list(state.by_start(None, None))] == [8, 7]
    assert state.remove(8)["id"] == 8
    assert [e["id"] for e in list(state.by_start(None, None))] == [7] and list(state.events) == [7]
    assert state.starts == {7: parse_instant("2022-01-01T00:45:00Z")}


def test_stored_events_leave_the_cyclic_collector_alone() -> None:
    """A store grown by creates must not lengthen the full collections (bench/README.md): its
    events hold only atomic values and tuples, which a full collection untracks."""
    state = B2CoreState()
    state.load({"events": [EVENT]})
    state.put(new_event(dict(EVENT, recipients=["a@example.com"]), 9, datetime(2022, 1, 1, tzinfo=UTC)))
    gc.collect()
    assert [gc.is_tracked(event) for event in state.events.values()] == [False, False]
