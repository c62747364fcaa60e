"""The one date-time policy (mockserver/datetimes.py): the specs' pattern and the parser agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jsonschema_rs
import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from mockserver import create_app, datetimes
from mockserver.apis import API_DEFINITIONS
from mockserver.datetimes import NotADateTime, OutOfRange

SPEC_VIEW = jsonschema_rs.validator_for(
    {"type": "string", "format": "date-time", "pattern": datetimes.REPRESENTABLE}, validate_formats=True
)


# the corners the policy is about, and ordinary values around them
dates = st.sampled_from(
    ["0000-01-01", "0001-01-01", "0001-01-02", "1970-01-01", "2016-02-29", "2017-02-29", "2016-12-31"]
    + ["2016-00-10", "2016-13-01", "2016-04-31", "9999-12-30", "9999-12-31"]
)
hours = st.sampled_from(["00", "05", "18", "22", "23", "24"])
minutes = st.sampled_from(["00", "29", "59", "60"])
seconds = st.sampled_from(["00", "59", "60", "61"])
fractions = st.sampled_from(["", ".5", ".000001", ".1234567", ".999999999"])
offsets = st.sampled_from(
    ["Z", "z", "+00:00", "-00:00", "+01:00", "-01:00", "+05:30", "-05:30", "+23:59", "+24:00"]
)
separators = st.sampled_from(["T", "t", " "])
texts = st.builds("{}{}{}:{}:{}{}{}".format, dates, separators, hours, minutes, seconds, fractions, offsets)


@settings(max_examples=600, deadline=None)
@given(texts)
def test_the_specs_pattern_and_the_parser_agree(text: str) -> None:
    try:
        datetimes.parse(text)
    except (NotADateTime, OutOfRange):
        accepted = False
    else:
        accepted = True
    assert SPEC_VIEW.is_valid(text) == accepted, text


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-12-05T12:00:00+02:00", datetime(2026, 12, 5, 10, tzinfo=UTC)),
        ("2026-12-05t10:00:00z", datetime(2026, 12, 5, 10, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, tzinfo=UTC)),  # a leap second is the next midnight
        ("2016-12-31T18:29:60.5-05:30", datetime(2017, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC)),
        ("2026-01-01T00:00:00.123456789Z", datetime(2026, 1, 1, 0, 0, 0, 123_456, tzinfo=UTC)),  # cut
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00-01:00", datetime(1, 1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)),
        ("9999-12-31T23:00:00+01:00", datetime(9999, 12, 31, 22, tzinfo=UTC)),
        ("9999-12-31T00:59:60+01:00", datetime(9999, 12, 31, tzinfo=UTC)),
    ],
)
def test_what_a_date_time_names(text: str, instant: datetime) -> None:
    assert datetimes.parse(text) == instant


@pytest.mark.parametrize(
    "text",
    [
        "0000-01-01T00:00:00Z",
        "0001-01-01T05:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:59:60Z",
    ],
)
def test_what_python_cannot_hold_is_out_of_range(text: str) -> None:
    with pytest.raises(OutOfRange):
        datetimes.parse(text)
    assert not SPEC_VIEW.is_valid(text)


@pytest.mark.parametrize(
    "text", ["2026-12-05 10:00:00Z", "2026-12-05T10:00:00", "2026-02-30T00:00:00Z", "2026-12-05T12:00:60Z"]
)
def test_what_is_no_date_time(text: str) -> None:
    with pytest.raises(NotADateTime):
        datetimes.parse(text)


def test_a_long_fraction_is_read_but_not_cached() -> None:
    datetimes.clear_caches()
    text = "2026-01-01T00:00:00." + "9" * 100_000 + "Z"
    assert datetimes.parse(text) == datetime(2026, 1, 1, 0, 0, 0, 999_999, tzinfo=UTC)
    assert datetimes._parse_cached.cache_info().currsize == 0
    datetimes.parse("2026-01-01T00:00:00Z")
    assert datetimes._parse_cached.cache_info().currsize == 1


def _date_time_schemas(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            yield where, node
        for key, value in node.items():
            yield from _date_time_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _date_time_schemas(value, f"{where}/{index}")


@pytest.mark.parametrize("api", sorted(API_DEFINITIONS))
def test_every_date_time_of_every_spec_states_the_policy(api: str) -> None:
    """One policy: each ``format: date-time`` carries the core's pattern, or (Kona's Rails form)
    a stricter range of its own that its parity test checks against its parser."""
    found = list(_date_time_schemas(API_DEFINITIONS[api].load_spec().document))
    assert found
    for where, schema in found:
        stricter = api == "kona" and where.endswith("/KonaDateTime")
        assert schema.get("pattern") == datetimes.REPRESENTABLE or stricter, where


# one valid create per API, with the date field the probes replace
CREATES: dict[str, tuple[str, str, Any, str]] = {
    "b2core": (
        "POST",
        "/b2core/api/v2/calendars/events",
        {"caption": "x", "startDate": "2016-01-01T00:00:00Z", "endDate": "{date}"},
        "endDate",
    ),
    "perscom": (
        "POST",
        "/perscom/v2/events",
        {
            "name": "x",
            "calendar_id": 123,
            "author_id": 123,
            "all_day": False,
            "starts": "2016-01-01T00:00:00Z",
        }
        | {"ends": "{date}"},
        "ends",
    ),
    "twelvetwenty": (
        "PUT",
        "/twelvetwenty/api/v2/calendar-events/batch",
        [
            {"ExternalId": "a", "UserId": 1, "TypeId": 1, "Title": "x", "StartTime": "2016-01-01T00:00:00Z"}
            | {"EndTime": "{date}"}
        ],
        "EndTime",
    ),
    "kona": (
        "POST",
        "/kona/api/calendar_events",
        {"calendar_events": [{"name": "x", "end_at": "{date}"}]},
        "end_at",
    ),
}
BAD_DATE_WORDS = {
    "b2core": "The endDate field must be an ISO 8601 date and time",
    "perscom": "The ends field must be a valid date.",
    "twelvetwenty": "EndTime must be an ISO 8601 date/time",
    "kona": "End at is invalid",
}
HEADERS = {"Authorization": "Bearer dev-token", "Accept": "application/json"}


def _create(client: FlaskClient, api: str, date: str) -> TestResponse:
    method, path, body, _ = CREATES[api]
    sent = json.loads(json.dumps(body).replace("{date}", date))
    if api == "kona":
        sent["calendar_events"][0]["start_at"] = "2016-01-01T00:00:00Z"
    return client.open(path, method=method, json=sent, headers=HEADERS)


def _accepted(api: str, response: TestResponse) -> bool:
    body = response.get_json()
    return response.status_code < 300 and (api != "twelvetwenty" or body[0]["IsSuccessful"])


@pytest.fixture(scope="module")
def client() -> FlaskClient:
    return create_app({"log_requests": False}).test_client()


@pytest.mark.parametrize("api", sorted(CREATES))
def test_a_leap_second_is_accepted_by_every_api(client: FlaskClient, api: str) -> None:
    response = _create(client, api, "2016-12-31T23:59:60Z")
    assert _accepted(api, response), response.get_data(as_text=True)


@pytest.mark.parametrize(
    "date", ["0000-06-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:00:00-01:00"]
)
@pytest.mark.parametrize("api", sorted(CREATES))
def test_what_python_cannot_hold_is_refused_by_every_api_before_any_write(
    client: FlaskClient, api: str, date: str
) -> None:
    before = client.get(f"/__mock/state/{api}").get_json()
    response = _create(client, api, date)
    assert not _accepted(api, response) and response.status_code < 500, response.get_data(as_text=True)
    assert BAD_DATE_WORDS[api] in response.get_data(as_text=True)  # a bad date in the vendor's words
    assert client.get(f"/__mock/state/{api}").get_json() == before
