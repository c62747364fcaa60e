"""The ``Prefer`` header (RFC 7240) and Prism's ``__code``/``__example``/``__dynamic`` query.

Prism's rules, kept exactly: when a ``Prefer`` header is present (and not empty) the query
parameters are ignored entirely; ``code`` must be exactly three digits and ``dynamic`` exactly
``true`` or ``false``, else the request is refused with 422. Preferences nobody here knows are
ignored, as RFC 7240 says. The extended keys (header only) are ``delay``, ``fail``, ``rate``,
``fault``, ``seed`` and ``undocumented``; their syntax is checked as strictly.

A preference is ``name[=value]`` and may carry ``;parameters`` (``fail=503;rate=0.1``); a value
may be an RFC 7230 quoted string. Commas inside parentheses do not split preferences, so
``delay=lognormal(median=80,p99=400)`` and ``fault=dribble(5,100)`` need no quoting. Of a
preference given twice, the first counts (RFC 7240 section 2).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_DELAY_MS = 60_000
MAX_DRIBBLE_CHUNKS = 1_000
MAX_SEED = 2**63 - 1
PRISM_QUERY = {"__code": "code", "__example": "example", "__dynamic": "dynamic"}
FAULTS = ("empty", "reset", "garbage", "truncate", "dribble")
_Z99 = 2.3263478740408408  # the standard normal's 99th percentile


class PreferenceError(ValueError):
    """A preference the mock knows, with a value it cannot use: answered 422."""

    def __init__(self, name: str, value: str | None, expected: str) -> None:
        shown = "no value" if value is None else repr(value)
        super().__init__(f"preference {name}: {shown} is not {expected}")
        self.name = name
        self.value = value
        self.expected = expected


@dataclass(frozen=True)
class Delay:
    """``delay=250`` (fixed), ``delay=100-400`` (uniform), ``delay=lognormal(median=80,p99=400)``."""

    kind: str
    low: float
    high: float

    def draw(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            return self.low
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high)
        sigma = (math.log(self.high) - math.log(self.low)) / _Z99
        return min(float(MAX_DELAY_MS), rng.lognormvariate(math.log(self.low), sigma))

    def __str__(self) -> str:
        if self.kind == "fixed":
            return f"{self.low:g}"
        if self.kind == "uniform":
            return f"{self.low:g}-{self.high:g}"
        return f"lognormal(median={self.low:g},p99={self.high:g})"


@dataclass(frozen=True)
class Fault:
    """A socket-level fault; ``dribble`` sends the answer in ``chunks`` pieces ``interval_ms`` apart."""

    kind: str
    chunks: int = 0
    interval_ms: int = 0

    def __str__(self) -> str:
        return f"dribble({self.chunks},{self.interval_ms})" if self.kind == "dribble" else self.kind


@dataclass(frozen=True)
class Preferences:
    """What a request asked for; ``raw`` keeps each applied key's text for ``Preference-Applied``."""

    source: str  # "header" or "query"
    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    seed: int | None = None
    delay: Delay | None = None
    fail: int | None = None
    rate: float | None = None
    fault: Fault | None = None
    undocumented: bool = False
    raw: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def documented_answer(self) -> bool:
        """Whether the answer is a documented response (Prism's keys) instead of the handler's."""
        return self.code is not None or self.example is not None or self.dynamic is not None

    @property
    def empty(self) -> bool:
        return not self.raw


