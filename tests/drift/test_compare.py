"""The drift engine: one finding per kind and place, nothing for what varies by itself."""

from __future__ import annotations

import copy
from typing import Any

from contracts.drift.answers import Answer, Sample
from contracts.drift.compare import KINDS, compare

EVENT = {"id": 7, "title": "Drill", "status": "draft", "starts": "2030-01-01T10:00:00Z", "tags": ["a"]}
JSON = {"content-type": "application/json"}


def answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    import json

    raw = "" if body is None else json.dumps(body)
    return Answer.parse(status, (headers or JSON).items(), raw, base="http://live.test/api")


def sample(live: Any, mock: Any, again: Any = None, *, operation: str = "GET /events/{id}") -> Sample:
    """live and live ``again`` (default: the same as live) against the mock."""
    second = live if again is None else again
    return Sample("perscom", operation, operation.replace("{id}", "7"), (live, second), mock)


def kinds(*samples: Sample, **kwargs: Any) -> list[tuple[str, str]]:
    return [(f.kind, f.where) for f in compare(samples, **kwargs).findings]


def test_identical_answers_give_no_finding() -> None:
    assert kinds(sample(answer({"data": EVENT}), answer({"data": EVENT}))) == []


def test_status_differs_and_nothing_else_is_compared() -> None:
    found = compare([sample(answer({"data": EVENT}, 201), answer({"error": "x"}, 200))]).findings
    assert [(f.kind, f.live, f.mock) for f in found] == [("status", 201, 200)]


def test_live_answering_two_statuses_is_unstable_not_a_finding() -> None:
    result = compare([sample(answer(EVENT, 200), answer(EVENT, 500), again=answer(EVENT, 404))])
    assert result.findings == [] and len(result.unstable) == 1


def test_missing_and_extra_fields_are_reported_where_they_start() -> None:
    live = {"data": {**EVENT, "venue": {"name": "Hall", "room": 2}}}
    mock = {"data": {**EVENT, "colour": "red"}}
    assert kinds(sample(answer(live), answer(mock))) == [
        ("missing-field", "/data/venue"),
        ("extra-field", "/data/colour"),
    ]


def test_a_field_in_every_list_item_is_one_finding() -> None:
    live = {"data": [{**EVENT, "id": n, "x": 1} for n in range(3)]}
    mock = {"data": [{**EVENT, "id": n} for n in range(3)]}
    found = compare([sample(answer(live), answer(mock), operation="GET /events")]).findings
    assert [(f.kind, f.where) for f in found] == [("missing-field", "/data/*/x")]


def test_an_empty_list_on_the_mock_is_not_a_missing_field() -> None:
    live = {"data": [EVENT]}
    assert kinds(sample(answer(live), answer({"data": []}), operation="GET /events")) == []


def test_type_differs_and_its_children_are_not_reported_again() -> None:
    live = {"data": {**EVENT, "venue": {"name": "Hall"}}}
    mock = {"data": {**EVENT, "id": "7", "venue": ["Hall"]}}
    assert kinds(sample(answer(live), answer(mock))) == [("type", "/data/id"), ("type", "/data/venue")]


def test_whole_floats_and_nulls_are_not_type_drifts() -> None:
    live = {"n": 2.0, "m": 1.5, "note": None}
    mock = {"n": 2, "m": 1, "note": "set"}
    # 2 and 2.0 are the same JSON Schema integer, an integer is a number, null is a value
    found = compare([sample(answer(live), answer(mock))]).findings
    assert [(f.kind, f.where) for f in found] == [("value", "/m"), ("value", "/note")]


def test_value_differs_beyond_noise() -> None:
    live = {"data": {**EVENT, "title": "Drill"}}
    mock = {"data": {**EVENT, "title": "Drill!"}}
    found = compare([sample(answer(live), answer(mock))]).findings
    assert [(f.kind, f.where, f.live, f.mock) for f in found] == [("value", "/data/title", "Drill", "Drill!")]


