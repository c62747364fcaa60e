"""Request bodies as JSON: the standard parser, stricter where JSON and Python disagree.

NaN, Infinity, numbers that overflow a double and lone UTF-16 surrogates are malformed; a whole
number written with a fraction or exponent (``2.0``, ``1e3``) becomes an ``int``.
"""

from __future__ import annotations

import json
import math
from typing import Any


class MalformedJson(ValueError):
    pass


def _reject_constant(value: str) -> Any:
    raise MalformedJson(f"{value} is not valid JSON")


def _number(text: str) -> float | int:
    """A JSON number with a fractional part; a whole one (``2.0``, ``1e3``) becomes an int.

    JSON Schema counts ``2.0`` as an integer, so it passes ``type: integer`` and reaches the
    handlers, which may use it as an index or a count: they get ``2``. Overflowing numbers
    (``1e400``) are malformed, as NaN and Infinity are.
    """
    value = float(text)
    if not math.isfinite(value):
        raise MalformedJson(f"{text} is out of range")
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


def parse_json(raw: bytes) -> Any:
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_number)
    except (ValueError, RecursionError) as exc:
        raise MalformedJson(str(exc)) from exc
    # a lone surrogate comes from an escape, or from raw bytes json.loads decodes with
    # "surrogatepass" (UTF-8 ED A0 80, or UTF-16/32 input): plain ASCII without escapes has none
    suspect = b"\\ud" in raw or b"\\uD" in raw or not raw.isascii()
    if suspect and (surrogate := lone_surrogate(value)) is not None:
        raise MalformedJson(f"{surrogate} is half of a UTF-16 surrogate pair, not a character")
    return value


def lone_surrogate(value: Any) -> str | None:
    """The first lone UTF-16 surrogate (as ``\\udXXX``) in a parsed document's strings and keys.

    ``json.loads`` turns an escaped pair such as ``\\ud83d\\ude00`` into one character but keeps
    a lone ``\\ud800`` as a surrogate code point, which no UTF-8 answer can carry: stored and
    echoed, it would fail every reply that shows it (RFC 7493 forbids them in I-JSON).
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                return f"\\u{ord(item[exc.start]):04x}"
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def blank_outside_strings(raw: bytes, extra: str) -> bytes:
    """``raw`` with the characters of ``extra`` turned into spaces where they stand between JSON
    tokens (never inside a string): for an API whose JSON reader takes them as whitespace, as
    ASP.NET's reader takes U+00A0. Not UTF-8 → unchanged (the parser then reports it)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    if not any(char in text for char in extra):
        return raw
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            out.append(char)
            continue
        if char == '"':
            in_string = True
        out.append(" " if char in extra else char)
    return "".join(out).encode("utf-8")
