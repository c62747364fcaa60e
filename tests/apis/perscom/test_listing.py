from __future__ import annotations

import pytest

from mockserver.apis.perscom.listing import link_collection, page_window, paginate

BASE = "https://api.perscom.io/v2/events"


def test_first_page_of_forty_items() -> None:
    page = paginate(list(range(1, 41)), 1, None, BASE)
    assert page.items == list(range(1, 16))
    assert page.links == {
        "first": f"{BASE}?page=1",
        "last": f"{BASE}?page=3",
        "prev": None,
        "next": f"{BASE}?page=2",
    }
    assert page.meta == {
        "current_page": 1,
        "from": 1,
        "last_page": 3,
        "links": [
            {"url": None, "label": "&laquo; Previous", "active": False},
            {"url": f"{BASE}?page=1", "label": "1", "active": True},
            {"url": f"{BASE}?page=2", "label": "2", "active": False},
            {"url": f"{BASE}?page=3", "label": "3", "active": False},
            {"url": f"{BASE}?page=2", "label": "Next &raquo;", "active": False},
        ],
        "path": BASE,
        "per_page": 15,
        "to": 15,
        "total": 40,
    }


def test_last_partial_page() -> None:
    page = paginate(list(range(1, 41)), 3, 15, BASE)
    assert page.items == list(range(31, 41))
    assert (page.meta["from"], page.meta["to"]) == (31, 40)
    assert page.links["prev"] == f"{BASE}?page=2"
    assert page.links["next"] is None


def test_page_past_the_end_is_empty_but_keeps_its_number() -> None:
    page = paginate([1, 2, 3], 5, 2, BASE)
    assert page.items == []
    assert page.meta["current_page"] == 5
    assert (page.meta["from"], page.meta["to"], page.meta["last_page"]) == (None, None, 2)
    assert page.links["prev"] == f"{BASE}?page=4"
    assert page.links["next"] is None


def test_empty_collection_has_one_page() -> None:
    page = paginate([], None, None, BASE)
    assert page.meta["last_page"] == 1
    assert page.links["last"] == f"{BASE}?page=1"
    assert page.envelope() == {"data": [], "links": page.links, "meta": page.meta}


@pytest.mark.parametrize(
    ("page", "limit", "expected_page", "expected_limit"),
    [(None, None, 1, 15), (0, 0, 1, 15), (-3, -1, 1, 15), (2, 5, 2, 5)],
    ids=["defaults", "zero", "negative", "given"],
)
def test_page_and_limit_defaults(
    page: int | None, limit: int | None, expected_page: int, expected_limit: int
) -> None:
    meta = paginate(list(range(20)), page, limit, BASE).meta
    assert (meta["current_page"], meta["per_page"]) == (expected_page, expected_limit)


def test_existing_query_string_gets_an_ampersand() -> None:
    assert paginate([1], 1, 1, f"{BASE}?x=1").links["first"] == f"{BASE}?x=1&page=1"


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 13, list(range(1, 14))),
        (1, 20, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None, 19, 20]),
        (7, 20, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None, 19, 20]),
        (10, 20, [1, 2, None, 7, 8, 9, 10, 11, 12, 13, None, 19, 20]),
        (14, 20, [1, 2, None, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]),
        (20, 20, [1, 2, None, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]),
    ],
    ids=[
        "small-slider",
        "too-close-to-start",
        "window-edge-start",
        "full-slider",
        "too-close-to-end",
        "last",
    ],
)
def test_page_window_matches_laravel_url_window(current: int, last: int, expected: list[int | None]) -> None:
    assert page_window(current, last) == expected


def test_link_collection_renders_gaps_as_dots() -> None:
    labels = [entry["label"] for entry in link_collection(BASE, 10, 20)]
    assert labels[:4] == ["&laquo; Previous", "1", "2", "..."]
    assert labels[-4:] == ["...", "19", "20", "Next &raquo;"]
    dots = [entry for entry in link_collection(BASE, 10, 20) if entry["label"] == "..."]
    assert all(entry["url"] is None and entry["active"] is False for entry in dots)
