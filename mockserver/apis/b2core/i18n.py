"""``Accept-Language`` negotiation and the localized texts of B2Core error bodies.

Error bodies are ``{"message": ..., "errors": {<field>: [<problem>, ...]}}`` (api-notes open
question 6). ``describe`` phrases one request-validation problem (a neutral
``mockserver.errors.FieldError``); ``translate`` phrases a message key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mockserver.apis.b2core import messages as m
from mockserver.apis.b2core.patterns import DURATION_PATTERN, RECIPIENTS_FILTER_PATTERN
from mockserver.errors import FieldError, Kind, shorten

SUPPORTED_LANGUAGES = tuple(m.CATALOGUES)
DEFAULT_LANGUAGE = m.DEFAULT_LANGUAGE

_TAG = re.compile(r"\*|[a-z]{1,8}(?:[-_][a-z0-9]{1,8})*")
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


def _parse_range(item: str) -> tuple[str, float] | None:
    tag, *params = (part.strip() for part in item.split(";"))
    tag = tag.lower()
    if not _TAG.fullmatch(tag):
        return None
    quality = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            if not _QVALUE.fullmatch(value.strip()):
                return None
            quality = float(value)
    return tag, quality


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """Lower-cased language ranges, most preferred first; malformed ones and ``q=0`` dropped."""
    ranges = [_parse_range(item) for item in (header or "").split(",")]
    accepted = [found for found in ranges if found is not None and found[1] > 0]
    return sorted(accepted, key=lambda found: -found[1])


def negotiate_language(header: str | None) -> str:
    """The supported language the client prefers (``ja-JP`` → ``ja``); English otherwise."""
    for tag, _quality in parse_accept_language(header):
        primary = re.split(r"[-_]", tag)[0]
        if primary in SUPPORTED_LANGUAGES:
            return primary
        if tag == "*":
            return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def translate(key: str, language: str, **params: object) -> str:
    """The message ``key`` in ``language`` (English if unsupported), with ``params`` filled in."""
    catalogue = m.CATALOGUES.get(language, m.ENGLISH)
    return catalogue[key].format(**params)


def field_label(location: str, path: Sequence[str | int]) -> str:
    """The envelope's key for a field: ``caption``, ``recipients.0``, ``filter[startDate]``."""
    if not path:
        return location
    head, *rest = (str(part) for part in path)
    if location == "query":
        return head + "".join(f"[{part}]" for part in rest)
    return ".".join([head, *rest])


_PATTERN_KEYS = {DURATION_PATTERN: m.DURATION, RECIPIENTS_FILTER_PATTERN: m.RECIPIENTS_FILTER}
_FORMAT_KEYS = {"date-time": m.FORMAT_DATE_TIME, "email": m.FORMAT_EMAIL}
_LIMIT_KEYS = {
    Kind.MINIMUM: m.MINIMUM,
    Kind.MAXIMUM: m.MAXIMUM,
    Kind.MIN_LENGTH: m.MIN_LENGTH,
    Kind.MAX_LENGTH: m.MAX_LENGTH,
    Kind.MAX_ITEMS: m.MAX_ITEMS,
}
_KIND_KEYS = {
    Kind.TYPE: m.TYPE,
    Kind.ENUM: m.ENUM,
    Kind.ADDITIONAL_PROPERTY: m.UNKNOWN_FIELD,
    Kind.MALFORMED_JSON: m.MALFORMED_JSON,
    **_LIMIT_KEYS,
}


def problem_key(problem: FieldError) -> str:
    """The message key for one neutral field error."""
    if problem.kind == Kind.REQUIRED:
        return m.REQUIRED if problem.path else m.BODY_REQUIRED
    if problem.kind == Kind.FORMAT:
        return _FORMAT_KEYS.get(str(problem.format), m.INVALID)
    if problem.kind == Kind.PATTERN:
        return _PATTERN_KEYS.get(str(problem.pattern), m.INVALID)
    return _KIND_KEYS.get(problem.kind, m.INVALID)


def _type_names(expected: Sequence[str], language: str) -> str:
    names = m.TYPE_NAMES.get(language, m.TYPE_NAMES[DEFAULT_LANGUAGE])
    joiner = " または " if language == "ja" else " or "
    return joiner.join(names.get(t, t) for t in expected)


def _params(problem: FieldError, language: str) -> dict[str, object]:
    if problem.kind == Kind.TYPE:
        return {"expected": _type_names(problem.expected, language)}
    if problem.kind == Kind.ENUM:
        return {"allowed": shorten(", ".join(str(option) for option in problem.allowed))}
    if problem.kind == Kind.ADDITIONAL_PROPERTY:
        return {"names": shorten(", ".join(problem.names))}
    if problem.kind in _LIMIT_KEYS:
        return {"limit": problem.limit}
    return {}


def describe(problem: FieldError, language: str) -> tuple[str, str]:
    """``(field label, localized message)`` for one request-validation problem."""
    field = field_label(problem.location, problem.path)
    params = _params(problem, language)
    return field, translate(problem_key(problem), language, field=field, **params)
