from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mockserver.apis.kona.records import KonaRecord, new_record, to_wire, updated_record
from mockserver.apis.kona.recurrence import Series, nth_occurrence
from mockserver.apis.kona.rules import EndBeforeStart, InvalidDate, UnknownSpace

NOW = datetime(2024, 2, 15, 12, 0, 0, 123456, tzinfo=UTC)
NOW_MS = 1707998400123
SPACES = {9, 12}
EXTERNAL = {"id": "AD8E", "name": "Opportunity", "url": "https://example.com/o/1"}


def create(item: dict[str, Any], event_id: int = 1) -> dict[str, Any]:
    return new_record(item, event_id=event_id, now=NOW, creator_id=42, default_space_id=9, space_ids=SPACES)


def test_create_applies_seed_defaults() -> None:
    wire = to_wire(create({"name": "Kickoff"}))
    assert {
        k: wire[k]
        for k in (
            "status",
            "visibility",
            "stakeholder",
            "default_role",
            "all_day",
            "period",
            "frequency",
            "space_id",
            "creator_id",
            "start_at",
            "end_at",
            "created_at",
            "updated_at",
        )
    } == {
        "status": 1,
        "visibility": 2,
        "stakeholder": 1,
        "default_role": 1,
        "all_day": False,
        "period": 0,
        "frequency": 0,
        "space_id": 9,
        "creator_id": 42,
        "start_at": NOW_MS,
        "end_at": NOW_MS,
        "created_at": NOW_MS,
        "updated_at": NOW_MS,
    }
    assert wire["href"] == "https://io.kona.com/api/calendar_events/1"
    assert wire["tags"] == []
    assert "external_object" not in wire


def test_create_keeps_given_values_and_parses_dates() -> None:
    record = create(
        {
            "name": "x",
            "start_at": 1477900800,
            "end_at": "2016-10-31 09:00:00.000",
            "space_id": 12,
            "stakeholder": 2,
            "id": 999,
            "tags": ["ignored"],
        }
    )
    wire = to_wire(record)
    assert (wire["start_at"], wire["end_at"]) == (1477900800000, 1477904400000)
    assert (wire["space_id"], wire["stakeholder"], wire["id"], wire["tags"]) == (12, 2, 1, [])


def test_missing_end_at_never_precedes_given_start() -> None:
    wire = to_wire(create({"name": "x", "start_at": "2030-01-01 10:00:00.000"}))
    assert wire["end_at"] == wire["start_at"]


def test_missing_start_at_never_follows_given_end() -> None:
    wire = to_wire(create({"name": "x", "end_at": "2020-01-01 10:00:00.000"}))
    assert wire["start_at"] == wire["end_at"]


def test_write_only_ids_are_stored_but_never_returned() -> None:
    record = create({"name": "x", "participant_ids": [3, 4], "editor_ids": [5]})
    assert record["participant_ids"] == [3, 4] and record["editor_ids"] == [5]
    wire = to_wire(record)
    assert "participant_ids" not in wire and "editor_ids" not in wire


def test_unknown_space_is_unprocessable() -> None:
    with pytest.raises(UnknownSpace) as caught:
        create({"name": "x", "space_id": 77})
    assert (caught.value.field, caught.value.status) == ("space_id", 422)
    assert "77" in caught.value.message


def test_end_before_start_is_unprocessable() -> None:
    with pytest.raises(EndBeforeStart) as caught:
        create({"name": "x", "start_at": 1477904400, "end_at": 1477900800})
    assert (caught.value.field, caught.value.status) == ("end_at", 422)


def test_bad_date_is_a_bad_request() -> None:
    with pytest.raises(InvalidDate) as caught:
        create({"name": "x", "series_end_at": "tomorrow"})
    assert (caught.value.field, caught.value.status) == ("series_end_at", 400)


def test_update_is_a_patch_and_bumps_updated_at() -> None:
    record = create({"name": "Kickoff", "location": "Room 1", "start_at": 1477900800})
    later = NOW + timedelta(hours=1)
    changed = updated_record(record, {"location": "Room 4"}, now=later, space_ids=SPACES)
    assert changed["location"] == "Room 4"
    assert (changed["name"], changed["start_at"]) == (record["name"], record["start_at"])
    assert changed["created_at"] == record["created_at"]
    assert to_wire(changed)["updated_at"] == NOW_MS + 3_600_000
    assert record["location"] == "Room 1"  # the stored record is not mutated


def test_update_checks_the_merged_dates() -> None:
    record = create({"name": "x", "start_at": 1477900800, "end_at": 1477904400})
    with pytest.raises(EndBeforeStart):
        updated_record(record, {"start_at": 1477908000}, now=NOW, space_ids=SPACES)


def test_external_object_set_replace_remove() -> None:
    record = create({"name": "x", "external_object": EXTERNAL})
    assert to_wire(record)["external_object"] == EXTERNAL
    replaced = updated_record(
        record, {"external_object": {"id": "B", "name": "Other", "x": 1}}, now=NOW, space_ids=SPACES
    )
    assert to_wire(replaced)["external_object"] == {"id": "B", "name": "Other"}
    kept = updated_record(replaced, {"name": "y"}, now=NOW, space_ids=SPACES)
    assert kept["external_object"] == {"id": "B", "name": "Other"}
    removed = updated_record(kept, {"external_object": {}}, now=NOW, space_ids=SPACES)
    assert "external_object" not in to_wire(removed)


def test_single_event_has_null_series_fields() -> None:
    wire = to_wire(create({"name": "x"}))
    assert (wire["series_id"], wire["num_in_series"]) == (None, None)


def test_recurring_occurrence_wire_view() -> None:
    record = create(
        {
            "name": "Review",
            "start_at": "2024-01-02 10:00:00.000",
            "end_at": "2024-01-02 11:00:00.000",
            "period": 2,
            "frequency": 2,
            "sel_days": 2,
            "series_end_at": "2024-06-18 00:00:00.000",
        },
        event_id=7,
    )
    first = to_wire(record)
    assert (first["id"], first["series_id"], first["num_in_series"]) == (7, 7, 1)
    fourth = nth_occurrence(Series.from_record(record), 4)
    wire = to_wire(record, fourth)
    # 2024-02-13 10:00 UTC and 11:00 UTC
    assert (wire["id"], wire["series_id"], wire["num_in_series"]) == (7, 7, 4)
    assert (wire["start_at"], wire["end_at"]) == (1707818400000, 1707822000000)
    assert wire["series_end_at"] == 1718668800000


def test_moving_the_start_keeps_the_end_and_a_plain_mapping_reads_back() -> None:
    record = create({"name": "x", "start_at": 1477900800, "end_at": 1477904400})
    moved = updated_record(record, {"start_at": 1477902600}, now=NOW, space_ids=SPACES)
    assert (to_wire(moved)["start_at"], to_wire(moved)["end_at"]) == (1477902600000, 1477904400000)
    reordered = dict(reversed(list(dict(moved).items())))  # end_at before start_at
    assert KonaRecord(reordered) == moved
