"""The batch's short way (the batch checked at once without its times, each time text checked once
and remembered) answers and stores exactly what checking every item on its own does."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.apis.twelvetwenty import dates
from mockserver.apis.twelvetwenty.handlers import _batch_checks
from mockserver.apis.twelvetwenty.records import BatchChecks, upsert
from mockserver.apis.twelvetwenty.state import FIELDS, TwelveTwentyState
from mockserver.compiled import compiled_spec
from mockserver.schemas import SchemaValidator
from mockserver.spec import SPECS_DIR

SCHEMAS = compiled_spec(SPECS_DIR / "twelvetwenty.yaml").schemas
VALIDATOR = SCHEMAS.validator("CalendarEvent")
CHECKS = _batch_checks(SCHEMAS)

TIMES = [
    "2018-06-10T20:00:00Z",
    "2018-06-10T21:00:00Z",
    "2018-06-10T23:00:00+02:00",
    "2016-12-31T23:59:60Z",
    "2017-01-01T00:00:00Z",
    "2018-06-10t20:30:00z",
    "0000-01-01T00:00:00Z",  # refused by the schema's pattern
    "0001-01-01T00:30:00+01:00",
    "2018-02-30T00:00:00Z",  # refused by the schema's format
    "2018-06-10T20:00Z",
    "x",
    5,
]
VALID: dict[str, list[Any]] = {
    "ExternalId": ["a", "b", "c"],
    "UserId": [124, 125],
    "TypeId": [1, 2, 3],
    "StartTime": TIMES,
    "EndTime": TIMES,
    "Title": ["t", "u"],
}
INVALID: dict[str, list[Any]] = {
    "ExternalId": ["", 5, None],
    "UserId": [0, "124", 2**63, True],
    "TypeId": [4, "1"],
    "Title": ["", 7],
}
# mostly items whose fields but the times pass the schema (the short way), now and then one that does not
ITEM = st.one_of(
    st.fixed_dictionaries({name: st.sampled_from(values) for name, values in VALID.items()}),
    st.tuples(
        st.fixed_dictionaries({name: st.sampled_from(values) for name, values in VALID.items()}),
        st.fixed_dictionaries(
            {}, optional={name: st.sampled_from(values) for name, values in INVALID.items()}
        ),
    ).map(lambda parts: {**parts[0], **parts[1]}),
    st.fixed_dictionaries({}, optional={name: st.sampled_from(values) for name, values in VALID.items()})
    | st.sampled_from([None, 5, "x", []]),
)
BATCH = st.lists(ITEM, max_size=6)


def _state(users: list[int]) -> TwelveTwentyState:
    state = TwelveTwentyState(users=set(users))
    owned = {"ExternalId": "b", "UserId": 125, "TypeId": 1, "StartTime": TIMES[0], "EndTime": TIMES[1]}
    state.load({"events": [{**owned, "Title": "t"}]})
    return state


@settings(max_examples=100, deadline=None)
@given(BATCH, st.sampled_from([[], [124, 125], [124]]), st.booleans())
def test_the_short_way_answers_and_stores_what_the_long_way_does(
    items: list[Any], users: list[int], remembered: bool
) -> None:
    assert CHECKS is not None  # the spec's CalendarEvent lets its times be checked apart
    if not remembered:
        dates.clear_caches()
    short, long = _state(users), _state(users)
    for _ in range(2):  # and again, every time it has accepted now remembered
        answer = upsert(copy.deepcopy(items), short, VALIDATOR, CHECKS)
        assert answer == upsert(copy.deepcopy(items), long, VALIDATOR)
        assert short.export() == long.export()


def test_only_a_text_the_schema_accepted_is_remembered_as_accepted() -> None:
    dates.clear_caches()
    dates.stored_time("2018-06-10T20:00:00Z")  # read, but not by a batch: not accepted
    assert not CHECKS.accepted
    item = {"ExternalId": "a", "UserId": 1, "TypeId": 1, "Title": "t"}
    refused = [{**item, "StartTime": "0000-01-01T00:00:00Z", "EndTime": "2018-06-10T20:00:00Z"}]
    assert upsert(refused, TwelveTwentyState(), VALIDATOR, CHECKS)[0]["IsSuccessful"] is False
    assert not CHECKS.accepted
    accepted = [{**item, "StartTime": "2018-06-10T20:00:00Z", "EndTime": "2018-06-10T21:00:00Z"}]
    assert upsert(accepted, TwelveTwentyState(), VALIDATOR, CHECKS)[0]["IsSuccessful"] is True
    assert set(CHECKS.accepted) == {"2018-06-10T20:00:00Z", "2018-06-10T21:00:00Z"}
    # checks compiled from another spec (its time schema may differ) trust none of these verdicts
    counting = _Counting(CHECKS.time)
    other = BatchChecks(CHECKS.untimed, counting, dates.accepted_memo())
    assert upsert(accepted, TwelveTwentyState(), VALIDATOR, other)[0]["IsSuccessful"] is True
    assert counting.calls == 2
    dates.clear_caches()  # what a reset calls: every memo given back
    assert not CHECKS.accepted and not other.accepted


class _Counting(SchemaValidator):
    def __init__(self, inner: SchemaValidator) -> None:  # no compiling: every check goes to inner
        self.inner, self.calls = inner, 0

    def is_valid(self, instance: Any) -> bool:
        self.calls += 1
        return self.inner.is_valid(instance)


def test_a_stored_item_is_exported_in_the_fields_order_whatever_order_it_came_in() -> None:
    state = TwelveTwentyState()
    item = {"Title": "t", "EndTime": "2018-06-10T21:00:00Z", "StartTime": "2018-06-10T22:00:00+02:00"}
    item |= {"TypeId": 1, "UserId": 1, "ExternalId": "a"}
    extra = {**item, "ExternalId": "b", "Note": "kept out"}
    assert all(r["IsSuccessful"] for r in upsert([item, extra], state, VALIDATOR, CHECKS))
    exported = state.export()["events"]
    assert [list(e) for e in exported] == [list(FIELDS)] * 2
    assert state.events["b"].keys() == set(FIELDS)  # what the client added is not kept
    assert exported[0]["StartTime"] == "2018-06-10T20:00:00Z"
