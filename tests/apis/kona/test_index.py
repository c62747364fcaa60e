"""The time index behind Kona's list: the same rows as a scan of every record, read from the index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.apis.kona.index import EventStore
from mockserver.apis.kona.listing import rows, window_rows
from mockserver.apis.kona.records import KonaRecord, ReadOnlyRecord, new_record, updated_record
from mockserver.apis.kona.recurrence import DAY, EVERY, EVERY_OTHER, MONTH, WEEK, WEEKDAY

BASE = datetime(2024, 1, 1, tzinfo=UTC)
SPACES = {9}


def at(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


def ms(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1))


def event(event_id: int, start: datetime, end: datetime | None = None, **fields: Any) -> KonaRecord:
    item = {"name": f"e{event_id}", "start_at": ms(start), "end_at": ms(end or start), **fields}
    return new_record(item, event_id=event_id, now=BASE, creator_id=42, default_space_id=9, space_ids=SPACES)


def store_of(*records: KonaRecord) -> EventStore:
    store = EventStore()
    for record in records:
        store[record["id"]] = record
    return store


def listed(store: EventStore, start: datetime, end: datetime, order_by: str | None = None) -> list[Any]:
    got = [(r["id"], o.num_in_series, o.start) for r, o in window_rows(store, (start, end), order_by)]
    want = [
        (r["id"], o.num_in_series, o.start) for r, o in rows(list(store.values()), (start, end), order_by)
    ]
    assert got == want  # the index never changes what a scan would list
    return [(event_id, number) for event_id, number, _ in got]


def test_default_order_is_start_then_id_and_ties_by_id() -> None:
    store = store_of(event(3, at(2)), event(1, at(2)), event(2, at(1)), event(4, at(5)))
    assert listed(store, at(0), at(24)) == [(2, 1), (1, 1), (3, 1), (4, 1)]


def test_window_edges() -> None:
    store = store_of(
        event(1, at(0), at(1)),  # ends exactly at the window start: out
        event(2, at(1)),  # zero length at the window start: in
        event(3, at(0), at(1.5)),  # overlaps the start: in
        event(4, at(3)),  # starts exactly at the window end: out
        event(5, at(2.5), at(9)),  # starts inside, ends after: in
    )
    assert listed(store, at(1), at(3)) == [(3, 1), (2, 1), (5, 1)]
    # as the scan does: an empty window still lists an event spanning its instant
    assert listed(store, at(3), at(3)) == [(5, 1)]
    assert listed(store, at(3), at(1)) == []  # inverted window


def test_a_long_event_is_found_from_far_inside_it() -> None:
    long = event(1, at(0), at(24 * 400))  # 400 days
    short = [event(i, at(i)) for i in range(2, 50)]
    store = store_of(long, *short)
    assert listed(store, at(24 * 300), at(24 * 301)) == [(1, 1)]


def test_update_moves_the_event() -> None:
    first = event(1, at(1))
    store = store_of(first, event(2, at(10)))
    store[1] = updated_record(
        first, {"start_at": ms(at(20)), "end_at": ms(at(21))}, now=BASE, space_ids=SPACES
    )
    assert listed(store, at(0), at(5)) == []
    assert listed(store, at(0), at(30)) == [(2, 1), (1, 1)]


def test_update_turning_an_event_into_a_series_and_back() -> None:
    first = event(1, at(1))
    store = store_of(first)
    weekly = updated_record(first, {"period": WEEK, "frequency": EVERY}, now=BASE, space_ids=SPACES)
    store[1] = weekly
    assert listed(store, at(0), at(24 * 15)) == [(1, 1), (1, 2), (1, 3)]
    store[1] = updated_record(weekly, {"period": 0}, now=BASE, space_ids=SPACES)
    assert listed(store, at(0), at(24 * 15)) == [(1, 1)]


def test_delete_and_clear_leave_the_index() -> None:
    store = store_of(event(1, at(1)), event(2, at(2), period=DAY, frequency=EVERY))
    del store[1]
    assert listed(store, at(0), at(24 * 2)) == [(2, 1), (2, 2)]
    del store[2]
    assert listed(store, at(0), at(24 * 2)) == []
    store[3] = event(3, at(1))
    store.clear()
    assert listed(store, at(0), at(24 * 2)) == [] and len(store) == 0


def test_series_ended_before_the_window_is_skipped_and_endless_one_found() -> None:
    ended = event(1, at(0), period=DAY, frequency=EVERY, series_end_at=ms(at(24 * 3)))
    endless = event(2, at(0), period=WEEK, frequency=EVERY)
    store = store_of(ended, endless)
    assert listed(store, at(24 * 70), at(24 * 71)) == [(2, 11)]


def test_order_by_created_and_updated_at() -> None:
    a, b = event(1, at(1)), event(2, at(2))
    store = store_of(a, b)
    store[1] = updated_record(a, {"name": "x"}, now=BASE + timedelta(days=1), space_ids=SPACES)
    assert listed(store, at(0), at(5), "updated_at") == [(1, 1), (2, 1)]
    assert listed(store, at(0), at(5), "created_at") == [(2, 1), (1, 1)]


def test_a_stored_record_is_read_only() -> None:
    record = event(1, at(1))
    store_of(record)
    with pytest.raises(ReadOnlyRecord):
        record["start_at"] = at(5)
    with pytest.raises(ReadOnlyRecord):
        del record["name"]
    assert record.copy()["start_at"] == at(1)


def test_plain_mappings_are_stored_as_records() -> None:
    store = EventStore({1: dict(event(1, at(1)))})
    assert isinstance(store[1], KonaRecord) and store == {1: event(1, at(1))}


def test_record_mapping_view() -> None:
    record = event(7, at(1), participant_ids=[3], tags=None)
    assert record["href"].endswith("/7") and "external_object" not in record
    assert record["participant_ids"] == [3] and record["editor_ids"] == []
    assert list(record)[:2] == ["id", "href"] and len(record) == len(dict(record))
    with pytest.raises(KeyError):
        record["nope"] = 1


RECURRENCES = st.sampled_from(
    [
        {},
        {"period": DAY, "frequency": EVERY},
        {"period": WEEK, "frequency": EVERY_OTHER},
        {"period": WEEKDAY, "frequency": EVERY},
        {"period": MONTH, "frequency": EVERY},
        {"period": DAY, "frequency": EVERY, "series_end_at": ms(at(24 * 20))},
    ]
)
EVENTS = st.lists(
    st.tuples(
        st.integers(0, 24 * 60),  # start hour
        st.sampled_from([0, 1, 5, 24, 24 * 30, 24 * 365]),  # length in hours
        RECURRENCES,
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(
    EVENTS,
    st.integers(-24, 24 * 70),
    st.integers(0, 24 * 10),
    st.sampled_from([None, "created_at"]),
    st.lists(st.integers(1, 25), max_size=5),
)
def test_index_lists_what_a_scan_lists(
    events: list[tuple[int, int, dict[str, int]]],
    window_start: int,
    window_hours: int,
    order_by: str | None,
    deleted: list[int],
) -> None:
    records = [
        event(i, at(start), at(start + length), **recurrence)
        for i, (start, length, recurrence) in enumerate(events, start=1)
    ]
    store = store_of(*records)
    for event_id in deleted:
        store.pop(event_id, None)
    listed(store, at(window_start), at(window_start + window_hours), order_by)


@pytest.mark.parametrize("micros", [-1500, -500, 0, 500, 1500])
def test_window_bounds_between_milliseconds(micros: int) -> None:
    """Records keep whole milliseconds; a window bound may carry microseconds."""
    shift = timedelta(microseconds=micros)
    store = store_of(event(1, at(0), at(1)), event(2, at(1)), event(3, at(2), at(3)), event(4, at(3)))
    listed(store, at(1) + shift, at(3) + shift)
    listed(store, at(1) + shift, at(1) + shift)
    listed(store, at(1), at(2) + shift)
