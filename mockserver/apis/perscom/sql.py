"""How PERSCOM's MySQL/Eloquent queries treat values, for the in-memory search.

Values are event fields as stored (dates as aware ``datetime`` or RFC 3339 strings, see ``dates``).
SQL three-valued logic is kept: a NULL column matches no comparison. MySQL's loose comparisons are
kept too: a number against a string compares numerically (``'12abc' = 12``), booleans are 1/0,
JSON columns are matched as their text. ``like`` is case-sensitive and ``ilike`` is not (api-notes
"Search"); ``%``/``_`` are wildcards and ``\\`` escapes.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from mockserver.apis.perscom.dates import is_midnight, parse_datetime, sql_text
from mockserver.datetimes import is_date_time

SET_OPERATORS = frozenset({"in", "not in", "all in", "any in"})
LIKE_OPERATORS = frozenset({"like", "not like", "ilike", "not ilike"})
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_NUMERIC_PREFIX = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_MANY, _ONE = "%%", "__"
CACHED_DATE_TEXT, KEPT_DATE_TEXTS = 64, 16384  # a stored date's printed text is kept: short ones
_DATE_TEXTS: dict[str, str] = {}


def condition(actual: Any, op: str, value: Any, *, date_field: bool = False) -> bool:
    """One Orion filter clause (``where`` / ``whereIn`` / ``whereDate`` / ``whereJsonContains``)."""
    if isinstance(value, list):
        return list_condition(actual, op, value, date_field=date_field)
    if op in SET_OPERATORS:
        return list_condition(actual, op, [value], date_field=date_field)
    if value is None:
        return (actual is None) == (op == "=")  # Laravel: where(col, op, null) → whereNull / whereNotNull
    if actual is None:
        return False
    if op in LIKE_OPERATORS:
        return like_condition(op, value)(actual, date_field)
    return compare(actual, op, value, date_field=date_field)


@dataclass(frozen=True)
class Like:
    """A LIKE clause's operator and pattern, read once: ``match`` takes the column's text as
    ``text()`` prints it (lowered when not ``sensitive``); ``inner`` is set when the pattern is
    ``%inner%`` with no ``_`` (``match(s)`` is then ``inner in s``)."""

    sensitive: bool
    negated: bool
    match: Callable[[str], bool]
    inner: str | None


def like_clause(op: str, value: Any) -> Like:
    sensitive = not op.endswith("ilike")
    pattern = text(value)
    if not sensitive:
        pattern = pattern.lower()
    parts = _literal_parts(pattern) if len(pattern) <= CACHED_PATTERN else None
    inner = parts[1] if parts is not None and len(parts) == 3 and not parts[0] and not parts[2] else None
    return Like(sensitive, op.startswith("not "), like_matcher(pattern), inner)


def like_condition(op: str, value: Any) -> Callable[[Any, bool], bool]:
    """``condition(actual, op, value)`` for a LIKE operator and a non-null scalar ``value``, its
    matcher built once: a search tests it on every event (a long pattern is not cached)."""
    clause = like_clause(op, value)
    sensitive, negated, match = clause.sensitive, clause.negated, clause.match

    def test(actual: Any, date_field: bool = False) -> bool:
        if actual is None:
            return False
        subject = text(actual, date_field=date_field)
        return match(subject if sensitive else subject.lower()) != negated

    return test


def set_condition(op: str, values: Sequence[Any]) -> Callable[[Any, bool], bool]:
    """``condition(actual, op, values)`` for ``in``/``not in`` with an array of plain strings or
    numbers, as one hash lookup per event when the column holds the same kind of value (MySQL
    compares them exactly then); anything else takes ``condition``'s way."""
    strings = all(isinstance(v, str) for v in values)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    members = frozenset(values) if values and (strings or numbers) else None

    def test(actual: Any, date_field: bool = False) -> bool:
        plain = (isinstance(actual, str) and strings) or (
            numbers and isinstance(actual, (int, float)) and not isinstance(actual, bool)
        )
        if members is None or date_field or not plain:
            return condition(actual, op, list(values), date_field=date_field)
        return (actual in members) != (op == "not in")

    return test


