"""``Accept-Language`` negotiation and the localized texts of B2Core error bodies.

Error bodies are ``{"message": ..., "errors": {<field>: [<problem>, ...]}}`` (api-notes open
question 6). ``describe`` phrases one request-validation problem (a jsonschema-rs error kind with
its details, as ``mockserver.errors.FieldError`` carries them); ``translate`` phrases a message
key, e.g. the key and params of a ``rules.CalendarRuleError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mockserver.apis.b2core import messages as m
from mockserver.apis.b2core.patterns import DURATION_PATTERN, RECIPIENTS_FILTER_PATTERN

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
    "minimum": m.MINIMUM,
    "maximum": m.MAXIMUM,
    "minLength": m.MIN_LENGTH,
    "maxLength": m.MAX_LENGTH,
    "maxItems": m.MAX_ITEMS,
}
_KIND_KEYS = {
    "type": m.TYPE,
    "enum": m.ENUM,
    "additionalProperties": m.UNKNOWN_FIELD,
    "malformed_json": m.MALFORMED_JSON,
    **_LIMIT_KEYS,
}


def problem_key(kind: str, detail: Mapping[str, Any], path: Sequence[str | int]) -> str:
    """The message key for one jsonschema-rs error kind (or the core's ``malformed_json``)."""
    if kind == "required":
        return m.REQUIRED if path else m.BODY_REQUIRED
    if kind == "format":
        return _FORMAT_KEYS.get(str(detail.get("format")), m.INVALID)
    if kind == "pattern":
        return _PATTERN_KEYS.get(str(detail.get("pattern")), m.INVALID)
    return _KIND_KEYS.get(kind, m.INVALID)


def _type_names(detail: Mapping[str, Any], language: str) -> str:
    names = m.TYPE_NAMES.get(language, m.TYPE_NAMES[DEFAULT_LANGUAGE])
    joiner = " または " if language == "ja" else " or "
    return joiner.join(names.get(str(t), str(t)) for t in detail.get("types", ()))


def _params(kind: str, detail: Mapping[str, Any], language: str) -> dict[str, object]:
    if kind == "type":
        return {"expected": _type_names(detail, language)}
    if kind == "enum":
        return {"allowed": ", ".join(str(option) for option in detail.get("options", ()))}
    if kind == "additionalProperties":
        return {"names": ", ".join(str(name) for name in detail.get("unexpected", ()))}
    if kind in _LIMIT_KEYS:
        return {"limit": detail.get("limit")}
    return {}


def describe(
    kind: str, detail: Mapping[str, Any], location: str, path: Sequence[str | int], language: str
) -> tuple[str, str]:
    """``(field label, localized message)`` for one request-validation problem."""
    field = field_label(location, path)
    params = _params(kind, detail, language)
    return field, translate(problem_key(kind, detail, path), language, field=field, **params)
