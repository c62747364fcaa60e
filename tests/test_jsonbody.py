"""jsonbody.parse_json: orjson's reading where it is the standard parser's, the standard one elsewhere."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import jsonbody
from mockserver.jsonbody import MalformedJson, parse_json

REFUSED = "refused"


def standard(raw: bytes) -> Any:
    """What the module promises: the standard parser's reading with its hooks, lone surrogates refused."""
    try:
        value = json.loads(raw, parse_constant=jsonbody._reject_constant, parse_float=jsonbody._number)
    except (ValueError, RecursionError):
        return REFUSED
    return REFUSED if jsonbody.lone_surrogate(value) is not None else value


def reading(raw: bytes) -> Any:
    try:
        return parse_json(raw)
    except MalformedJson:
        return REFUSED


def assert_same(raw: bytes) -> None:
    # repr tells 1 from 1.0 from True and shows the order of keys
    assert repr(reading(raw)) == repr(standard(raw)), raw[:200]


EDGES = [
    b"[1, 2.0, 1e3, 1.5, -0, -0.0]",
    b"18446744073709551615",  # orjson's largest exact integer
    b"18446744073709551616",  # orjson: a float
    b"-9223372036854775809",
    b"[123456789012345678901234567890]",
    b"1e400",
    b"[NaN]",
    b"-Infinity",
    b'{"a": 1, "b": 2, "a": 3}',
    b'"\\ud800"',
    b'"\xed\xa0\x80"',
    b'"\\ud83d\\ude00"',
    b"\xef\xbb\xbf[1]",
    '[{"a": "é"}]'.encode("utf-16"),
    '{"a": 1}'.encode("utf-32-le"),
    b"\x0c[1]",
    b"[1]\x00",
    b'"\x01"',
    b"[1,]",
    b"[" * 64 + b"]" * 64,
    b"[" * 65 + b"]" * 65,
    b"[" * 1000 + b"]" * 1000,  # orjson reads it; the standard parser runs out of recursion
    b"[" * 1025 + b"]" * 1025,
    b'{"a": ' * 70 + b"1" + b"}" * 70,
    b'[{"x": [1, {"y": [2, {"z": 2.5}]}]}, "s", null, true]',
    b'[{"ExternalId": "a", "UserId": 124}, {"ExternalId": "b", "UserId": 124.0}]',
]


def test_edges() -> None:
    for raw in EDGES:
        assert_same(raw)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(JSON, st.integers(min_value=0), st.binary(max_size=3))
def test_any_document_or_a_broken_one_reads_as_the_standard_parser_reads_it(
    value: Any, where: int, inserted: bytes
) -> None:
    raw = json.dumps(value).encode()
    assert_same(raw)
    at = where % (len(raw) + 1)
    assert_same(raw[:at] + inserted + raw[at:])


def test_a_body_may_nest_128_containers_deep_and_no_deeper() -> None:
    for nested in (lambda d: "[" * d + "]" * d, lambda d: '{"a":' * (d - 1) + "[1]" + "}" * (d - 1)):
        assert parse_json(nested(128).encode()) is not None
        with pytest.raises(MalformedJson, match="nested more than 128 levels deep"):
            parse_json(nested(129).encode())
    assert parse_json(b'[{"a": [1.5]}]') == [{"a": [1.5]}]  # the float path counts the same way
