"""The validation layer, on small spec documents: parameters, coercion, bodies, read/write-only."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import EnvironHeaders, Headers, MultiDict

from mockserver.errors import RequestValidationError
from mockserver.query import parse_query
from mockserver.responses import ResponseValidator, response_components
from mockserver.spec import Spec
from mockserver.validation import MEMO_ENTRIES, MEMO_KEY_CHARS, compile_request_validator, request_components

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/things/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "put": {
                "operationId": "putThing",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "flag", "in": "query", "schema": {"type": "boolean"}},
                    {
                        "name": "tags",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    },
                    {
                        "name": "ids",
                        "in": "query",
                        "explode": False,
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                    {
                        "name": "filter",
                        "in": "query",
                        "style": "deepObject",
                        "explode": True,
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
                        },
                    },
                    {"name": "Accept-Language", "in": "header", "schema": {"type": "string", "maxLength": 5}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "headers": {"X-Id": {"required": True, "schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    },
                    "4XX": {"description": "error"},
                },
            },
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id", "name", "secret"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "name": {"type": "string"},
                    "secret": {"type": "string", "writeOnly": True},
                    "when": {"type": "string", "format": "date-time"},
                },
            }
        }
    },
}


@pytest.fixture
def validate() -> Any:
    spec = Spec(DOCUMENT)
    validator = compile_request_validator(spec.operations[0], spec, request_components(spec))

    def run(
        query: str = "",
        body: bytes = b'{"name": "n", "secret": "s"}',
        path_id: str = "7",
        headers: dict[str, str] | None = None,
    ) -> Any:
        args = MultiDict([tuple(p.split("=", 1)) for p in query.split("&") if p])
        return validator.validate({"id": path_id}, args, Headers(headers or {}), body)

    return run


def _errors(call: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(RequestValidationError) as caught:
        call()
    return [(e.location, e.dotted, e.kind) for e in caught.value.errors]


def test_parameters_are_coerced_to_their_schema_types(validate: Any) -> None:
    result = validate("limit=5&flag=true&tags=1&tags=2&ids=a,b&filter[name]=x&filter[size]=3")
    assert result.path == {"id": 7}
    assert result.query == {
        "limit": 5,
        "flag": True,
        "tags": [1, 2],
        "ids": ["a", "b"],
        "filter": {"name": "x", "size": 3},
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("limit=abc", ("query", "limit", "type")),
        ("limit=0", ("query", "limit", "minimum")),
        ("flag=yes", ("query", "flag", "type")),
        ("tags=x", ("query", "tags.0", "type")),
        ("filter[size]=big", ("query", "filter.size", "type")),
        ("filter[color]=red", ("query", "filter", "additionalProperties")),
    ],
    ids=[
        "int-not-a-number",
        "int-below-minimum",
        "bool-word",
        "array-item",
        "deep-object-type",
        "deep-object-unknown-key",
    ],
)
def test_bad_parameters_are_reported_with_their_place(
    validate: Any, query: str, expected: tuple[str, ...]
) -> None:
    assert expected in _errors(lambda: validate(query))


def test_path_and_header_parameters_are_validated(validate: Any) -> None:
    assert ("path", "id", "type") in _errors(lambda: validate(path_id="x"))
    assert ("header", "Accept-Language", "maxLength") in _errors(
        lambda: validate(headers={"Accept-Language": "toolong"})
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", ("body", "", "required")),
        (b"{", ("body", "", "malformed_json")),
        (b"NaN", ("body", "", "malformed_json")),
        (b'{"name": "n", "secret": "s", "id": 1e400}', ("body", "", "malformed_json")),
        (b'{"name": "\\ud800", "secret": "s"}', ("body", "", "malformed_json")),
        (b'{"name": "n", "secret": "s", "x\\uDFFF": 1}', ("body", "", "malformed_json")),
        (b'{"name": "\xed\xa0\x80", "secret": "s"}', ("body", "", "malformed_json")),  # raw bytes
        (
            '{"name": "\ud800", "secret": "s"}'.encode("utf-16", "surrogatepass"),
            ("body", "", "malformed_json"),
        ),
        (b'{"name": 1, "secret": "s"}', ("body", "name", "type")),
        (b'{"name": "n"}', ("body", "secret", "required")),
        (b'{"name": "n", "secret": "s", "when": "yesterday"}', ("body", "when", "format")),
    ],
    ids=[
        "empty",
        "truncated",
        "nan",
        "overflow",
        "lone-surrogate",
        "lone-surrogate-in-a-key",
        "lone-surrogate-utf8-bytes",
        "lone-surrogate-utf16",
        "wrong-type",
        "missing-write-only",
        "bad-date-time",
    ],
)
def test_body_problems(validate: Any, body: bytes, expected: tuple[str, ...]) -> None:
    assert expected in _errors(lambda: validate(body=body))


def test_surrogate_pairs_are_characters(validate: Any) -> None:
    assert (
        validate(body=b'{"name": "\\ud83d\\ude00 \\\\ud800", "secret": "s"}').body["name"]
        == "\U0001f600 \\ud800"
    )


def test_read_only_properties_are_not_required_in_requests(validate: Any) -> None:
    assert validate().body == {"name": "n", "secret": "s"}


def test_every_problem_is_reported_at_once(validate: Any) -> None:
    found = _errors(lambda: validate("limit=abc", body=b'{"name": 1}', path_id="x"))
    assert {
        ("path", "id", "type"),
        ("query", "limit", "type"),
        ("body", "name", "type"),
        ("body", "secret", "required"),
    } <= set(found)


def test_integral_floats_are_integers(validate: Any) -> None:
    # Handlers may index or count with an integer field; JSON Schema lets 2.0 through as one.
    body = validate(body=b'{"name": "n", "secret": "s", "id": 2.0, "ratio": 1.5}').body
    assert type(body["id"]) is int and body["id"] == 2
    assert body["ratio"] == 1.5


@pytest.fixture
def responses() -> ResponseValidator:
    spec = Spec(DOCUMENT)
    return ResponseValidator(spec.operations[0], spec, response_components(spec))


def test_response_checks(responses: ResponseValidator) -> None:
    good = {"id": 1, "name": "n"}
    assert responses.violations(200, {"X-Id": "1"}, good, True) == []
    assert responses.violations(404, {}, None, False) == []  # 4XX range, no body documented
    assert responses.violations(500, {}, None, False) == ["status 500 is not documented for PUT /things/{id}"]
    assert responses.violations(200, {}, good, True) == ["missing response header X-Id"]
    assert any("name" in v for v in responses.violations(200, {"X-Id": "1"}, {"id": 1, "name": 2}, True))
    assert any("id" in v for v in responses.violations(200, {"X-Id": "1"}, {"name": "n"}, True))


def test_a_bare_alternative_is_tried_first_and_decides_the_same() -> None:
    """12Twenty's batch item is ``anyOf: [CalendarEvent, {type: object}]``: the validator now
    tries ``{type: object}`` first for its yes/no check (it stops at the first that holds; the
    handler checks each item against CalendarEvent itself). Same verdicts; errors as before."""
    import jsonschema_rs

    from mockserver.schemas import DIALECT, SchemaValidator, cheap_first
    from mockserver.spec import SPECS_DIR

    components = Spec.from_file(SPECS_DIR / "twelvetwenty.yaml").document["components"]
    batch = {"$ref": "#/components/schemas/BatchRequest"}
    reordered = cheap_first(components)["schemas"]["BatchRequest"]["items"]["anyOf"]
    assert reordered[0] == {"type": "object"} and reordered[1] == {"$ref": "#/components/schemas/CalendarEvent"}
    ours = SchemaValidator(batch, components)
    as_written = jsonschema_rs.validator_for({"$schema": DIALECT, **batch, "components": components})
    event = {"ExternalId": "e", "UserId": 1, "TypeId": 1, "StartTime": "2026-01-01T10:00:00Z",
             "EndTime": "2026-01-01T11:00:00Z", "Title": "t"}
    for body in ([event], [{}], [{"Title": 5}], [7], ["x", event], [None], [[event]], [event] * 1001, {}):
        assert ours.is_valid(body) == as_written.is_valid(body), body
        assert [e.message for e in ours._validator.iter_errors(body)] == [
            e.message for e in as_written.iter_errors(body)
        ], body


# --- remembered values (validation.MEMO_ENTRIES) -----------------------------------------------

_QUERIES = [
    b"limit=5&flag=true&tags=1&tags=2&ids=a,b&filter%5Bname%5D=x&filter%5Bsize%5D=3",
    b"limit=1",
    b"",
    b"tags=3&filter[name]=%C3%A9t%C3%A9",
]


@pytest.fixture
def validator() -> Any:
    spec = Spec(DOCUMENT)
    return compile_request_validator(spec.operations[0], spec, request_components(spec))


def _environ(**headers: str) -> EnvironHeaders:
    return EnvironHeaders({f"HTTP_{k.upper()}": v for k, v in headers.items()})


def test_a_raw_query_string_validates_as_its_parsed_query(validator: Any) -> None:
    body = b'{"name": "n", "secret": "s"}'
    for query in _QUERIES * 2:  # the second time from what the first kept
        for headers in (Headers({"Accept-Language": "de"}), _environ(ACCEPT_LANGUAGE="de")):
            got = validator.validate({"id": "7"}, query, headers, body)
            expected = validator.validate({"id": "7"}, parse_query(query), Headers({"Accept-Language": "de"}), body)
            assert (got.path, got.query, got.headers) == (expected.path, expected.query, expected.headers)


def test_remembered_values_are_a_fresh_copy_each_time(validator: Any) -> None:
    body = b'{"name": "n", "secret": "s"}'
    first = validator.validate({"id": "7"}, _QUERIES[0], Headers(), body)
    first.query["filter"]["name"] = "changed"
    first.query["tags"].append(99)
    first.path["id"] = 8
    again = validator.validate({"id": "7"}, _QUERIES[0], Headers(), body)
    assert again.query["filter"] == {"name": "x", "size": 3} and again.query["tags"] == [1, 2]
    assert again.path == {"id": 7}


def test_only_valid_values_are_remembered_and_each_location_is_still_checked(validator: Any) -> None:
    body = b'{"name": "n", "secret": "s"}'
    for _ in range(2):  # an invalid input fails every time
        with pytest.raises(RequestValidationError):
            validator.validate({"id": "7"}, b"limit=0", Headers(), body)
    validator.validate({"id": "7"}, b"limit=2", _environ(ACCEPT_LANGUAGE="de"), body)  # all kept
    with pytest.raises(RequestValidationError) as caught:  # a kept query, a new bad path and header
        validator.validate({"id": "x"}, b"limit=2", _environ(ACCEPT_LANGUAGE="toolong"), body)
    assert [(e.location, e.dotted) for e in caught.value.errors] == [("path", "id"), ("header", "Accept-Language")]
    with pytest.raises(RequestValidationError):  # and the body, as ever
        validator.validate({"id": "7"}, b"limit=2", _environ(ACCEPT_LANGUAGE="de"), b'{"name": 1}')


def test_the_memo_is_bounded(validator: Any) -> None:
    body = b'{"name": "n", "secret": "s"}'
    for n in range(1, MEMO_ENTRIES + 50):
        validator.validate({"id": str(n)}, f"limit={n}".encode(), Headers(), body)
    assert all(len(memo) <= MEMO_ENTRIES for memo in validator._memos)
    huge = b"limit=1&" + b"flag=true&" * (MEMO_KEY_CHARS // 10 + 1)
    assert validator.validate({"id": "7"}, huge, Headers(), body).query == {"limit": 1, "flag": True}
    assert huge not in validator._memos[1]
