"""The start index behind B2Core's list: the same page as filtering and sorting every event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import yaml
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.apis.b2core import records, rules
from mockserver.apis.b2core.dates import parse_instant
from mockserver.apis.b2core.listing import (
    SORT_ALIASES,
    list_events,
    matches,
    parse_filter,
)
from mockserver.apis.b2core.state import B2CoreState
from mockserver.mock import MockServer
from mockserver.spec import SPECS_DIR

_SPEC = yaml.safe_load((SPECS_DIR / "b2core.yaml").read_text())
SORT_FIELDS = tuple(_SPEC["components"]["schemas"]["SortField"]["enum"])
SORT_ORDERS = ("asc", "desc")

BASE = datetime(2024, 1, 1, tzinfo=UTC)
WHOLE = ("", ".0", ".000")  # the same instant, written three ways
HALF = (".5", ".50", ".5000")
ZONES = (("Z", 0), ("z", 0), ("+00:00", 0), ("-00:00", 0), ("+09:00", 9), ("-05:00", -5))
AUTH = {"Authorization": "Bearer dev-token"}
EVENTS_URL = "/b2core/api/v2/calendars/events"


def spelled(hours: int, half: bool) -> st.SearchStrategy[str]:
    """``hours`` (plus half a second) after ``BASE``, in any of its spellings."""

    @st.composite
    def spelling(draw: st.DrawFn) -> str:
        fraction = draw(st.sampled_from(HALF if half else WHOLE))
        suffix, offset = draw(st.sampled_from(ZONES))
        local = (BASE + timedelta(hours=hours)).astimezone(timezone(timedelta(hours=offset)))
        return local.strftime(f"%Y-%m-%d{draw(st.sampled_from('Tt'))}%H:%M:%S") + fraction + suffix

    return spelling()


MOMENTS = st.tuples(st.integers(0, 4), st.booleans())  # 10 instants: many equal dates
instants = MOMENTS.flatmap(lambda moment: spelled(*moment))


@st.composite
def spans(draw: st.DrawFn) -> dict[str, str]:
    """Start and end, the end no earlier; zero-length spans often, spelled apart."""
    first = draw(MOMENTS)
    second = first if draw(st.booleans()) else draw(MOMENTS)
    first, second = sorted((first, second))
    return {"startDate": draw(spelled(*first)), "endDate": draw(spelled(*second))}


CAPTIONS = st.sampled_from(["Team meeting", "audit", "Audit", "name day"])
DESCRIPTIONS = st.sampled_from([None, "", "Weekly sync", "Quarterly DESCRIPTION review"])
RECIPIENTS = st.lists(
    st.sampled_from(["alice@example.com", "Bob@Example.com", "user@example.com"]), max_size=2
)
NOW = st.sampled_from([BASE, BASE + timedelta(days=1), BASE + timedelta(days=2)])  # createTime ties

bodies = st.builds(
    lambda span, **rest: {**span, **rest},
    spans(),
    caption=CAPTIONS,
    description=DESCRIPTIONS,
    recipients=RECIPIENTS,
)
changes = st.builds(
    lambda span, **rest: {**span, **rest},
    st.one_of(spans(), st.just({})),
    caption=CAPTIONS,
)
creates = st.tuples(st.just("create"), bodies, NOW)
operations = st.builds(  # some events first, then creates, updates and deletes mixed
    lambda first, then: first + then,
    st.lists(creates, min_size=2, max_size=25),
    st.lists(
        st.one_of(
            creates,
            st.tuples(st.just("update"), st.integers(0, 10**6), changes, NOW),
            st.tuples(st.just("delete"), st.integers(0, 10**6)),
        ),
        max_size=25,
    ),
)
filters = st.fixed_dictionaries(
    {},
    optional={
        "startDate": instants,
        "endDate": instants,
        "name": st.sampled_from(["audit", "NAME", "meet", ""]),
        "description": st.sampled_from(["description", "sync", ""]),
        "recipients": st.sampled_from(["alice@example.com", "BOB@example.com, nobody@example.com"]),
    },
)
queries = st.fixed_dictionaries(
    {},
    optional={
        "filter": filters,
        "sort_by": st.one_of(st.sampled_from(["startDate", "startTime"]), st.sampled_from(SORT_FIELDS)),
        "sort_order": st.sampled_from(SORT_ORDERS),
        "limit": st.one_of(st.integers(1, 4), st.integers(1, 100)),
        "offset": st.one_of(st.integers(0, 4), st.integers(0, 40), st.just(2**63)),  # past sys.maxsize
    },
)


def apply(operations: Iterable[tuple[Any, ...]]) -> B2CoreState:
    """A state after the writes, made as the handlers make them (an update or delete picks a
    stored event by position; one that is refused by a rule changes nothing)."""
    state = B2CoreState()
    for kind, *args in operations:
        if kind == "create":
            body, now = args
            state.put(records.new_event(body, state.allocate_id(), now))
        elif state.events:
            stored = list(state.events.values())[args[0] % len(state.events)]
            if kind == "delete":
                state.remove(stored["id"])
                continue
            try:
                state.put(records.apply_changes(stored, args[1], args[2]))
            except rules.EndBeforeStart:
                pass
    return state


def reference(events: Iterable[dict[str, Any]], query: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The page by definition: every event through ``matches``, sorted with ties by id, sliced."""
    wanted = parse_filter(query.get("filter"))
    chosen = [event for event in events if matches(event, wanted)]
    field = SORT_ALIASES.get(query.get("sort_by", "id"), query.get("sort_by", "id"))

    def key(event: Mapping[str, Any]) -> Any:
        if field in ("startDate", "endDate", "createTime"):
            return parse_instant(event[field])
        return (event["caption"].casefold(), event["caption"]) if field == "caption" else event[field]

    by_id = sorted(chosen, key=lambda event: event["id"])
    ordered = sorted(by_id, key=key, reverse=query.get("sort_order") == "desc")
    offset = query.get("offset", 0)
    return ordered[offset : offset + query.get("limit", 10)]


