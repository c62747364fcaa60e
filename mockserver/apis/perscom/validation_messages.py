"""Laravel-style validation messages for PERSCOM's 422 ``ValidationException``.

A field error is described by its path (``"resources.0.name"`` or ``("resources", 0, "name")``),
a kind (a JSON Schema keyword as reported by the core — ``required``, ``type``, ``enum``,
``format``, ``maxLength`` ... — or a Laravel rule name: ``string``, ``integer``, ``boolean``,
``array``, ``date``, ``exists``, ``whitelist``) and the keyword's detail (``limit``, ``types``,
``format``). Laravel shows a top-level attribute with underscores as spaces (``calendar id``)
but a wildcard-expanded one verbatim (``resources.0.calendar_id``); the summary is the first
message plus `` (and N more error[s])``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver.apis.perscom import messages

Path = str | Sequence[str | int]

_WHITELISTED = re.compile(
    r"^(filters\.\d+(\.nested\.\d+)?\.field|sort\.\d+\.field|include(\.\d+)?|includes\.\d+\.relation)$"
)
_TYPE_MESSAGES = {
    "string": messages.MUST_BE_STRING,
    "integer": messages.MUST_BE_INTEGER,
    "number": messages.MUST_BE_NUMBER,
    "boolean": messages.MUST_BE_BOOLEAN,
    "array": messages.MUST_BE_ARRAY,
    "object": messages.MUST_BE_ARRAY,
}
_SIMPLE_KINDS = {
    **_TYPE_MESSAGES,
    "required": messages.REQUIRED,
    "date": messages.MUST_BE_DATE,
    "enum": messages.SELECTED_INVALID,
    "const": messages.SELECTED_INVALID,
    "in": messages.SELECTED_INVALID,
    "exists": messages.SELECTED_INVALID,
    "pattern": messages.FORMAT_INVALID,
    "regex": messages.FORMAT_INVALID,
}
_LIMIT_KINDS = {
    "maxLength": messages.MAX_STRING,
    "minLength": messages.MIN_STRING,
    "maxItems": messages.MAX_ARRAY,
    "minItems": messages.MIN_ARRAY,
    "maximum": messages.MAX_NUMBER,
    "minimum": messages.MIN_NUMBER,
}


@dataclass(frozen=True)
class FieldIssue:
    path: Path
    kind: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    value: Any = None

    @property
    def dotted(self) -> str:
        return dotted(self.path)


def dotted(path: Path) -> str:
    return path if isinstance(path, str) else ".".join(str(part) for part in path)


def displayable_attribute(path: Path) -> str:
    """``calendar_id`` → ``calendar id``; wildcard-expanded paths (``resources.0.calendar_id``) stay raw."""
    name = dotted(path)
    parts = name.split(".")
    if len(parts) >= 3 or any(part.isdigit() for part in parts):
        return name
    return name.replace("_", " ")


def field_message(path: Path, kind: str, detail: Mapping[str, Any] | None = None, value: Any = None) -> str:
    """The Laravel message for one failed rule on one field."""
    detail = detail or {}
    name = dotted(path)
    attribute = displayable_attribute(name)
    if kind == "whitelist" or (_WHITELISTED.match(name) and kind in ("enum", "pattern", "anyOf") and value):
        return messages.NOT_WHITELISTED.format(value=value)
    if _means_missing(kind, detail):
        return messages.REQUIRED.format(attribute=attribute)
    if kind in ("required_with", "required_without"):
        template = messages.REQUIRED_WITH if kind == "required_with" else messages.REQUIRED_WITHOUT
        return template.format(
            attribute=attribute, values=displayable_attribute(str(detail.get("values", "")))
        )
    template = _template(kind, detail)
    return template.format(attribute=attribute, limit=detail.get("limit", ""))


def _means_missing(kind: str, detail: Mapping[str, Any]) -> bool:
    """Blank strings, empty arrays and objects fail Laravel's ``required`` (TrimStrings + null conversion)."""
    if kind in ("minLength", "minItems", "minProperties") and detail.get("limit") == 1:
        return True
    return kind == "pattern" and detail.get("pattern") == r"\S"


def _template(kind: str, detail: Mapping[str, Any]) -> str:
    if kind == "type":
        return _TYPE_MESSAGES.get(_expected_type(detail), messages.INVALID)
    if kind == "format":
        if detail.get("format") in ("date", "date-time"):
            return messages.MUST_BE_DATE
        return messages.MUST_BE_EMAIL if detail.get("format") == "email" else messages.FORMAT_INVALID
    return _SIMPLE_KINDS.get(kind) or _LIMIT_KINDS.get(kind) or messages.INVALID


def _expected_type(detail: Mapping[str, Any]) -> str:
    declared = detail.get("types", detail.get("type", detail.get("expected", "")))
    names = [declared] if isinstance(declared, str) else list(declared)
    return next((name for name in names if name != "null"), "")


def errors_by_field(issues: Iterable[FieldIssue]) -> dict[str, list[str]]:
    """Group messages per field path, first-seen order, without duplicates (Laravel's MessageBag)."""
    grouped: dict[str, list[str]] = {}
    for issue in issues:
        message = field_message(issue.path, issue.kind, issue.detail, issue.value)
        found = grouped.setdefault(issue.dotted, [])
        if message not in found:
            found.append(message)
    return grouped


def summary_message(errors: Mapping[str, Sequence[str]]) -> str:
    """Laravel's ``ValidationException::summarize``: the first message plus how many more there are."""
    flat = [message for found in errors.values() for message in found]
    if not flat:
        return messages.GIVEN_DATA_INVALID
    extra = len(flat) - 1
    if extra == 0:
        return flat[0]
    template = messages.SUMMARY_ONE_MORE if extra == 1 else messages.SUMMARY_MORE
    return template.format(message=flat[0], count=extra)
