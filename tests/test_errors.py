"""The error contract: classes carry their status, renderers are tables, client values are capped."""

from __future__ import annotations

import json
import re

import pytest
from werkzeug.datastructures import Headers

from mockserver.apis import API_DEFINITIONS
from mockserver.errors import (
    MAX_FIELD_ERRORS,
    MAX_QUOTED_CHARS,
    ApiError,
    FieldError,
    Kind,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RecordNotFound,
    RequestTimeout,
    RequestValidationError,
    RouteNotFound,
)
from mockserver.registry import Reply
from mockserver.rendering import ErrorRenderer, ErrorScene
from mockserver.schemas import SchemaValidator


def _envelope(error: ApiError, message: str, scene: ErrorScene) -> Reply:
    return Reply({"default": message}, error.status)


def test_the_table_is_looked_up_along_the_class_hierarchy() -> None:
    renderer = ErrorRenderer(_envelope, {NotFound: lambda e, scene: Reply({"not_found": True}, 404)})
    assert renderer(RecordNotFound(3), None, Headers()).body == {"not_found": True}
    assert renderer(RouteNotFound("/x"), None, Headers()).body == {"not_found": True}
    # no entry along the hierarchy: the envelope around the core's default message
    assert renderer(PayloadTooLarge(10), None, Headers()).body == {
        "default": "The request body is larger than the limit of 10 bytes."
    }


def test_the_most_specific_entry_wins() -> None:
    table = {
        NotFound: lambda e, scene: Reply("any", 404),
        RouteNotFound: lambda e, scene: Reply("route", 404),
    }
    renderer = ErrorRenderer(_envelope, table)
    assert renderer(RouteNotFound("/x"), None, Headers()).body == "route"
    assert renderer(RecordNotFound(1), None, Headers()).body == "any"


@pytest.mark.parametrize("api", sorted(API_DEFINITIONS))
@pytest.mark.parametrize(
    ("error", "header"),
    [
        (RequestTimeout(5), "Connection"),
        (PayloadTooLarge(1024), None),
        (MethodNotAllowed(["GET"], "PUT"), "Allow"),
    ],
    ids=["408", "413", "405"],
)
def test_core_http_errors_reach_every_api_in_its_own_envelope(
    api: str, error: ApiError, header: str | None
) -> None:
    reply = API_DEFINITIONS[api].render_error(error, None, Headers({"Accept": "application/json"}))
    assert reply.status == error.status
    text = json.dumps(reply.body)
    assert "Internal Server Error" not in text
    ok_envelope = {
        "b2core": lambda b: set(b) == {"message"},
        "perscom": lambda b: set(b) == {"error"} and set(b["error"]) == {"message", "type"},
        "kona": lambda b: set(b) == {"problemType", "title", "details"},
        "twelvetwenty": lambda b: set(b) == {"Message"},
    }[api]
    assert ok_envelope(reply.body), reply.body
    if header is not None:
        assert header in reply.headers


def test_a_field_error_quotes_at_most_a_hundred_characters() -> None:
    validator = SchemaValidator({"type": "object", "properties": {"a": {"enum": ["x"]}}}, {})
    (error,) = validator.errors({"a": "y" * 10_000})
    assert error.kind == Kind.ENUM and error.allowed == ("x",)
    assert len(error.value) == MAX_QUOTED_CHARS and len(error.quoted) == MAX_QUOTED_CHARS


def test_at_most_fifty_field_errors_are_kept_and_the_rest_counted() -> None:
    problems = [FieldError("body", (i, "name"), Kind.REQUIRED) for i in range(120)]
    error = RequestValidationError(problems)
    assert len(error.errors) == MAX_FIELD_ERRORS and error.omitted == 70


@pytest.mark.parametrize("api", sorted(API_DEFINITIONS))
def test_no_api_answers_with_more_than_fifty_field_errors(api: str) -> None:
    problems = [FieldError("body", ("resources", i, "name"), Kind.REQUIRED) for i in range(500)]
    reply = API_DEFINITIONS[api].render_error(RequestValidationError(problems), None, Headers())
    text = json.dumps(reply.body)
    assert len(text) < 12_000, text[:300]
    assert len(set(re.findall(r"resources\.(\d+)", text))) <= MAX_FIELD_ERRORS
    if api == "perscom":  # Laravel's errors map names fields only; its message counts the rest
        errors = reply.body["error"]["errors"]
        assert all(re.fullmatch(r"resources\.\d+\.name", key) for key in errors), list(errors)[-3:]
        assert "(and 499 more errors)" in reply.body["error"]["message"]


def test_alternatives_are_followed_into_the_one_that_fits_the_type() -> None:
    schema = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
    validator = SchemaValidator({"type": "object", "properties": {"ends": schema}}, {})
    assert [(e.kind, e.format) for e in validator.errors({"ends": "soon"})] == [(Kind.FORMAT, "date-time")]
    assert [(e.kind, e.expected) for e in validator.errors({"ends": 5})] == [(Kind.TYPE, ("string", "null"))]
