from __future__ import annotations

import string
from typing import Any

import pytest

from mockserver.apis.b2core import messages as m
from mockserver.apis.b2core.i18n import (
    describe,
    field_label,
    negotiate_language,
    parse_accept_language,
    problem_key,
    translate,
)
from mockserver.apis.b2core.patterns import DURATION_PATTERN, RECIPIENTS_FILTER_PATTERN
from mockserver.errors import FieldError, Kind


def _problem(kind: str, detail: dict[str, Any], location: str, path: tuple[str | int, ...]) -> FieldError:
    """A neutral FieldError from a keyword and its parts, as ``validation`` builds them."""
    return FieldError(
        location,
        path,
        Kind(kind),
        expected=tuple(detail.get("types", ())),
        allowed=tuple(detail.get("options", ())),
        limit=detail.get("limit"),
        format=detail.get("format"),
        pattern=detail.get("pattern"),
        names=tuple(detail.get("unexpected", ())),
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("ja", "ja"),
        ("JA", "ja"),
        ("ja-JP", "ja"),
        ("ja_jp", "ja"),
        ("en-US,en;q=0.9", "en"),
        ("fr", "en"),
        ("fr, ja;q=0.5", "ja"),
        ("en;q=0.3, ja;q=0.8", "ja"),
        ("ja;q=0, en", "en"),
        ("ja;q=0", "en"),
        ("ja;Q=0.7, de", "ja"),
        ("*", "en"),
        ("de, *;q=0.5, ja;q=0.4", "en"),
        ("ja;q=abc, en;q=0.1", "en"),
        ("ja;q=1.5", "en"),
        ("!!!, ja-JP;q=0.2", "ja"),
        (" ja-JP , en ; q=0.9 ", "ja"),
    ],
    ids=[
        "absent",
        "empty",
        "japanese",
        "upper-case",
        "region",
        "underscore",
        "english-first",
        "unsupported-falls-back",
        "second-choice",
        "q-values-reorder",
        "q-zero-excluded",
        "only-q-zero",
        "upper-case-q",
        "wildcard",
        "wildcard-before-ja",
        "malformed-q-dropped",
        "q-out-of-range-dropped",
        "garbage-item-skipped",
        "blanks",
    ],
)
def test_negotiate_language(header: str | None, expected: str) -> None:
    assert negotiate_language(header) == expected


def test_parse_accept_language_orders_by_quality_keeping_ties_in_order() -> None:
    header = "en;q=0.5, ja-JP, fr;q=0.5, de;q=0"
    assert parse_accept_language(header) == [("ja-jp", 1.0), ("en", 0.5), ("fr", 0.5)]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogues_cover_the_same_keys() -> None:
    keys = {value for name, value in vars(m).items() if name.isupper() and isinstance(value, str)}
    keys -= {m.DEFAULT_LANGUAGE}
    assert set(m.ENGLISH) == keys
    assert set(m.JAPANESE) == keys


@pytest.mark.parametrize("key", sorted(m.ENGLISH), ids=sorted(m.ENGLISH))
def test_translations_use_the_same_placeholders(key: str) -> None:
    assert _fields(m.JAPANESE[key]) == _fields(m.ENGLISH[key])
    assert m.JAPANESE[key] != m.ENGLISH[key]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The caption field is required."),
        ("ja", "caption は必須項目です。"),
        ("xx", "The caption field is required."),
    ],
    ids=["english", "japanese", "unknown-language-english"],
)
def test_translate(language: str, expected: str) -> None:
    assert translate(m.REQUIRED, language, field="caption") == expected


@pytest.mark.parametrize(
    ("location", "path", "expected"),
    [
        ("body", ("caption",), "caption"),
        ("body", ("recipients", 0), "recipients.0"),
        ("body", (), "body"),
        ("query", ("limit",), "limit"),
        ("query", ("filter", "startDate"), "filter[startDate]"),
        ("path", ("eventId",), "eventId"),
    ],
    ids=["body-field", "body-item", "whole-body", "query", "deep-object", "path"],
)
def test_field_label(location: str, path: tuple[str | int, ...], expected: str) -> None:
    assert field_label(location, path) == expected


