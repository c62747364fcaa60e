from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mockserver.apis.b2core.records import apply_changes, new_event
from mockserver.apis.b2core.rules import EndBeforeStart, EventNotFound, check_date_order
from mockserver.errors import ApiError

SEED_BODY = {
    "caption": "Name",
    "description": "Description",
    "startDate": "2022-01-01T00:00:00+00:00",
    "endDate": "2022-01-01T00:00:00+00:00",
    "notifications": ["PT2H"],
    "recipients": ["user@example.com"],
}
CREATED = datetime(2022, 1, 1, tzinfo=UTC)
UPDATED = datetime(2022, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_new_event_from_the_seed_body() -> None:
    assert new_event(SEED_BODY, 1, CREATED) == {
        "id": 1,
        "caption": "Name",
        "description": "Description",
        "startDate": "2022-01-01T00:00:00+00:00",
        "endDate": "2022-01-01T00:00:00+00:00",
        "notifications": ("PT2H",),
        "recipients": ("user@example.com",),
        "createTime": "2022-01-01T00:00:00+00:00",
        "updateTime": "2022-01-01T00:00:00+00:00",
    }


def test_new_event_defaults_and_ignores_unknown_and_read_only_keys() -> None:
    body = {
        "caption": "Call",
        "startDate": "2022-01-01T10:00:00Z",
        "endDate": "2022-01-01T11:00:00Z",
        "id": 99,
        "createTime": "1999-01-01T00:00:00Z",
        "colour": "red",
    }
    event = new_event(body, 7, CREATED)
    assert event["id"] == 7
    assert event["createTime"] == "2022-01-01T00:00:00+00:00"
    assert (event["description"], event["notifications"], event["recipients"]) == (None, (), ())
    assert "colour" not in event


def test_new_event_copies_lists() -> None:
    recipients = ["a@example.com"]
    event = new_event(dict(SEED_BODY, recipients=recipients), 1, CREATED)
    recipients.append("b@example.com")
    assert event["recipients"] == ("a@example.com",)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2022-01-01T00:00:00+00:00", "2022-01-01T00:00:00+00:00"),
        ("2022-01-01T10:00:00+09:00", "2022-01-01T01:00:00Z"),
        ("2022-01-01T00:00:00Z", "2022-01-01T00:00:00.000001Z"),
    ],
    ids=["equal", "later-in-utc-despite-smaller-clock", "one-microsecond-later"],
)
def test_check_date_order_accepts(start: str, end: str) -> None:
    check_date_order({"startDate": start, "endDate": end})


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2022-01-02T00:00:00Z", "2022-01-01T00:00:00Z"),
        ("2022-01-01T00:00:00Z", "2022-01-01T08:00:00+09:00"),
        ("2022-01-01T00:00:00.5Z", "2022-01-01T00:00:00.49Z"),
    ],
    ids=["day-before", "earlier-in-utc-despite-larger-clock", "half-second-fraction"],
)
def test_check_date_order_rejects(start: str, end: str) -> None:
    with pytest.raises(EndBeforeStart) as caught:
        check_date_order({"startDate": start, "endDate": end})
    assert (caught.value.field, caught.value.status) == ("endDate", 400)


def test_new_event_rejects_end_before_start() -> None:
    with pytest.raises(EndBeforeStart):
        new_event(dict(SEED_BODY, endDate="2021-12-31T23:59:59+00:00"), 1, CREATED)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {}),
        ({"caption": "Renamed"}, {"caption": "Renamed"}),
        ({"recipients": []}, {"recipients": ()}),
        (
            {"startDate": "2021-12-31T00:00:00Z", "notifications": ["P1D", "PT15M"]},
            {"startDate": "2021-12-31T00:00:00Z", "notifications": ("P1D", "PT15M")},
        ),
        ({"id": 5, "createTime": "2000-01-01T00:00:00Z", "extra": 1}, {}),
    ],
    ids=["empty", "one-field", "clear-list", "two-fields", "read-only-and-unknown-ignored"],
)
def test_apply_changes_is_partial(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    event = new_event(SEED_BODY, 1, CREATED)
    updated = apply_changes(event, changes, UPDATED)
    assert updated == {**event, **expected, "updateTime": "2022-01-02T03:04:05+00:00"}
    assert event["updateTime"] == "2022-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    "changes",
    [{"endDate": "2021-12-31T23:00:00Z"}, {"startDate": "2022-01-01T00:00:01Z"}],
    ids=["end-moved-before-stored-start", "start-moved-after-stored-end"],
)
def test_apply_changes_checks_the_merged_event(changes: dict[str, Any]) -> None:
    with pytest.raises(EndBeforeStart):
        apply_changes(new_event(SEED_BODY, 1, CREATED), changes, UPDATED)


def test_rule_errors_are_api_errors_with_the_status_on_the_class() -> None:
    assert issubclass(EndBeforeStart, ApiError) and EndBeforeStart.status == 400
    assert EndBeforeStart().field == "endDate"


def test_not_found_is_a_404() -> None:
    error = EventNotFound(42)
    assert (error.status, error.record_id) == (404, 42)
