"""The fast query-string parser answers what Werkzeug's ``Request.args`` answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from mockserver.query import parse_query

# the characters that matter to the parser, escapes (valid, invalid, truncated) and text
PARTS = st.sampled_from(["&", "=", "+", "%", "%5B", "%5d", "%20", "%C3%A9", "%FF", "%E2%82", "%2", "[", "]"])
QUERIES = st.lists(PARTS | st.text(st.characters(exclude_categories=["Cs"]), max_size=3), max_size=12).map(
    "".join
)


def werkzeug_args(query_string: bytes) -> list[tuple[str, str]]:
    environ = EnvironBuilder("/").get_environ()
    environ["QUERY_STRING"] = query_string.decode("latin-1")  # as a WSGI server hands it over
    return list(Request(environ).args.items(multi=True))


@given(QUERIES)
def test_the_same_pairs_as_werkzeug(query: str) -> None:
    raw = query.encode()
    assert list(parse_query(raw).items(multi=True)) == werkzeug_args(raw)


def test_names_and_values_decode_once() -> None:
    args = parse_query(b"filter%5BstartDate%5D=2024-01-01T00%3A00%3A00Z&a+b=c+d&e=%2541&f&&g=")
    assert list(args.items(multi=True)) == [
        ("filter[startDate]", "2024-01-01T00:00:00Z"),
        ("a b", "c d"),
        ("e", "%41"),
        ("f", ""),
        ("g", ""),
    ]


def test_a_raw_byte_that_is_not_utf8_stays_escaped() -> None:
    # Werkzeug raises UnicodeDecodeError here (a 500 in-process); granian refuses such a
    # request line itself, other WSGI servers pass it on
    assert parse_query(b"q=caf\xe9&r=%E9").to_dict() == {"q": "caf%E9", "r": "%E9"}