def list_condition(actual: Any, op: str, values: Sequence[Any], *, date_field: bool = False) -> bool:
    """Array values: IN / NOT IN / JSON contains all / any; a ``null`` in the array adds OR IS NULL."""
    if None not in values:
        return _set_match(actual, op, values, date_field)
    rest = [v for v in values if not _php_falsy(v)]  # Orion: collect($value)->filter()
    if not rest:
        return actual is None
    return actual is None or _set_match(actual, op, rest, date_field)


def _set_match(actual: Any, op: str, values: Sequence[Any], date_field: bool) -> bool:
    if actual is None:
        return False
    if op in ("all in", "any in"):
        members = actual if isinstance(actual, list) else [actual]
        found = [any(compare(m, "=", v, date_field=date_field) for m in members) for v in values]
        return all(found) if op == "all in" else any(found)
    hit = any(compare(actual, "=", v, date_field=date_field) for v in values)
    return not hit if op == "not in" else hit


def compare(actual: Any, op: str, value: Any, *, date_field: bool = False) -> bool:
    """``actual <op> value``; a date column against a midnight value compares dates only."""
    if op not in _COMPARISONS or actual is None or value is None:
        return False
    pair = _comparable(actual, value, date_field)
    return pair is not None and _COMPARISONS[op](*pair)


def _comparable(actual: Any, value: Any, date_field: bool) -> tuple[Any, Any] | None:
    if date_field or isinstance(actual, datetime):
        left, right = moment(actual, date_field=True), parse_datetime(value)
        if left is None or right is None:
            return None
        return (left.date(), right.date()) if is_midnight(right) else (left, right)
    if isinstance(actual, (list, dict)) or isinstance(value, (list, dict)):
        return text(actual), text(value)
    if _is_number(actual) or _is_number(value):
        return mysql_number(actual), mysql_number(value)
    return str(actual), str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (bool, int, float))


def _php_falsy(value: Any) -> bool:
    return value is None or value is False or value in (0, "", "0")


def mysql_number(value: Any) -> float:
    """MySQL's numeric cast: the leading number of a string, else 0. An integer past a double's
    range is infinite, as the same digits in a string are (PHP reads such a JSON number as INF)."""
    if isinstance(value, str):
        found = _NUMERIC_PREFIX.match(value)
        return float(found.group(0)) if found else 0.0
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def text(value: Any, *, date_field: bool = False) -> str:
    """A value as MySQL prints it (for LIKE): booleans 1/0, DATETIME ``Y-m-d H:i:s``, JSON text."""
    if type(value) is str:  # a search prints every event's columns: text as itself, dates once
        if not date_field:
            return value
        known = _DATE_TEXTS.get(value)
        if known is not None:
            return known
    if isinstance(value, bool):
        return "1" if value else "0"
    when = moment(value, date_field=date_field)
    if when is not None:
        printed = sql_text(when)
        if type(value) is str and len(value) <= CACHED_DATE_TEXT and is_date_time(value):  # no guess
            if len(_DATE_TEXTS) >= KEPT_DATE_TEXTS:
                _DATE_TEXTS.clear()
            _DATE_TEXTS[value] = printed
        return printed
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def moment(value: Any, *, date_field: bool = False) -> datetime | None:
    """A stored value as a datetime when it is one, or when it sits in a date column and parses."""
    if isinstance(value, datetime) or (date_field and isinstance(value, str)):
        return parse_datetime(value)
    return None


def like(subject: str, pattern: str, *, case_sensitive: bool = True) -> bool:
    """SQL LIKE without backtracking regexes (safe on fuzzed patterns)."""
    if case_sensitive:
        return like_matcher(pattern)(subject)
    return like_matcher(pattern.lower())(subject.lower())


CACHED_PATTERN = 256  # longest LIKE pattern cached: 1,024 entries of at most this many characters


def like_matcher(pattern: str) -> Callable[[str], bool]:
    return _like_matcher(pattern) if len(pattern) <= CACHED_PATTERN else _like_matcher.__wrapped__(pattern)


