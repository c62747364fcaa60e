"""The search's index against the search without one: random stores, random search bodies and
random writes between searches; both must give the same events in the same order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from dateutil import parser as dateutil_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.apis.perscom.dates import format_datetime, to_utc
from mockserver.apis.perscom.handlers import visible_view
from mockserver.apis.perscom.index import Joined, Window, _kept
from mockserver.apis.perscom.params import Trashed, visible_ones
from mockserver.apis.perscom.records import delete_event, new_event, related, update_event
from mockserver.apis.perscom.search import apply_search, indexed_search, kept_clauses
from mockserver.apis.perscom.state import PerscomState

NOW = datetime(2024, 1, 1, tzinfo=UTC)
DATES = st.sampled_from(
    [
        "2023-11-01T00:00:00.000000Z",
        "2023-11-07T05:00:00.000000Z",
        "2023-11-07T05:00:00.000001Z",
        "2023-11-07T23:59:59.999999Z",
        "2023-11-30T00:00:00.000000Z",
        "2023-12-01T09:00:00Z",
        "2023-11-07T07:00:00+02:00",
        "2023-11-07",
        "9999-12-31T23:59:59.999999Z",
        "0001-01-01T00:00:00Z",
        "",
        datetime(2023, 11, 7, 5, tzinfo=UTC),
        datetime(2023, 11, 7, 6, tzinfo=timezone(timedelta(hours=1))),
        datetime(2023, 11, 20),  # naive: UTC
        date(2023, 11, 7),
    ]
)
# what no index keeps: a refused text, and dateutil's guess (today at 10:00)
UNSTEADY = st.sampled_from(["not a date", "10:00"])
WINDOW_ENDS = st.sampled_from(
    [
        "2023-11-01",
        "2023-11-07",
        "2023-11-30",
        "2023-11-07T05:00:00Z",
        "2023-11-07T04:59:59Z",
        "2023-12-01T09:00:00Z",
    ]
)
TEXT = st.text("dDrRiL l%_\\\x00é", max_size=6)
NAMES = st.one_of(
    TEXT, st.sampled_from(["Drill 1", "drill", "Briefing 2", "DRILL%", "a_b", "Drill 12", "drill 2"])
)
# the LIKE patterns a column answers (``%part%``, found in the joined texts) and the rest
PATTERNS = st.one_of(
    st.sampled_from(
        ["%rill%", "%Drill%", "%d%", "%1%", "%2%", "%ri%", "%\x00%", "%%", "%", "%07 05%", "%-11-%"]
    ),
    st.sampled_from(["D%", "%1", "%r_l%", "dr%l%", "%é%", "%\\%%", "Drill 1"]),
    TEXT,
)
FIELDS = st.sampled_from(["name", "name", "description", "starts", "ends", "created_at"]) | st.sampled_from(
    ["id", "calendar_id", "all_day", "deleted_at", "notifications_channels", "calendar.name", "author.name"]
)
OPERATORS = ["=", "!=", "<", ">=", "in", "not in", "all in", "any in"]
SCALARS = st.one_of(
    TEXT, st.integers(-1, 3), st.booleans(), st.none(), DATES.filter(lambda d: isinstance(d, str))
)
VALUES = st.one_of(SCALARS, SCALARS, st.lists(SCALARS, max_size=3))


@st.composite
def events(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.integers(1, 60), unique=True, max_size=24))
    out = []
    for event_id in ids:
        out.append(
            {
                "id": event_id,
                "name": draw(NAMES),
                "description": draw(st.one_of(st.none(), TEXT)),
                "calendar_id": draw(st.sampled_from([1, 2, 3])),
                "author_id": draw(st.sampled_from([10, 11])),
                "all_day": draw(st.booleans()),
                "starts": draw(st.one_of(DATES, st.none())),
                "ends": draw(st.one_of(DATES, st.none(), st.none())),
                "created_at": draw(DATES),
                "deleted_at": draw(st.sampled_from([None, None, "2023-11-08T00:00:00.000000Z"])),
                "notifications_channels": draw(
                    st.one_of(st.none(), st.lists(st.sampled_from(["mail", "sms"])))
                ),
                "tags": [{"id": 1, "name": "range"}] if draw(st.booleans()) else [],
            }
        )
    if out and draw(st.integers(0, 9)) == 0:
        out[-1][draw(st.sampled_from(["starts", "ends", "created_at"]))] = draw(UNSTEADY)
    return out


def filters(depth: int = 0) -> st.SearchStrategy[list[dict[str, Any]]]:
    joiners = st.sampled_from(["and", "and", "or"])
    field = st.builds(
        lambda f, op, v, joiner: {"field": f, "operator": op, "value": v, "type": joiner},
        FIELDS,
        st.sampled_from(OPERATORS),
        VALUES,
        joiners,
    ) | st.builds(
        lambda f, op, v, joiner: {"field": f, "operator": op, "value": v, "type": joiner},
        FIELDS,
        st.sampled_from(["like", "like", "ilike", "not like", "not ilike"]),
        PATTERNS,
        joiners,
    )
    if depth >= 2:
        return st.lists(field, max_size=3)
    nested = st.builds(
        lambda n, joiner: {"nested": n, "type": joiner}, filters(depth + 1), st.sampled_from(["and", "or"])
    )
    return st.lists(st.one_of(field, field, field, nested), max_size=3)


SCOPE = st.one_of(
    st.builds(lambda a, b: {"name": "datePeriod", "parameters": [a, b]}, WINDOW_ENDS, WINDOW_ENDS),
    st.builds(lambda a, b: {"name": "datePeriod", "parameters": [a, b]}, WINDOW_ENDS, WINDOW_ENDS),
    st.builds(lambda a: {"name": "datePeriod", "parameters": [a, "2023-12-01"]}, UNSTEADY),
    st.builds(
        lambda tags: {"name": "tags", "parameters": tags}, st.lists(st.sampled_from(["range", "1", "x"]))
    ),
)
SCOPES = st.lists(SCOPE, max_size=2)
SORTS = st.lists(
    st.builds(lambda f, d: {"field": f, "direction": d}, FIELDS, st.sampled_from(["asc", "desc"])),
    max_size=2,
)
BODIES = st.fixed_dictionaries(
    {},
    optional={
        "scopes": SCOPES,
        "filters": filters(),
        "search": st.fixed_dictionaries(
            {"value": st.one_of(TEXT, st.none())}, optional={"case_sensitive": st.booleans()}
        ),
        "sort": SORTS,
    },
)


def stored(raw: list[dict[str, Any]]) -> PerscomState:
    state = PerscomState()
    state.calendars.update({1: {"id": 1, "name": "Ops"}, 2: {"id": 2, "name": "drill"}})
    state.users[10] = {"id": 10, "name": "Alice"}
    for event in raw:
        state.events[event["id"]] = event
    state.next_id = max(state.events, default=0) + 1
    return state


def agree(state: PerscomState, body: dict[str, Any]) -> None:
    """The indexed search (twice: once building the columns, once reading them) is the plain one."""
    find = related(state)
    for trashed in Trashed:
        plain = apply_search(
            visible_ones([state.events[i] for i in sorted(state.events)], trashed), body, find
        )
        for _ in range(2):
            found = indexed_search(
                visible_view(state, trashed), body, find, kept_clauses(state.plans, body, find)
            )
            assert [e["id"] for e in found] == [e["id"] for e in plain], (trashed, body)
            assert all(a is b for a, b in zip(found, plain, strict=True))


@settings(max_examples=80, deadline=None)
@given(raw=events(), body=BODIES)
def test_the_index_finds_what_the_events_say(raw: list[dict[str, Any]], body: dict[str, Any]) -> None:
    agree(stored(raw), body)


WRITTEN = ["name", "starts", "ends", "description", "deleted_at"]


@st.composite
def write(draw: st.DrawFn) -> tuple[str, int, str, Any]:
    field = draw(st.sampled_from(WRITTEN))
    value = draw(
        st.one_of(NAMES, st.none()) if field in ("name", "description") else st.one_of(DATES, st.none())
    )
    kind = draw(st.sampled_from(["update", "update", "trash", "force", "create", "set", "pop", "clear"]))
    return kind, draw(st.integers(0, 30)), field, value


@st.composite
def written_body(draw: st.DrawFn, field: str) -> dict[str, Any]:
    """A body whose answer the write of ``field`` can change: a clause and a sort on it."""
    body: dict[str, Any] = {"sort": [{"field": field, "direction": draw(st.sampled_from(["asc", "desc"]))}]}
    if field in ("starts", "ends") or draw(st.booleans()):
        body["scopes"] = [draw(SCOPE)]
    if field != "deleted_at":
        op = draw(st.sampled_from(["like", "ilike", "not like"]))
        body["filters"] = [{"field": field, "operator": op, "value": draw(PATTERNS)}]
    return body


@st.composite
def writes_and_body(draw: st.DrawFn) -> tuple[list[tuple[str, int, str, Any]], dict[str, Any]]:
    writes = draw(st.lists(write(), min_size=1, max_size=4))
    return writes, draw(st.one_of(written_body(writes[0][2]), BODIES))


@settings(max_examples=50, deadline=None)
@given(raw=events(), case=writes_and_body())
def test_every_write_reaches_the_index(
    raw: list[dict[str, Any]], case: tuple[list[Any], dict[str, Any]]
) -> None:
    writes, body = case
    state = stored(raw)
    agree(state, body)
    for kind, pick, field, value in writes:
        ids = sorted(state.events)
        event = state.events[ids[pick % len(ids)]] if ids else None
        if kind == "update" and event is not None:
            update_event(state, event, {field: value}, NOW)
        elif kind == "trash" and event is not None:
            delete_event(state, event, False, NOW)
        elif kind == "force" and event is not None:
            delete_event(state, event, True, NOW)
        elif kind == "create":
            name = value if isinstance(value, str) else "x"
            new_event(state, {"name": name, "calendar_id": 2, "author_id": 10, "starts": value}, NOW)
        elif kind == "set" and event is not None:
            state.events[event["id"]] = {**event, field: value}
        elif kind == "pop" and event is not None:
            state.events.pop(event["id"])
        elif kind == "clear":
            state.events.clear()
        agree(state, body)


def test_a_guessed_date_is_read_again_the_next_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """dateutil fills a time-only text from today: neither the index nor the kept clauses keep
    what it read (the clock is moved on by a day with dateutil's ``parse``)."""
    reading = dateutil_parser.parse
    today = to_utc(reading("10:00"))
    tomorrow = today + timedelta(days=1)
    noon = format_datetime(today + timedelta(hours=2))
    guessed = stored(
        [
            {
                "id": 1,
                "name": "Drill",
                "calendar_id": 1,
                "author_id": 10,
                "starts": "10:00",
                "deleted_at": None,
            },
            {"id": 2, "name": "Drill", "calendar_id": 1, "author_id": 10, "starts": noon, "deleted_at": None},
        ]
    )
    by_start = {"sort": [{"field": "starts"}]}
    around_tomorrow = {
        "scopes": [
            {
                "name": "datePeriod",
                "parameters": [
                    f"{tomorrow - timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}",
                    f"{tomorrow + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}",
                ],
            }
        ]
    }
    fixed = stored(
        [
            {
                "id": 1,
                "name": "Drill",
                "calendar_id": 1,
                "author_id": 10,
                "starts": format_datetime(today),
                "deleted_at": None,
            }
        ]
    )
    at_ten = {
        "scopes": [{"name": "datePeriod", "parameters": ["10:00", "10:00"]}],
        "sort": [{"field": "starts"}],
    }
    printed_today = {"filters": [{"field": "starts", "operator": "like", "value": f"{today:%Y-%m-%d} 10%"}]}
    cases = [(guessed, around_tomorrow), (fixed, at_ten), (guessed, printed_today), (guessed, by_start)]

    def answers() -> list[list[int]]:
        for state, body in cases:
            agree(state, body)
        return [ids(state, body) for state, body in cases]

    assert answers() == [[], [1], [1], [1, 2]]

    def a_day_later(text: str, *args: Any, **kwargs: Any) -> datetime:
        return reading(text, *args, **kwargs) + timedelta(days=1)

    monkeypatch.setattr(dateutil_parser, "parse", a_day_later)
    assert answers() == [[1], [], [], [2, 1]]


def ids(state: PerscomState, body: dict[str, Any]) -> list[int]:
    find = related(state)
    found = indexed_search(
        visible_view(state, Trashed.WITHOUT), body, find, kept_clauses(state.plans, body, find)
    )
    return [e["id"] for e in found]


def test_a_state_made_with_a_plain_dict_still_counts_its_writes() -> None:
    state = PerscomState(
        events={1: {"id": 1, "name": "Drill", "starts": "2023-11-07T05:00:00Z", "deleted_at": None}}
    )
    body = {"filters": [{"field": "name", "operator": "like", "value": "%rill%"}]}
    agree(state, body)
    state.events[2] = {"id": 2, "name": "Drill 2", "starts": None, "deleted_at": None}
    agree(state, body)
    assert len(indexed_search(visible_view(state, Trashed.WITHOUT), body)) == 2


BOUNDS = st.one_of(st.none(), st.integers(0, 12))


@settings(max_examples=120, deadline=None)
@given(
    dates=st.lists(st.tuples(BOUNDS, BOUNDS), max_size=12),
    first=st.integers(0, 12),
    last=st.integers(0, 12),
    subset=st.one_of(st.none(), st.sets(st.integers(0, 11))),
)
def test_a_window_keeps_what_overlaps(
    dates: list[tuple[int | None, int | None]], first: int, last: int, subset: set[int] | None
) -> None:
    """``Window.overlapping``, both ways round and over a part, against its definition."""
    starts = [float("inf") if s is None else s for s, _ in dates]
    ends = [-float("inf") if s is None else (s if e is None else e) for s, e in dates]
    among = None if subset is None else sorted(p for p in subset if p < len(dates))
    bound, run = Window(starts, ends).overlapping(first, last)
    expected = [
        p for p in (range(len(dates)) if among is None else among) if starts[p] <= last and ends[p] >= first
    ]
    assert run(among) == expected
    assert bound >= len(run(None))


@settings(max_examples=120, deadline=None)
@given(
    texts=st.lists(st.one_of(st.none(), st.text("ab\x00", max_size=4)), max_size=12),
    inner=st.text("ab", min_size=1, max_size=2),
    subset=st.one_of(st.none(), st.sets(st.integers(0, 11))),
)
def test_joined_texts_find_what_contains_the_part(
    texts: list[str | None], inner: str, subset: set[int] | None
) -> None:
    """``Joined.containing`` (found by a scan or by the string's search: both) against ``in``."""
    among = None if subset is None else sorted(p for p in subset if p < len(texts))
    joined = Joined(texts)
    bound, run = joined.containing(inner)
    expected = [
        p
        for p in (range(len(texts)) if among is None else among)
        if (t := texts[p]) is not None and inner in t
    ]
    assert run(among) == expected
    assert bound >= len(run(None))
    assert _kept(joined._matches(inner), among) == expected  # the way a few matches are found


def test_the_columns_are_built_from_the_second_search_of_a_revision() -> None:
    state = stored([{"id": 1, "name": "Drill", "calendar_id": 1, "author_id": 10, "starts": None, "deleted_at": None}])
    assert [visible_view(state, Trashed.WITHOUT).worth_indexing() for _ in range(3)] == [False, True, True]
    state.events.touch()
    assert not visible_view(state, Trashed.WITHOUT).worth_indexing()


def test_a_record_changed_in_place_is_read_again() -> None:
    """``update_event`` and a soft delete change the stored record itself: the columns follow."""
    event = {"id": 1, "name": "Drill 1", "calendar_id": 1, "author_id": 10, "starts": "2023-11-07", "deleted_at": None}
    state = stored([event, {**event, "id": 2, "name": "Briefing"}])
    body = {"filters": [{"field": "name", "operator": "like", "value": "%rill%"}], "sort": [{"field": "starts"}]}
    agree(state, body)
    update_event(state, state.events[1], {"name": "Range"}, NOW)
    agree(state, body)
    update_event(state, state.events[2], {"name": "Drill 2"}, NOW)
    agree(state, body)
    delete_event(state, state.events[2], False, NOW)
    agree(state, body)
    assert ids(state, body) == []