def assert_index_in_step(state: B2CoreState) -> None:
    """The index holds each stored event once, at its current start: as rebuilt from ``events``."""
    rebuilt = B2CoreState(dict(state.events))
    assert (
        state.starts == rebuilt.starts == {i: parse_instant(e["startDate"]) for i, e in state.events.items()}
    )
    indexed = [event["id"] for event in list(state.by_start(None, None))]
    assert indexed == [event["id"] for event in list(rebuilt.by_start(None, None))]
    assert sorted(indexed) == sorted(state.events)


@settings(max_examples=300, deadline=None)
@given(operations, st.lists(queries, min_size=3, max_size=6))
def test_the_indexed_list_is_the_reference_page(
    writes: list[tuple[Any, ...]], asked: list[dict[str, Any]]
) -> None:
    state = apply(writes)
    assert_index_in_step(state)
    for query in asked:
        assert list_events(state, query) == reference(state.events.values(), query)


@settings(max_examples=100, deadline=None)
@given(operations)
def test_loading_an_export_rebuilds_the_same_index(writes: list[tuple[Any, ...]]) -> None:
    state = apply(writes)
    loaded = B2CoreState()
    loaded.load(state.export())
    assert_index_in_step(loaded)
    assert loaded.starts == state.starts
    assert list(loaded.by_start(None, None)) == list(state.by_start(None, None))


def test_equal_starts_list_by_id_in_both_orders() -> None:
    state = B2CoreState()
    starts = ["2024-01-01T10:00:00Z", "2024-01-01T10:00:00.000+00:00", "2024-01-01T19:00:00+09:00"]
    for event_id, start in zip((3, 1, 2), starts, strict=True):
        state.put({"id": event_id, "startDate": start, "endDate": "2024-01-01T11:00:00Z"})
    state.put({"id": 4, "startDate": "2024-01-01T09:00:00Z", "endDate": "2024-01-01T11:00:00Z"})
    for order, expected in (("asc", [4, 1, 2, 3]), ("desc", [1, 2, 3, 4])):
        query = {"sort_by": "startTime", "sort_order": order, "filter": {"startDate": "2024-01-01T09:00:00Z"}}
        assert [event["id"] for event in list_events(state, query)] == expected


