"""specs/kona.yaml agrees with the helpers: same date rules, same defaults, valid examples."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from openapi_spec_validator import validate

from mockserver.apis.kona.dates import parse_date, parse_query_date
from mockserver.apis.kona.records import DEFAULTS
from mockserver.apis.kona.rules import InvalidDate

SPEC_PATH = Path(__file__).resolve().parents[3] / "specs" / "kona.yaml"
OPERATIONS = {
    "listCalendarEvents",
    "createCalendarEvent",
    "getCalendarEvent",
    "updateCalendarEvent",
    "deleteCalendarEvent",
    "getUserInfo",
    "createOAuthToken",
}


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())  # type: ignore[no-any-return]


def validator(ref: str) -> Any:
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": ref,
        "components": spec()["components"],
    }
    return jsonschema_rs.validator_for(root, validate_formats=True)


def is_ok(parse: Any, value: object, field: str = "start_at") -> bool:
    try:
        parse(value, field=field)
    except InvalidDate:
        return False
    return True


def test_spec_is_valid_openapi_with_the_expected_operations() -> None:
    validate(spec())
    found = {
        op["operationId"]
        for item in spec()["paths"].values()
        for method, op in item.items()
        if method != "parameters"
    }
    assert found == OPERATIONS


def _text_candidates() -> list[str]:
    years = ["1969", "1970", "1972", "1999", "2000", "2092", "2095", "2096", "2100"]
    months = [f"{m:02d}" for m in range(0, 14)]
    days = [f"{d:02d}" for d in (0, 1, 28, 29, 30, 31, 32)]
    dates = [f"{y}-{m}-{d}" for y, m, d in itertools.product(years, months, days)]
    times = ["00:00:00.000", "23:59:59.999", "24:00:00.000", "12:60:00.000", "12:00:60.000"]
    odd = [
        "2016-10-31 08:00:00",
        "2016-10-31T08:00:00.000",
        "2016-10-31 08:00:00.0000",
        "2016-10-31 08:00:00.000Z",
        " 2016-10-31 08:00:00.000",
        "2016-1-31 08:00:00.000",
    ]
    return [f"{d} {t}" for d, t in itertools.product(dates, times)] + odd


def _iso_candidates() -> list[str]:
    """RFC 3339 forms (the Rails side of Kona's dates) around the range's ends and the epoch."""
    dates = ["1969-12-31", "1970-01-01", "1970-01-02", "2016-12-31", "2095-12-31", "2096-01-01", "0000-01-01"]
    times = ["T00:00:00", "T23:59:59.999999", "t23:59:60", "T22:59:60", "T12:00:00.1234567", " 10:00:00"]
    offsets = ["Z", "z", "+00:00", "-00:00", "+01:00", "-01:00", ""]
    return ["".join(parts) for parts in itertools.product(dates, times, offsets)]


NUMBERS = [
    0,
    1,
    999999999,
    1000000000,
    3999999999,
    4000000000,
    99999999999,
    100000000000,
    999999999999,
    1000000000000,
    3999999999999,
    4000000000000,
    -1,
    10**20,
]


def test_body_date_schema_matches_parse_date() -> None:
    schema = validator("#/components/schemas/KonaDateInput")
    candidates: list[object] = [
        *_text_candidates(),
        *_iso_candidates(),
        *NUMBERS,
        1.5,
        1477900800000.0,
        True,
        None,
        "1477900800",
    ]
    mismatched = [v for v in candidates if schema.is_valid(v) != is_ok(parse_date, v)]
    assert mismatched == []


def test_query_date_schema_matches_parse_query_date() -> None:
    schema = validator("#/components/schemas/KonaDateQuery")
    digits = [str(n) for n in NUMBERS if n >= 0] + ["0123456789", "000000001", "", "+1", "1e9"]
    candidates = [*_text_candidates(), *_iso_candidates(), *digits]
    mismatched = [v for v in candidates if schema.is_valid(v) != is_ok(parse_query_date, v)]
    assert mismatched == []


@pytest.mark.parametrize(
    ("field", "default"),
    [
        ("status", 1),
        ("visibility", 2),
        ("stakeholder", 1),
        ("default_role", 1),
        ("period", 0),
        ("frequency", 0),
        ("all_day", False),
    ],
    ids=lambda v: str(v),
)
def test_spec_defaults_match_record_defaults(field: str, default: object) -> None:
    prop = spec()["components"]["schemas"]["CalendarEventInput"]["properties"][field]
    assert prop["default"] == default == DEFAULTS[field]


def test_write_only_and_read_only_markers() -> None:
    schemas = spec()["components"]["schemas"]
    event, write = schemas["CalendarEvent"], schemas["CalendarEventInput"]
    for name in ("participant_ids", "editor_ids"):
        assert event["properties"][name]["writeOnly"] is True
        assert write["properties"][name]["writeOnly"] is True
        assert name not in event["required"]
    for name in (
        "id",
        "href",
        "tags",
        "created_at",
        "updated_at",
        "ics_feed_id",
        "series_id",
        "num_in_series",
    ):
        assert event["properties"][name]["readOnly"] is True
        assert name not in write["properties"]


def _media_examples() -> list[tuple[str, Any, Any]]:
    found = []
    for path, item in spec()["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            media = [("request", op.get("requestBody", {}).get("content", {}))]
            media += [(status, r.get("content", {})) for status, r in op["responses"].items()]
            for where, content in media:
                for body in content.values():
                    for name, example in body.get("examples", {}).items():
                        found.append((f"{method} {path} {where} {name}", body["schema"], example["value"]))
    return found


@pytest.mark.parametrize(
    ("schema", "value"), [c[1:] for c in _media_examples()], ids=[c[0] for c in _media_examples()]
)
def test_examples_match_their_schemas(schema: dict[str, Any], value: Any) -> None:
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "components": spec()["components"],
    }
    errors = [e.message for e in jsonschema_rs.validator_for(root, validate_formats=True).iter_errors(value)]
    assert errors == []


def test_create_links_point_at_the_wrapped_id() -> None:
    created = spec()["paths"]["/api/calendar_events"]["post"]["responses"]["201"]
    targets = {link["operationId"]: link["parameters"]["id"] for link in created["links"].values()}
    assert targets == dict.fromkeys(
        ("getCalendarEvent", "updateCalendarEvent", "deleteCalendarEvent"),
        "$response.body#/calendar_events/0/id",
    )
    assert created["headers"]["Location"]["$ref"] == "#/components/headers/Location"