# --- splitting the header ---------------------------------------------------------------------

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _split(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside quotes and parentheses."""
    parts, depth, quoted, start = [], 0, False, 0
    i = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == "\\":
                i += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def _unquote(value: str) -> str:
    match = _QUOTED.fullmatch(value)
    return re.sub(r"\\(.)", r"\1", match.group(1)) if match else value


def _pair(text: str) -> tuple[str, str | None]:
    name, has_value, value = text.partition("=")
    return name.strip().lower(), (_unquote(value.strip()) if has_value else None)


def split_header(header: str) -> dict[str, str | None]:
    """Each preference (and each ``;`` parameter, as a preference of its own) -> its value."""
    found: dict[str, str | None] = {}
    for preference in _split(header, ","):
        for part in _split(preference, ";"):
            if part.strip():
                name, value = _pair(part)
                found.setdefault(name, value)
    return found


# --- reading each value -----------------------------------------------------------------------

_THREE_DIGITS = re.compile(r"[0-9]{3}")
_MS = r"(\d+(?:\.\d+)?)"
_RANGE = re.compile(rf"{_MS}\s*-\s*{_MS}")
_LOGNORMAL = re.compile(rf"lognormal\(\s*median\s*=\s*{_MS}\s*,\s*p99\s*=\s*{_MS}\s*\)", re.I)
_DRIBBLE = re.compile(r"dribble\(\s*(\d+)\s*,\s*(\d+)\s*\)", re.I)


def _status(name: str, value: str | None, low: int = 100) -> int:
    if value is None or not _THREE_DIGITS.fullmatch(value) or not low <= int(value) <= 599:
        expected = "a three-digit status code" if low == 100 else "a three-digit status from 400 to 599"
        raise PreferenceError(name, value, expected)
    return int(value)


def _boolean(name: str, value: str | None, *, bare: bool = False) -> bool:
    if value is None and bare:
        return True
    if value not in ("true", "false"):
        raise PreferenceError(name, value, "exactly true or false")
    return value == "true"


def read_delay(value: str | None) -> Delay:
    text = (value or "").strip()
    expected = f"milliseconds (0-{MAX_DELAY_MS}): 250, 100-400 or lognormal(median=80,p99=400)"
    if re.fullmatch(_MS, text):
        delay = Delay("fixed", float(text), float(text))
    elif match := _RANGE.fullmatch(text):
        delay = Delay("uniform", float(match[1]), float(match[2]))
    elif match := _LOGNORMAL.fullmatch(text):
        delay = Delay("lognormal", float(match[1]), float(match[2]))
        if delay.low <= 0:
            raise PreferenceError("delay", value, "a lognormal with a median above 0")
    else:
        raise PreferenceError("delay", value, expected)
    if delay.low > delay.high or delay.high > MAX_DELAY_MS:
        raise PreferenceError("delay", value, f"a low <= high range of at most {MAX_DELAY_MS} ms")
    return delay


def read_fault(value: str | None) -> Fault:
    text = (value or "").strip().lower()
    if text in FAULTS and text != "dribble":
        return Fault(text)
    match = _DRIBBLE.fullmatch(text)
    if match is None:
        raise PreferenceError("fault", value, "one of empty, reset, garbage, truncate, dribble(chunks,ms)")
    chunks, interval = int(match[1]), int(match[2])
    if not 1 <= chunks <= MAX_DRIBBLE_CHUNKS or chunks * interval > MAX_DELAY_MS:
        raise PreferenceError(
            "fault", value, f"dribble with 1-{MAX_DRIBBLE_CHUNKS} chunks and at most {MAX_DELAY_MS} ms in all"
        )
    return Fault("dribble", chunks, interval)


def _rate(value: str | None) -> float:
    try:
        rate = float(value or "")
    except ValueError:
        rate = math.nan
    if not 0.0 <= rate <= 1.0:
        raise PreferenceError("rate", value, "a probability from 0 to 1")
    return rate


def _seed(value: str | None) -> int:
    if value is None or not value.isdigit() or not value.isascii() or int(value) > MAX_SEED:
        raise PreferenceError("seed", value, f"an integer from 0 to {MAX_SEED}")
    return int(value)


def _example(value: str | None) -> str:
    if not value:
        raise PreferenceError("example", value, "the name of a documented example")
    return value


def _code(value: str | None) -> int:
    return _status("code", value)


def _fail(value: str | None) -> int:
    return _status("fail", value, 400)


def _dynamic(value: str | None) -> bool:
    return _boolean("dynamic", value)


def _undocumented(value: str | None) -> bool:
    return _boolean("undocumented", value, bare=True)


_READERS: dict[str, Callable[[str | None], Any]] = {
    "code": _code,
    "example": _example,
    "dynamic": _dynamic,
    "seed": _seed,
    "delay": read_delay,
    "fail": _fail,
    "rate": _rate,
    "fault": read_fault,
    "undocumented": _undocumented,
}


def _read(source: str, given: dict[str, str | None]) -> Preferences | None:
    known = {name: value for name, value in given.items() if name in _READERS}
    if not known:
        return None
    values: dict[str, Any] = {name: _READERS[name](value) for name, value in known.items()}
    if "rate" in values and "fail" not in values and "fault" not in values:
        raise PreferenceError("rate", known["rate"], "given with fail or fault (it is their probability)")
    raw = {name: value if value is not None else "" for name, value in known.items()}
    return Preferences(source, raw=raw, **values)


def parse(header: str | None, query: dict[str, str] | None = None) -> Preferences | None:
    """The request's preferences, or None when it states none the mock knows.

    ``query`` holds the request's ``__code``/``__example``/``__dynamic`` values, read only when
    ``header`` is absent or empty (Prism). Raises PreferenceError for a malformed value.
    """
    if header and header.strip():
        return _read("header", split_header(header))
    if query:
        return _read("query", {PRISM_QUERY[k]: v for k, v in query.items() if k in PRISM_QUERY})
    return None


def applied(preferences: Preferences, names: list[str], shown: dict[str, str] | None = None) -> str:
    """The ``Preference-Applied`` value for the preferences in ``names`` (RFC 7240 section 3)."""
    shown = shown or {}
    parts = []
    for name in names:
        value = shown.get(name, preferences.raw.get(name, ""))
        parts.append(f"{name}={_quoted(value)}" if value != "" else name)
    return ", ".join(parts)


def _quoted(value: str) -> str:
    if re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