@pytest.mark.parametrize(
    ("kind", "detail", "path", "expected"),
    [
        ("required", {"property": "caption"}, ("caption",), m.REQUIRED),
        ("required", {}, (), m.BODY_REQUIRED),
        ("malformed_json", {}, (), m.MALFORMED_JSON),
        ("type", {"types": ["string"]}, ("caption",), m.TYPE),
        ("format", {"format": "date-time"}, ("startDate",), m.FORMAT_DATE_TIME),
        ("format", {"format": "email"}, ("recipients", 0), m.FORMAT_EMAIL),
        ("format", {"format": "uuid"}, ("x",), m.INVALID),
        ("pattern", {"pattern": DURATION_PATTERN}, ("notifications", 0), m.DURATION),
        ("pattern", {"pattern": RECIPIENTS_FILTER_PATTERN}, ("filter", "recipients"), m.RECIPIENTS_FILTER),
        ("pattern", {"pattern": "^x$"}, ("x",), m.INVALID),
        ("enum", {"options": ["asc", "desc"]}, ("sort_order",), m.ENUM),
        ("minimum", {"limit": 1}, ("limit",), m.MINIMUM),
        ("maximum", {"limit": 100}, ("limit",), m.MAXIMUM),
        ("minLength", {"limit": 1}, ("caption",), m.MIN_LENGTH),
        ("maxLength", {"limit": 255}, ("caption",), m.MAX_LENGTH),
        ("maxItems", {"limit": 100}, ("recipients",), m.MAX_ITEMS),
        ("additionalProperties", {"unexpected": ["foo"]}, ("filter",), m.UNKNOWN_FIELD),
        ("uniqueItems", {}, ("x",), m.INVALID),
    ],
    ids=[
        "required-field",
        "required-body",
        "malformed-json",
        "type",
        "date-time",
        "email",
        "other-format",
        "duration",
        "recipients-filter",
        "other-pattern",
        "enum",
        "minimum",
        "maximum",
        "min-length",
        "max-length",
        "max-items",
        "unknown-filter",
        "unmapped-kind",
    ],
)
def test_problem_key(kind: str, detail: dict[str, Any], path: tuple[str | int, ...], expected: str) -> None:
    assert problem_key(_problem(kind, detail, "body", path)) == expected


@pytest.mark.parametrize(
    ("kind", "detail", "location", "path", "language", "expected"),
    [
        (
            "enum",
            {"options": ["asc", "desc"]},
            "query",
            ("sort_order",),
            "en",
            ("sort_order", "The selected sort_order is invalid. Allowed values: asc, desc."),
        ),
        (
            "type",
            {"types": ["integer"]},
            "query",
            ("limit",),
            "ja",
            ("limit", "limit には整数を指定してください。"),
        ),
        (
            "type",
            {"types": ["string", "null"]},
            "body",
            ("description",),
            "en",
            ("description", "The description field must be of type string or null."),
        ),
        (
            "format",
            {"format": "date-time"},
            "query",
            ("filter", "startDate"),
            "ja",
            (
                "filter[startDate]",
                "filter[startDate] にはタイムゾーン付きの ISO 8601 形式の日時を指定してください"
                "（例: 2022-01-01T00:00:00+00:00）。",
            ),
        ),
        (
            "pattern",
            {"pattern": DURATION_PATTERN},
            "body",
            ("notifications", 1),
            "ja",
            ("notifications.1", "notifications.1 には ISO 8601 形式の期間を指定してください（例: PT2H）。"),
        ),
        (
            "maximum",
            {"limit": 100},
            "query",
            ("limit",),
            "en",
            ("limit", "The limit field must not be greater than 100."),
        ),
        (
            "additionalProperties",
            {"unexpected": ["foo", "bar"]},
            "query",
            ("filter",),
            "en",
            ("filter", "The filter field does not accept: foo, bar."),
        ),
    ],
    ids=["enum-en", "type-ja", "union-type-en", "date-time-ja", "duration-ja", "maximum-en", "unknown-en"],
)
def test_describe(
    kind: str,
    detail: dict[str, Any],
    location: str,
    path: tuple[str | int, ...],
    language: str,
    expected: tuple[str, str],
) -> None:
    assert describe(_problem(kind, detail, location, path), language) == expected