def test_what_varies_between_the_two_live_calls_is_noise() -> None:
    one = {"data": {**EVENT, "id": 7, "created": "10:00:01"}}
    two = {"data": {**EVENT, "id": 8, "created": "10:00:02"}}
    mock = {"data": {**EVENT, "id": 1, "created": "10:00:01.5"}}
    assert kinds(sample(answer(one), answer(mock), again=answer(two))) == []


def test_noise_learned_on_one_operation_covers_the_field_name_across_the_api() -> None:
    """A create's id and timestamp vary on live; a read of the record repeats the same ones."""
    created = sample(
        answer({"id": 1, "created": "t1", "title": "A"}, 201),
        answer({"id": 9, "created": "t9", "title": "A"}, 201),
        again=answer({"id": 2, "created": "t2", "title": "A"}, 201),
        operation="POST /events",
    )
    read = sample(
        answer({"id": 1, "created": "t1", "title": "A"}), answer({"id": 9, "created": "t9", "title": "B"})
    )
    assert kinds(created, read) == [("value", "/title")]


def test_list_items_are_compared_by_value_only_when_the_lists_line_up() -> None:
    live = {"data": [{"title": "A"}, {"title": "B"}]}
    mock = {"data": [{"title": "C"}]}
    assert kinds(sample(answer(live), answer(mock), operation="GET /events")) == []
    same_length = {"data": [{"title": "C"}, {"title": "B"}]}
    assert kinds(sample(answer(live), answer(same_length), operation="GET /events")) == [
        ("value", "/data/*/title")
    ]


def test_a_field_present_in_only_one_live_answer_is_noise() -> None:
    one = {"data": {**EVENT, "debug": 1}}
    assert kinds(sample(answer(one), answer({"data": EVENT}), again=answer({"data": EVENT}))) == []
    assert kinds(sample(answer({"data": EVENT}), answer(one), again=answer(one))) == []


def test_enum_value_the_spec_does_not_list() -> None:
    live = {"data": {**EVENT, "status": "archived"}}
    mock = {"data": {**EVENT, "status": "draft"}}

    def enums(api: str, operation: str, status: int, body: Any) -> list[tuple[str, Any, tuple[Any, ...]]]:
        value = body["data"]["status"]
        return [] if value in ("draft", "published") else [("/data/status", value, ("draft", "published"))]

    found = compare([sample(answer(live), answer(mock))], enums=enums).findings
    assert [(f.kind, f.where, f.live) for f in found] == [
        ("enum", "/data/status", "archived")
    ]  # no value finding


def test_header_shapes() -> None:
    base = {"content-type": "application/json; charset=utf-8", "etag": '"abc"', "cache-control": "no-cache"}
    live = answer(EVENT, 201, {**base, "location": "http://live.test/api/events/7", "date": "Mon"})
    same = answer(
        EVENT, 201, {**base, "etag": '"xyz"', "location": "http://live.test/api/events/1", "date": "Tue"}
    )
    assert kinds(sample(live, same, operation="POST /events")) == []
    other = answer(
        EVENT,
        201,
        {"content-type": "text/json", "etag": "W/1", "cache-control": "max-age=5", "location": "/events/x/1"},
    )
    assert kinds(sample(live, other, operation="POST /events")) == [
        ("header", "cache-control"),
        ("header", "content-type"),
        ("header", "etag"),
        ("header", "location"),
    ]


def test_location_on_another_host_is_the_same_shape() -> None:
    live = answer(EVENT, 201, {**JSON, "location": "http://live.test/api/events/7"})
    mock = Answer.parse(
        201,
        {**JSON, "location": "http://localhost/perscom/events/1"}.items(),
        "{}",
        "http://localhost/perscom",
    )
    mock = Answer(201, mock.headers, EVENT, True, "", mock.base)
    assert kinds(sample(live, mock, operation="POST /events")) == []


def test_a_header_that_varies_on_live_is_noise() -> None:
    live = answer(EVENT, 200, {**JSON, "cache-control": "max-age=5"})
    again = answer(EVENT, 200, {**JSON, "cache-control": "no-store"})
    assert kinds(sample(live, answer(EVENT), again=again)) == []