def _like_tokens(pattern: str) -> list[str]:
    """Literal characters, ``_ONE`` and ``_MANY``; in a run of wildcards holding a ``%`` the
    ``_`` come first and one ``%`` ends it (``%_%_`` is ``__%``): fewer chunks to search."""
    tokens: list[str] = []
    escaped = False
    for char in pattern:
        if escaped or char not in "%_\\":
            tokens.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "_":
            if tokens and tokens[-1] == _MANY:
                tokens.insert(len(tokens) - 1, _ONE)
            else:
                tokens.append(_ONE)
        elif not tokens or tokens[-1] != _MANY:
            tokens.append(_MANY)
    return tokens + ["\\"] if escaped else tokens


def _chunks(pattern: str) -> list[list[str]]:
    """The pattern's tokens split at each ``%``."""
    chunks: list[list[str]] = [[]]
    for token in _like_tokens(pattern):
        if token == _MANY:
            chunks.append([])
        else:
            chunks[-1].append(token)
    return chunks


@lru_cache(maxsize=1024)
def _literal_parts(pattern: str) -> tuple[str, ...] | None:
    """The pattern's plain texts between ``%`` when it has no ``_``, else ``None``."""
    chunks = _chunks(pattern)
    return None if any(_ONE in chunk for chunk in chunks) else tuple("".join(chunk) for chunk in chunks)


@lru_cache(maxsize=1024)
def _like_matcher(pattern: str) -> Callable[[str], bool]:
    """The test for one LIKE pattern, built once (a search applies it to every event).

    The pattern is split at ``%`` into fixed-length chunks (characters and ``_``). The first must
    match at the start and the last at the end; each chunk between is taken at its leftmost
    place after the previous one, which is always right when the chunks have fixed lengths.
    A chunk is a regex of literals and ``.`` only: no quantifier, so no backtracking blow-up.
    """
    chunks = _chunks(pattern)
    if all(_ONE not in chunk for chunk in chunks):
        return _literal_matcher(["".join(chunk) for chunk in chunks])
    compiled = [
        re.compile("".join("." if t == _ONE else re.escape(t) for t in chunk), re.DOTALL) for chunk in chunks
    ]
    sizes = [len(chunk) for chunk in chunks]
    if len(chunks) == 1:
        return lambda subject: compiled[0].fullmatch(subject) is not None
    first, last, middle = compiled[0], compiled[-1], compiled[1:-1]
    least = sum(sizes)

    def matches(subject: str) -> bool:
        end = len(subject) - sizes[-1]
        if len(subject) < least or first.match(subject) is None or last.match(subject, end) is None:
            return False
        pos = sizes[0]
        for chunk in middle:
            found = chunk.search(subject, pos, end)
            if found is None:
                return False
            pos = found.end()
        return True

    return matches


def _literal_matcher(parts: list[str]) -> Callable[[str], bool]:
    """``_like_matcher`` for a pattern with no ``_``: its parts between ``%`` are plain text, found
    with string methods (``%drill%`` is ``"drill" in subject``)."""
    if len(parts) == 1:
        [whole] = parts
        return lambda subject: subject == whole
    first, last, middle = parts[0], parts[-1], parts[1:-1]
    if not first and not last and len(middle) == 1:
        [inner] = middle
        return lambda subject: inner in subject
    least = sum(len(part) for part in parts)

    def matches(subject: str) -> bool:
        if len(subject) < least or not subject.startswith(first) or not subject.endswith(last):
            return False
        pos, end = len(first), len(subject) - len(last)
        for part in middle:
            found = subject.find(part, pos, end)
            if found < 0:
                return False
            pos = found + len(part)
        return True

    return matches


def sort_key(value: Any, *, date_field: bool = False) -> tuple[int, int, Any]:
    """Orders like MySQL: NULL first, then numbers/dates, then text."""
    if value is None:
        return (0, 0, 0)
    when = moment(value, date_field=date_field)
    if when is not None:
        return (1, 0, when.timestamp())
    if _is_number(value):
        return (1, 0, float(value))
    return (1, 1, text(value))


def clear_caches() -> None:
    _like_matcher.cache_clear()
    _literal_parts.cache_clear()
    _DATE_TEXTS.clear()
