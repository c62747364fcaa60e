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
