from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mockserver.apis.perscom.sql import compare, condition, like, mysql_number, sort_key, text


@pytest.mark.parametrize(
    ("subject", "pattern", "case_sensitive", "expected"),
    [
        ("Weekly drill", "%drill%", True, True),
        ("Weekly Drill", "%drill%", True, False),
        ("Weekly Drill", "%drill%", False, True),
        ("drill", "dr_ll", True, True),
        ("drl", "dr_ll", True, False),
        ("100%", "100\\%", True, True),
        ("1000", "100\\%", True, False),
        ("a_b", "a\\_b", True, True),
        ("axb", "a\\_b", True, False),
        ("", "%", True, True),
        ("abc", "", True, False),
        ("a" * 200, "%a%a%a%a%a%a%a%b", True, False),
    ],
    ids=[
        "substring",
        "case-sensitive-miss",
        "case-insensitive-hit",
        "underscore-one",
        "underscore-needs-one",
        "escaped-percent",
        "escaped-percent-literal",
        "escaped-underscore",
        "escaped-underscore-literal",
        "percent-matches-empty",
        "empty-pattern",
        "pathological-pattern-terminates",
    ],
)
def test_like(subject: str, pattern: str, case_sensitive: bool, expected: bool) -> None:
    assert like(subject, pattern, case_sensitive=case_sensitive) is expected


@pytest.mark.parametrize(
    ("actual", "op", "value", "date_field", "expected"),
    [
        (5, ">", 3, False, True),
        (5, "<=", "5", False, True),
        ("12abc", "=", 12, False, True),
        (True, "=", 1, False, True),
        (False, "=", True, False, False),
        (None, "!=", "x", False, False),
        (None, "=", None, False, True),
        ("x", "!=", None, False, True),
        ("x", "like", None, False, True),
        (None, ">", None, False, False),
        ("2023-11-07T05:31:56Z", "=", "2023-11-07", True, True),
        ("2023-11-07T05:31:56Z", "=", "2023-11-07T05:00:00Z", True, False),
        (datetime(2023, 11, 7, 5, tzinfo=UTC), ">", "2023-11-07T04:59:59Z", False, True),
        ("2023-11-07T05:31:56Z", "<", "2023-11-08", True, True),
        ("2023-11-07T05:31:56Z", ">", "not a date", True, False),
        ("Drill", "like", "d%", False, False),
        ("Drill", "ilike", "d%", False, True),
        ("Drill", "not ilike", "d%", False, False),
        ("Drill", "not like", "d%", False, True),
    ],
    ids=[
        "gt",
        "numeric-string",
        "mysql-numeric-cast",
        "bool-is-one",
        "bool-mismatch",
        "null-column-never-matches",
        "null-value-is-null",
        "null-value-not-equal-is-not-null",
        "null-value-other-op-is-not-null",
        "null-both",
        "midnight-compares-date",
        "time-compares-datetime",
        "datetime-object",
        "date-before",
        "unparseable-date",
        "like-case-sensitive",
        "ilike",
        "not-ilike",
        "not-like",
    ],
)
def test_condition_scalars(actual: Any, op: str, value: Any, date_field: bool, expected: bool) -> None:
    assert condition(actual, op, value, date_field=date_field) is expected


@pytest.mark.parametrize(
    ("actual", "op", "value", "expected"),
    [
        (2, "in", [1, 2], True),
        (3, "in", [1, 2], False),
        (3, "not in", [1, 2], True),
        (None, "not in", [1, 2], False),
        (None, "in", [None, 2], True),
        (2, "in", [None, 2], True),
        (3, "in", [None, 2], False),
        (0, "in", [None, 0], False),
        (["pt0m", "p1d"], "all in", ["pt0m", "p1d"], True),
        (["pt0m"], "all in", ["pt0m", "p1d"], False),
        (["pt0m"], "any in", ["pt0m", "p1d"], True),
        (["pt1h"], "any in", ["pt0m", "p1d"], False),
        (None, "any in", ["pt0m"], False),
        (2, "in", 2, True),
        (2, "=", [1, 2], True),
    ],
    ids=[
        "in",
        "not-in-list",
        "not-in",
        "null-not-in",
        "null-in-array-is-null",
        "null-plus-member",
        "null-plus-miss",
        "php-falsy-dropped",
        "all-in",
        "all-in-missing-one",
        "any-in",
        "any-in-miss",
        "null-json",
        "scalar-in",
        "array-value-means-in",
    ],
)
def test_condition_arrays(actual: Any, op: str, value: Any, expected: bool) -> None:
    assert condition(actual, op, value) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42.0),
        ("3.5kg", 3.5),
        ("abc", 0.0),
        (" -2e1x", -20.0),
        (True, 1.0),
        (7, 7.0),
        (10**400, float("inf")),
        (-(10**400), float("-inf")),
        ("9" * 400, float("inf")),
    ],
    ids=["int", "prefix", "none", "exponent", "bool", "number", "past-double", "past-double-negative", "long-digits"],
)
def test_mysql_number(raw: Any, expected: float) -> None:
    assert mysql_number(raw) == expected


def test_text_renders_like_mysql() -> None:
    assert text(True) == "1"
    assert text(datetime(2023, 11, 7, 5, 31, 56, tzinfo=UTC)) == "2023-11-07 05:31:56"
    assert text("2023-11-07T05:31:56.000000Z", date_field=True) == "2023-11-07 05:31:56"
    assert text(["pt0m", "p1d"]) == '["pt0m", "p1d"]'


def test_sort_key_orders_null_first_then_values() -> None:
    values = ["b", None, 3, "a", 1]
    assert sorted(values, key=sort_key) == [None, 1, 3, "a", "b"]


def test_compare_rejects_unknown_operator() -> None:
    assert compare(1, "<=>", 1) is False
