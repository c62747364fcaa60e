"""The spec's example ids name records the harness has just created (contracts/examples.py)."""

from __future__ import annotations

import copy
import warnings
from types import SimpleNamespace
from typing import Any

import pytest

from contracts.apis import RESOURCES
from contracts.examples import ExampleRecordRefused, ExampleRecords
from contracts.target import APIS, Target
from mockserver import create_app
from mockserver.config import DEV_TOKEN
from mockserver.spec import SPECS_DIR, Spec


def target(api: str) -> Target:
    return Target(
        api, f"http://localhost/{api}", DEV_TOKEN, create_app({"strict": True, "log_requests": False})
    )


def records(api: str, spec: Spec | None = None) -> ExampleRecords:
    spec = spec or Spec.from_file(SPECS_DIR / f"{api}.yaml")
    return ExampleRecords(spec, RESOURCES[api], target(api))


def case(operation_id: str, **path: Any) -> Any:
    definition = SimpleNamespace(raw={"operationId": operation_id})
    return SimpleNamespace(operation=SimpleNamespace(definition=definition), path_parameters=path)


def test_the_specs_links_say_which_parameters_name_created_records() -> None:
    fed = {
        api: {op: [(f.parameter, f.example) for f in feeds] for op, feeds in records(api).feeds.items()}
        for api in APIS
    }
    by_id = {"getCalendarEvent", "updateCalendarEvent", "patchCalendarEvent", "deleteCalendarEvent"}
    assert fed["b2core"] == {op: [("eventId", 1)] for op in by_id}
    assert fed["kona"] == {
        op: [("id", 1)] for op in ("getCalendarEvent", "updateCalendarEvent", "deleteCalendarEvent")
    }
    assert fed["perscom"] == {
        op: [("event", 123)] for op in ("getEvent", "updateEvent", "putEvent", "deleteEvent")
    }
    assert fed["twelvetwenty"] == {}  # no links: a batch upsert has no record to address by path
    perscom = records("perscom").feeds["getEvent"][0]
    assert perscom.create.operation_id == "createEvent"  # the single create, listed first, wins
    assert perscom.carried == {"version": "version"} and perscom.pointer == "/data/id"


@pytest.mark.parametrize(
    ("api", "operation", "parameter", "example", "extra"),
    [
        ("b2core", "updateCalendarEvent", "eventId", 1, {}),
        ("kona", "deleteCalendarEvent", "id", 1, {}),
        ("perscom", "getEvent", "event", 123, {"version": "v2"}),
    ],
)
def test_the_documented_example_id_names_a_record_made_from_the_create_example(
    api: str, operation: str, parameter: str, example: int, extra: dict[str, str]
) -> None:
    made = records(api)
    read = RESOURCES[api].read
    assert read is not None
    assert made.target.request("GET", read.format(id=example)).status == 404  # nothing yet
    given = case(operation, **{parameter: example}, **extra)
    made.prepare(given)
    record = given.path_parameters[parameter]
    assert given.path_parameters.keys() == {parameter, *extra}
    answer = made.target.request("GET", read.format(id=record))
    assert answer.status == 200, answer.text
    # Each case gets a record of its own: the next one is another.
    again = case(operation, **{parameter: example}, **extra)
    made.prepare(again)
    assert again.path_parameters[parameter] != record


@pytest.mark.parametrize("value", [2, 0, "1x", 999999])
def test_any_other_id_is_left_alone(value: Any) -> None:
    made = records("b2core")
    given = case("updateCalendarEvent", eventId=value)
    made.prepare(given)
    assert given.path_parameters == {"eventId": value}
    assert made.target.state()["events"] == []  # nothing was created for it


def test_operations_without_a_fed_parameter_are_left_alone() -> None:
    made = records("b2core")
    given = case("listCalendarEvents", eventId=1)
    made.prepare(given)
    assert given.path_parameters == {"eventId": 1}


def test_a_bad_carried_parameter_leaves_the_case_probing_it() -> None:
    # A generated `version` with the documented event id: the create refuses that version, so the
    # case keeps its example id and still checks how the API answers a bad version.
    made = records("perscom")
    given = case("getEvent", event=123, version="v9")
    made.prepare(given)
    assert given.path_parameters == {"event": 123, "version": "v9"}


def test_a_create_that_refuses_its_own_example_is_reported() -> None:
    spec = Spec.from_file(SPECS_DIR / "b2core.yaml")
    document = copy.deepcopy(dict(spec.document))
    examples = document["components"]["examples"]
    examples["CalendarEventBody"]["value"]["endDate"] = "1999-01-01T00:00:00+00:00"  # before its start
    made = records("b2core", Spec(document))
    given = case("updateCalendarEvent", eventId=1)
    with pytest.warns(ExampleRecordRefused, match=r"POST /api/v2/calendars/events refused .*: 400 "):
        made.prepare(given)
    assert given.path_parameters == {"eventId": 1}  # left as it was: it names nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # asked once: the next case neither asks nor warns again
        made.prepare(case("patchCalendarEvent", eventId=1))
    assert made.target.state()["events"] == []


@pytest.mark.parametrize("api", ["b2core", "perscom"])
def test_the_record_stands_in_for_one_case_and_is_removed_even_when_it_fails(api: str) -> None:
    made = records(api)
    operation, feeds = next(iter(made.feeds.items()))
    feed = feeds[0]
    given = case(operation, **{feed.parameter: feed.example}, **dict.fromkeys(feed.carried, "v2"))
    read = RESOURCES[api].read
    assert read is not None
    with pytest.raises(RuntimeError, match="the case failed"), made.standing_in(given):
        record = given.path_parameters[feed.parameter]
        assert made.target.request("GET", read.format(id=record)).status == 200
        raise RuntimeError("the case failed")
    assert made.target.request("GET", read.format(id=record)).status == 404
    if api == "perscom":  # removed for good, not trashed
        gone = made.target.request("GET", read.format(id=record), params={"with_trashed": "true"})
        assert gone.status == 404, gone.text


def test_a_record_the_case_deleted_is_not_missed() -> None:
    made = records("b2core")
    given = case("deleteCalendarEvent", eventId=1)
    with made.standing_in(given):
        record = given.path_parameters["eventId"]
        assert made.target.request("DELETE", f"/api/v2/calendars/events/{record}").status == 204
    assert made.target.state()["events"] == []
