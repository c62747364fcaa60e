from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from mockserver.apis.kona.dates import EPOCH, HORIZON
from mockserver.apis.kona.listing import list_window, page_of, rows
from mockserver.apis.kona.recurrence import DAY, EVERY, EVERY_OTHER, WEEK


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def record(
    event_id: int, start: datetime, *, created: datetime | None = None, **recurrence: Any
) -> dict[str, Any]:
    stamp = created or at(2024, 1, 1)
    return {
        "id": event_id,
        "start_at": start,
        "end_at": start,
        "created_at": stamp,
        "updated_at": stamp,
        "period": 0,
        "frequency": 0,
        "sel_days": None,
        "series_end_at": None,
        **recurrence,
    }


def ids_and_numbers(items: list[tuple[dict[str, Any], Any]]) -> list[tuple[int, int]]:
    return [(rec["id"], occ.num_in_series) for rec, occ in items]


def test_list_window_defaults_to_the_current_month() -> None:
    assert list_window(None, None, at(2024, 2, 15)) == (
        datetime(2024, 2, 1, tzinfo=UTC),
        datetime(2024, 3, 1, tzinfo=UTC),
    )


def test_list_window_open_bounds() -> None:
    assert list_window(at(2024, 2, 1), None, at(2030, 1, 1)) == (at(2024, 2, 1), HORIZON)
    assert list_window(None, at(2024, 2, 1), at(2030, 1, 1)) == (EPOCH, at(2024, 2, 1))


def test_default_order_merges_occurrences_by_start() -> None:
    biweekly = record(
        1, at(2024, 1, 2), period=WEEK, frequency=EVERY_OTHER, sel_days=2, series_end_at=at(2024, 6, 18)
    )
    single = record(2, at(2024, 2, 20))
    outside = record(3, at(2024, 7, 1))
    window = (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 5, 1, tzinfo=UTC))
    listed = list(rows([single, outside, biweekly], window))
    assert ids_and_numbers(listed) == [(1, 4), (2, 1), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9)]


def test_order_by_created_at_newest_first_keeps_series_together() -> None:
    old_series = record(1, at(2024, 2, 1), created=at(2023, 1, 1), period=DAY, frequency=EVERY)
    new_single = record(2, at(2024, 2, 1), created=at(2023, 6, 1))
    window = (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 2, 4, tzinfo=UTC))
    listed = list(rows([old_series, new_single], window, "created_at"))
    assert ids_and_numbers(listed) == [(2, 1), (1, 1), (1, 2), (1, 3)]


def test_order_by_updated_at() -> None:
    a = record(1, at(2024, 2, 1))
    b = record(2, at(2024, 2, 2))
    a["updated_at"] = at(2024, 3, 1)
    window = (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))
    assert ids_and_numbers(list(rows([a, b], window, "updated_at"))) == [(1, 1), (2, 1)]


def test_paging_slices_and_tolerates_huge_pages() -> None:
    assert page_of(iter(range(60)), 1, 25) == list(range(25))
    assert page_of(iter(range(60)), 3, 25) == list(range(50, 60))
    assert page_of(iter(range(60)), 4, 25) == []
    assert page_of(iter(range(60)), 2**31 - 1, 2**31 - 1) == []


def test_endless_series_page_is_cheap() -> None:
    endless = [record(i, at(1970, 1, 1, 0), period=DAY, frequency=EVERY) for i in range(1, 51)]
    started = time.perf_counter()
    page = page_of(rows(endless, (datetime(1970, 1, 1, tzinfo=UTC), HORIZON)), 2, 25)
    assert ids_and_numbers(page) == [(i, 1) for i in range(26, 51)]
    assert time.perf_counter() - started < 1.0