def test_error_envelope() -> None:
    live = answer({"message": "Not found.", "errors": {}}, 404)
    mock = answer({"error": {"message": "Not found.", "type": "NotFound"}}, 404)
    found = compare([sample(live, mock)]).findings
    assert [(f.kind, f.live, f.mock) for f in found] == [
        ("error-envelope", "{errors: object, message: string}", "{error: object}")
    ]


def test_error_bodies_in_the_same_envelope_compare_their_values() -> None:
    live = answer({"message": "Not found."}, 404)
    assert kinds(sample(live, answer({"message": "Missing."}, 404))) == [("value", "/message")]


def test_json_against_no_json() -> None:
    assert kinds(sample(answer(EVENT), answer(None))) == [("type", "")]
    text = Answer.parse(200, {"content-type": "text/plain"}.items(), "hello")
    assert text.is_json is False and kinds(sample(text, text)) == []


def test_the_same_drift_in_many_requests_is_one_finding_with_its_count() -> None:
    samples = [sample(answer({"a": 1, "n": n}), answer({"a": 2, "n": n})) for n in range(4)]
    (finding,) = compare(samples).findings
    assert finding.samples == 4 and finding.request == "GET /events/7"


def test_finding_ids_are_stable_and_do_not_depend_on_values() -> None:
    first = compare([sample(answer({"a": 1}), answer({"a": 2}))]).findings[0]
    second = compare([sample(answer({"a": 5}), answer({"a": 6}))]).findings[0]
    elsewhere = compare([sample(answer({"b": 1}), answer({"b": 2}))]).findings[0]
    assert first.id == second.id == "perscom-value-" + first.id.rsplit("-", 1)[1]
    assert elsewhere.id != first.id


def test_every_kind_is_described() -> None:
    assert set(KINDS) == {
        "status",
        "missing-field",
        "extra-field",
        "type",
        "enum",
        "value",
        "header",
        "error-envelope",
    }


def test_deep_copies_are_not_needed() -> None:
    """The engine never changes the answers it is given."""
    body = {"data": [copy.deepcopy(EVENT)]}
    before = copy.deepcopy(body)
    compare([sample(answer(body), answer({"data": [{"id": "x"}]}))])
    assert body == before


def test_a_listing_is_compared_by_structure_not_by_its_counts() -> None:
    live = {"data": [EVENT, EVENT], "meta": {"total": 2}}
    mock = {"data": [EVENT], "meta": {"total": 1}, "extra": 1}
    listed = Sample("perscom", "GET /events", "GET /events", (answer(live), answer(live)), answer(mock), True)
    assert kinds(listed) == [("extra-field", "/extra")]
    same_length = {"data": [EVENT], "meta": {"total": 7}}
    assert kinds(
        Sample("perscom", "GET /events", "GET /events", (answer(same_length),) * 2, answer(mock), True)
    ) == [("extra-field", "/extra")]
    # a read that is not a listing still compares what lines up
    assert kinds(sample(answer(same_length), answer(mock))) == [("extra-field", "/extra"), ("value", "/meta/total")]


def test_keys_that_vary_by_themselves_on_live_are_not_fields() -> None:
    one = answer({"errors": {"resources.24.name": ["required"]}}, 422)
    two = answer({"errors": {"resources.25.name": ["required"]}}, 422)
    mock = answer({"errors": {"resources.12.name": ["required"]}}, 422)
    assert kinds(sample(one, mock, again=two, operation="PATCH /events/batch")) == []


def test_urls_into_each_target_compare_relative_to_its_base() -> None:
    live = Answer.parse(200, JSON.items(), '{"path": "http://live.test/api/events"}', base="http://live.test/api")
    mock = Answer.parse(200, JSON.items(), '{"path": "http://localhost/api/events"}', base="http://localhost/api")
    other = Answer.parse(200, JSON.items(), '{"path": "http://localhost/api/other"}', base="http://localhost/api")
    assert kinds(sample(live, mock)) == []
    assert kinds(sample(live, other)) == [("value", "/path")]
