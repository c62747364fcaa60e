"""KonaState: defaults after a reset, fixtures, and export/load round trips."""

from __future__ import annotations

import pytest

from mockserver.apis.kona.rules import UnknownSpace
from mockserver.apis.kona.state import DEFAULT_USER_ID, KonaState


def test_defaults_after_reset() -> None:
    state = KonaState()
    assert list(state.spaces) == [9]
    assert state.user_for("dev")["id"] == DEFAULT_USER_ID
    assert "dev-client" in state.clients and state.events == {}


def test_fixture_events_spaces_and_users_round_trip() -> None:
    state = KonaState()
    state.load(
        {
            "spaces": [{"id": 10, "name": "Sales"}],
            "users": [{"id": 43, "email": "kim@example.com"}],
            "events": [
                {
                    "id": 5,
                    "name": "Kickoff",
                    "space_id": 10,
                    "start_at": "2016-11-01 09:00:00.000",
                    "end_at": 1477994400,
                    "participant_ids": [1],
                    "tags": ["crm"],
                    "period": 2,
                    "frequency": 1,
                    "created_at": 1477800000000,
                },
            ],
        }
    )
    assert state.next_id == 6 and state.user_for("43")["email"] == "kim@example.com"
    exported = state.export()
    [event] = exported["events"]
    assert (event["start_at"], event["end_at"], event["created_at"]) == (
        1477990800000,
        1477994400000,
        1477800000000,
    )
    assert event["participant_ids"] == [1] and event["tags"] == ["crm"]
    again = KonaState()
    again.load(exported)
    assert again.export() == exported


def test_fixture_event_in_an_unknown_space_is_refused() -> None:
    with pytest.raises(UnknownSpace):
        KonaState().load({"events": [{"name": "x", "space_id": 77}]})


def test_a_load_keeps_no_object_of_the_document_and_equal_strings_once() -> None:
    room, agenda = "".join(["Room ", "7"]), "".join(["Agenda ", "item"])
    events = [
        {"id": 1000 + i, "name": f"e{i}", "location": room, "details": agenda, "start_at": 1477900800000 + i}
        for i in range(3)
    ]
    state = KonaState()
    state.load({"events": events})
    stored = [state.events[1000 + i] for i in range(3)]
    given = [(e["id"], e["name"], e["location"], e["start_at"]) for e in events]
    kept = [(r.id, r.name, r.location, r.start_at) for r in stored]
    assert kept == given  # equal values ...
    assert not any(a is b for pair in zip(given, kept, strict=True) for a, b in zip(*pair, strict=True))
    assert stored[0].location is stored[1].location is stored[2].location  # ... one copy of each
    assert stored[0].details is stored[2].details


def test_loaded_defaults_read_back_and_export_as_given() -> None:
    event = {"id": 3, "name": "x", "start_at": 1477900800000, "status": 1, "all_day": 0, "tags": []}
    state = KonaState()
    state.load({"events": [event]})
    record = state.events[3]
    assert (record["status"], record["visibility"], record["all_day"], record["tags"]) == (1, 2, 0, [])
    assert type(record["all_day"]) is int  # 0 is not the default False: kept as given
    exported = state.export()["events"][0]
    assert list(exported)[-5:] == ["start_at", "end_at", "series_end_at", "created_at", "updated_at"]
    assert exported["created_at"] == exported["updated_at"] and exported["series_end_at"] is None


@pytest.mark.parametrize("field", [{"period": 99, "frequency": 1}, {"period": 2, "frequency": 1, "sel_days": 9}])
def test_a_recurrence_no_expansion_can_read_is_refused(field: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(field)) if "sel_days" not in field else "sel_days"):
        KonaState().load({"events": [{"name": "x", **field}]})