def test_window_bounds_are_inclusive_and_the_end_filter_reads_the_end() -> None:
    state = B2CoreState()
    state.put({"id": 1, "startDate": "2024-01-01T10:00:00Z", "endDate": "2024-01-01T10:00:00Z"})
    state.put({"id": 2, "startDate": "2024-01-01T10:00:00Z", "endDate": "2024-01-01T10:00:00.001Z"})
    state.put({"id": 3, "startDate": "2024-01-01T09:59:59.999Z", "endDate": "2024-01-01T10:00:00Z"})
    window = {"startDate": "2024-01-01T10:00:00+00:00", "endDate": "2024-01-01T10:00:00Z"}
    assert [event["id"] for event in list_events(state, {"filter": window})] == [1]


def test_the_benchmark_query() -> None:
    state = B2CoreState()
    for n in range(200):
        start = BASE + timedelta(hours=8 + 7 * n)
        body = {"caption": f"e{n}", "startDate": f"{start:%Y-%m-%dT%H:%M:%SZ}"}
        body["endDate"] = f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}"
        state.put(records.new_event(body, state.allocate_id(), BASE))
    query = {
        "filter": {"startDate": "2024-01-01T00:00:00Z", "endDate": "2024-02-01T00:00:00Z"},
        "sort_by": "startDate",
        "sort_order": "desc",
        "limit": 10,
    }
    page = list_events(state, query)
    assert page == reference(state.events.values(), query)
    assert [event["id"] for event in page] == list(range(106, 96, -1))


def test_every_bad_list_parameter_is_reported_at_once(client: FlaskClient) -> None:
    query = "filter[startDate]=soon&sort_by=nope&sort_order=up&limit=0&offset=-1"
    response = client.get(f"{EVENTS_URL}?{query}", headers=AUTH)
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {
        "filter[startDate]",
        "sort_by",
        "sort_order",
        "limit",
        "offset",
    }


def test_handlers_keep_the_index_in_step(client: FlaskClient, mock: MockServer) -> None:
    def post(start: str, end: str) -> int:
        body = {"caption": "c", "startDate": start, "endDate": end}
        response = client.post(EVENTS_URL, json=body, headers=AUTH)
        assert response.status_code == 201, response.get_json()
        event_id: int = response.get_json()["id"]
        return event_id

    def listed(window: dict[str, str]) -> list[int]:
        query = {f"filter[{key}]": value for key, value in window.items()}
        response = client.get(EVENTS_URL, query_string={**query, "sort_by": "startDate"}, headers=AUTH)
        assert response.status_code == 200, response.get_json()
        return [event["id"] for event in response.get_json()]

    first = post("2024-01-01T08:00:00Z", "2024-01-01T09:00:00Z")
    second = post("2024-01-02T08:00:00Z", "2024-01-02T09:00:00Z")
    third = post("2024-01-03T08:00:00Z", "2024-01-03T09:00:00Z")
    moved = {"startDate": "2024-01-05T08:00:00+01:00", "endDate": "2024-01-05T09:00:00Z"}
    assert client.patch(f"{EVENTS_URL}/{first}", json=moved, headers=AUTH).status_code == 200
    assert (
        client.put(f"{EVENTS_URL}/{second}", json={"caption": "same start"}, headers=AUTH).status_code == 200
    )
    refused = {"startDate": "2024-01-09T08:00:00Z"}  # after its end: refused, nothing moves
    assert client.patch(f"{EVENTS_URL}/{third}", json=refused, headers=AUTH).status_code == 400
    assert client.delete(f"{EVENTS_URL}/{second}", headers=AUTH).status_code == 204

    assert listed({"startDate": "2024-01-01T00:00:00Z"}) == [third, first]
    assert listed({"endDate": "2024-01-04T00:00:00Z"}) == [third]
    with mock.store.locked("b2core") as state:
        assert isinstance(state, B2CoreState)
        assert_index_in_step(state)
        assert sorted(state.events) == [first, third]
