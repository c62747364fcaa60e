"""``--check-leftovers``' comparison of a target's state before and after a run (contracts.leftovers)."""

from __future__ import annotations

from typing import Any

from contracts.leftovers import compare

PREFIX = "ctabc12345-"


def event(external_id: str, title: str = "t") -> dict[str, Any]:
    return {"ExternalId": external_id, "UserId": 124, "Title": title}


def test_only_counters_moved_is_clean() -> None:
    before = {"perscom": {"events": [{"id": 1, "name": "shared"}], "next_id": 2}}
    after = {"perscom": {"events": [{"id": 1, "name": "shared"}], "next_id": 40}}
    found = compare(before, after, PREFIX)
    assert found.clean
    assert found.lines() == ["contracts: the targets' state after the run equals their state before it"]


def test_a_record_added_removed_or_changed_is_left_behind() -> None:
    before = {"b2core": {"events": [{"id": 1, "caption": "a"}, {"id": 2, "caption": "b"}], "next_id": 3}}
    after = {"b2core": {"events": [{"id": 1, "caption": "changed"}, {"id": 7, "caption": "new"}], "next_id": 8}}
    found = compare(before, after, PREFIX)
    assert not found.clean
    assert found.lines() == [
        "contracts: LEFT BEHIND on b2core: events added: 7",
        "contracts: LEFT BEHIND on b2core: events removed: 2",
        "contracts: LEFT BEHIND on b2core: events changed: 1",
    ]


def test_twelvetwenty_keeps_only_the_runs_prefixed_events_and_lists_them() -> None:
    shared = event("someone-elses-123")
    before = {"twelvetwenty": {"events": [shared], "next_id": 5}}
    mine = [event(f"{PREFIX}full-{i}") for i in range(12)]
    found = compare(before, {"twelvetwenty": {"events": [shared, *mine], "next_id": 5}}, PREFIX)
    assert found.clean
    assert found.kept == {"twelvetwenty": [e["ExternalId"] for e in mine]}
    assert found.lines()[0].endswith(f"{PREFIX}full-9 and 2 more")
    assert found.lines()[1] == "contracts: apart from those, the targets' state after the run equals their state before it"
    stranger = compare(before, {"twelvetwenty": {"events": [shared, event("stranger")]}}, PREFIX)
    assert stranger.lines() == ["contracts: LEFT BEHIND on twelvetwenty: events added: stranger"]
    overwritten = compare(before, {"twelvetwenty": {"events": [event("someone-elses-123", "mine now")]}}, PREFIX)
    assert overwritten.lines() == ["contracts: LEFT BEHIND on twelvetwenty: events changed: someone-elses-123"]


def test_kona_refresh_tokens_the_run_was_issued_are_counted_not_failed() -> None:
    before = {"kona": {"refresh_tokens": {"old": {"client_id": "dev-client"}}, "events": []}}
    issued = {f"<redacted> {i}": {"client_id": "dev-client"} for i in range(3)}
    found = compare(before, {"kona": {"refresh_tokens": {"old": {"client_id": "dev-client"}, **issued}, "events": []}}, PREFIX)
    assert found.clean
    assert found.lines()[0].startswith("contracts: kona kept 3 refresh tokens issued to the run")
    revoked = compare(before, {"kona": {"refresh_tokens": {}, "events": []}}, PREFIX)
    assert revoked.lines() == ["contracts: LEFT BEHIND on kona: refresh_tokens removed: old"]


def test_a_plain_value_that_changed_is_shown_and_control_characters_escaped() -> None:
    found = compare({"kona": {"clock": "a"}}, {"kona": {"clock": "b\x1b[2J"}}, PREFIX)
    assert found.lines() == ['contracts: LEFT BEHIND on kona: clock changed: "a" → "b\\u001b[2J"']
