from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.apis.b2core import messages as m
from mockserver.apis.b2core.listing import (
    list_events,
    resolve_sort_field,
)

AUTH = {"Authorization": "Bearer dev-token"}


def _event(event_id: int, caption: str, description: str | None, span: str, **rest: Any) -> dict[str, Any]:
    start, end = span.split(" / ")
    return {
        "id": event_id,
        "caption": caption,
        "description": description,
        "startDate": start,
        "endDate": end,
        "notifications": [],
        "recipients": rest.get("recipients", []),
        "createTime": rest["created"],
        "updateTime": rest["created"],
    }


# In UTC: #1 01-01 09:00-10:00, #2 01-02 00:00-01:00, #3 01-01 04:00-05:00, #4 01-01 09:00 to 01-03.
EVENTS = [
    _event(
        1,
        "Team meeting",
        "Weekly sync",
        "2022-01-01T09:00:00+00:00 / 2022-01-01T10:00:00+00:00",
        recipients=["Alice@Example.com"],
        created="2022-01-03T00:00:00+00:00",
    ),
    _event(
        2,
        "name day",
        None,
        "2022-01-02T00:00:00Z / 2022-01-02T01:00:00Z",
        recipients=["bob@example.com", "user@example.com"],
        created="2022-01-01T00:00:00+00:00",
    ),
    _event(
        3,
        "Audit",
        "Quarterly DESCRIPTION review",
        "2021-12-31T23:00:00-05:00 / 2022-01-01T05:00:00Z",
        created="2022-01-02T00:00:00+00:00",
    ),
    _event(
        4,
        "audit",
        "",
        "2022-01-01T18:00:00+09:00 / 2022-01-03T00:00:00Z",
        recipients=["user@example.com"],
        created="2022-01-02T00:00:00+00:00",
    ),
]


def _ids(events: list[dict[str, Any]]) -> list[int]:
    return [event["id"] for event in events]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [1, 2, 3, 4]),
        ({"startDate": "2022-01-01T05:00:00Z"}, [1, 2, 4]),
        ({"startDate": "2022-01-01T04:00:00Z"}, [1, 2, 3, 4]),
        ({"startDate": "2022-01-01T14:00:00+09:00"}, [1, 2, 4]),
        ({"endDate": "2022-01-01T10:00:00Z"}, [1, 3]),
        ({"endDate": "2022-01-01T09:59:59.999Z"}, [3]),
        ({"startDate": "2022-01-01T05:00:00Z", "endDate": "2022-01-02T23:00:00Z"}, [1, 2]),
        ({"recipients": "user@example.com"}, [2, 4]),
        ({"recipients": "ALICE@example.COM"}, [1]),
        ({"recipients": "alice@example.com, bob@example.com"}, [1, 2]),
        ({"recipients": "nobody@example.com"}, []),
        ({"name": "audit"}, [3, 4]),
        ({"name": "NAME"}, [2]),
        ({"name": "meet"}, [1]),
        ({"description": "description"}, [3]),
        ({"description": ""}, [1, 2, 3, 4]),
        ({"name": "audit", "recipients": "user@example.com"}, [4]),
    ],
    ids=[
        "none",
        "start-on-or-after",
        "start-inclusive",
        "start-with-offset",
        "end-on-or-before-inclusive",
        "end-exclusive-by-a-millisecond",
        "window",
        "recipient",
        "recipient-case-insensitive",
        "recipients-any-of",
        "recipient-unknown",
        "name-case-insensitive",
        "name-is-the-caption",
        "name-substring",
        "description-substring",
        "empty-text-matches-all",
        "filters-combine",
    ],
)
def test_filters(filters: dict[str, str], expected: list[int]) -> None:
    assert _ids(list_events(EVENTS, {"filter": filters})) == expected


@pytest.mark.parametrize(
    ("sort_by", "sort_order", "expected"),
    [
        (None, None, [1, 2, 3, 4]),
        ("id", "desc", [4, 3, 2, 1]),
        ("startTime", "asc", [3, 1, 4, 2]),
        ("startTime", "desc", [2, 1, 4, 3]),
        ("startDate", None, [3, 1, 4, 2]),
        ("endDate", "asc", [3, 1, 2, 4]),
        ("endTime", "desc", [4, 2, 1, 3]),
        ("createTime", "asc", [2, 3, 4, 1]),
        ("createTime", "desc", [1, 3, 4, 2]),
        ("caption", "asc", [3, 4, 2, 1]),
    ],
    ids=[
        "default-id-asc",
        "id-desc",
        "start-time-alias",
        "start-time-desc-ties-by-id",
        "start-date",
        "end-date",
        "end-time-alias-desc",
        "create-time-ties-by-id",
        "create-time-desc-ties-by-id",
        "caption-case-insensitive",
    ],
)
def test_sort(sort_by: str | None, sort_order: str | None, expected: list[int]) -> None:
    query = {"sort_by": sort_by, "sort_order": sort_order}
    assert _ids(list_events(reversed(EVENTS), {k: v for k, v in query.items() if v is not None})) == expected


@pytest.mark.parametrize(
    ("alias", "field"),
    [("startTime", "startDate"), ("endTime", "endDate"), ("caption", "caption"), (None, "id")],
    ids=["start-time", "end-time", "plain", "default"],
)
def test_resolve_sort_field(alias: str | None, field: str) -> None:
    assert resolve_sort_field(alias) == field


MANY = [
    _event(n, "c", None, "2024-01-01T00:00:00Z / 2024-01-01T01:00:00Z", created="2024-01-01T00:00:00Z")
    for n in range(1, 13)
]


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (None, None, list(range(1, 11))),
        (2, 1, [2, 3]),
        (100, 10, [11, 12]),
        (5, 12, []),
        (1, 10**30, []),
    ],
    ids=["defaults-10", "window", "tail", "offset-at-end", "huge-offset"],
)
def test_paginate(limit: int | None, offset: int | None, expected: list[int]) -> None:
    query = {key: value for key, value in (("limit", limit), ("offset", offset)) if value is not None}
    for sort_by in ("id", "startDate"):  # the sorted path and the lazy index path
        assert [e["id"] for e in list_events(MANY, {**query, "sort_by": sort_by})] == expected


def test_seed_list_example() -> None:
    seed_event = _event(
        9,
        "Name",
        "Description",
        "2022-01-01T00:00:00+00:00 / 2022-01-01T00:00:00+00:00",
        recipients=["user@example.com"],
        created="2022-01-01T00:00:00+00:00",
    )
    query = {
        "limit": 10,
        "offset": 0,
        "sort_order": "desc",
        "sort_by": "startTime",
        "filter": {
            "startDate": "2022-01-01T00:00:00+00:00",
            "endDate": "2022-01-01T00:00:00+00:00",
            "recipients": "user@example.com",
            "name": "Name",
            "description": "Description",
        },
    }
    assert list_events([*EVENTS, seed_event], query) == [seed_event]


@pytest.mark.parametrize(
    ("query", "field", "key"),
    [
        ("sort_by=updateTime", "sort_by", m.ENUM),
        ("sort_by=name", "sort_by", m.ENUM),
        ("sort_by=", "sort_by", m.ENUM),
        ("sort_order=DESC", "sort_order", m.ENUM),
        ("filter[title]=x", "filter", m.UNKNOWN_FIELD),
        ("filter[startDate]=2022-01-01", "filter[startDate]", m.FORMAT_DATE_TIME),
        ("filter[endDate]=2022-01-01T00:00:00+00:00", None, None),
        ("filter[endDate]=2022-01-01T00:00:00%2000:00", "filter[endDate]", m.FORMAT_DATE_TIME),
        ("filter[recipients]=abc", "filter[recipients]", m.RECIPIENTS_FILTER),
        ("filter[recipients]=a@b,", "filter[recipients]", m.RECIPIENTS_FILTER),
        ("filter[recipients]=", "filter[recipients]", m.RECIPIENTS_FILTER),
        ("limit=0", "limit", m.MINIMUM),
        ("limit=101", "limit", m.MAXIMUM),
        ("offset=-1", "offset", m.MINIMUM),
    ],
    ids=[
        "sort-field-not-listed",
        "sort-by-filter-name",
        "sort-by-empty",
        "sort-order-case-sensitive",
        "unknown-filter",
        "date-without-time",
        "plus-decoded-as-space",
        "space-in-offset",
        "recipient-not-an-email",
        "recipients-trailing-comma",
        "recipients-empty",
        "limit-zero",
        "limit-over-max",
        "negative-offset",
    ],
)
def test_bad_queries_are_refused_by_the_spec_over_http(
    client: FlaskClient, query: str, field: str | None, key: str | None
) -> None:
    """The list has no checks of its own: the spec's validator refuses every one of these."""
    response = client.get(f"/b2core/api/v2/calendars/events?{query}", headers=AUTH)
    if field is None:  # "+" in a query string is a space: not an RFC 3339 offset
        assert response.status_code == 400, response.json
        return
    assert response.status_code == 400, response.json
    assert list(response.json["errors"]) == [field]
    template = re.escape(m.ENGLISH[str(key)]).replace(re.escape("{field}"), re.escape(field))
    pattern = re.sub(r"\\\{[a-z]+\\\}", ".+", template)
    assert re.fullmatch(pattern, response.json["errors"][field][0]), response.json


def test_unknown_filter_names_every_key(client: FlaskClient) -> None:
    response = client.get(
        "/b2core/api/v2/calendars/events?filter[zeta]=1&filter[alpha]=2&filter[name]=ok", headers=AUTH
    )
    assert response.status_code == 400
    assert response.json["errors"]["filter"] == ["The filter field does not accept: zeta, alpha."]
