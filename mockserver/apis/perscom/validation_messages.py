"""Laravel-style validation messages for PERSCOM's 422 ``ValidationException``.

A field error is described by its path (``"resources.0.name"`` or ``("resources", 0, "name")``),
a kind (a core ``errors.Kind`` — ``required``, ``type``, ``enum``, ``format``, ``maxLength``
... — or a Laravel rule name: ``string``, ``integer``, ``boolean``, ``array``, ``date``,
``exists``, ``whitelist``) and the rule's bound or requirement. Laravel shows a top-level attribute with underscores as spaces (``calendar id``)
but a wildcard-expanded one verbatim (``resources.0.calendar_id``); the summary is the first
message plus `` (and N more error[s])``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.apis.perscom import messages
from mockserver.errors import FieldError

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
    """One failed rule on one field: a neutral ``FieldError``'s parts, or a Laravel rule's.

    ``limit`` is a size bound, ``expected`` JSON types, ``format``/``pattern`` what was required,
    ``value`` the offending value (already shortened), ``values`` the other field a
    ``required_with``/``required_without`` rule names.
    """

    path: Path
    kind: str
    limit: int | float | None = None
    expected: tuple[str, ...] = ()
    format: str | None = None
    pattern: str | None = None
    value: Any = None
    values: str = ""

    @property
    def dotted(self) -> str:
        return dotted(self.path)

    @classmethod
    def of(cls, error: FieldError) -> FieldIssue:
        return cls(
            error.path, error.kind, error.limit, error.expected, error.format, error.pattern, error.value
        )


def dotted(path: Path) -> str:
    return path if isinstance(path, str) else ".".join(str(part) for part in path)


def displayable_attribute(path: Path) -> str:
    """``calendar_id`` → ``calendar id``; wildcard-expanded paths (``resources.0.calendar_id``) stay raw."""
    name = dotted(path)
    parts = name.split(".")
    if len(parts) >= 3 or any(part.isdigit() for part in parts):
        return name
    return name.replace("_", " ")


def field_message(issue: FieldIssue) -> str:
    """The Laravel message for one failed rule on one field."""
    name, kind = issue.dotted, issue.kind
    attribute = displayable_attribute(name)
    if kind == "whitelist" or (
        _WHITELISTED.match(name) and kind in ("enum", "pattern", "anyOf") and issue.value
    ):
        return messages.NOT_WHITELISTED.format(value=issue.value)
    if _means_missing(issue):
        return messages.REQUIRED.format(attribute=attribute)
    if kind in ("required_with", "required_without"):
        template = messages.REQUIRED_WITH if kind == "required_with" else messages.REQUIRED_WITHOUT
        return template.format(attribute=attribute, values=displayable_attribute(issue.values))
    limit = "" if issue.limit is None else issue.limit
    return _template(issue).format(attribute=attribute, limit=limit)


def _means_missing(issue: FieldIssue) -> bool:
    """Blank strings, empty arrays and objects fail Laravel's ``required`` (TrimStrings + null conversion)."""
    if issue.kind in ("minLength", "minItems", "minProperties") and issue.limit == 1:
        return True
    return issue.kind == "pattern" and issue.pattern == r"\S"


def _template(issue: FieldIssue) -> str:
    if issue.kind == "type":
        expected = next((name for name in issue.expected if name != "null"), "")
        return _TYPE_MESSAGES.get(expected, messages.INVALID)
    if issue.kind == "format":
        if issue.format in ("date", "date-time"):
            return messages.MUST_BE_DATE
        return messages.MUST_BE_EMAIL if issue.format == "email" else messages.FORMAT_INVALID
    return _SIMPLE_KINDS.get(issue.kind) or _LIMIT_KINDS.get(issue.kind) or messages.INVALID


def errors_by_field(issues: Iterable[FieldIssue]) -> dict[str, list[str]]:
    """Group messages per field path, first-seen order, without duplicates (Laravel's MessageBag)."""
    grouped: dict[str, list[str]] = {}
    for issue in issues:
        message = field_message(issue)
        found = grouped.setdefault(issue.dotted, [])
        if message not in found:
            found.append(message)
    return grouped


def summary_message(errors: Mapping[str, Sequence[str]], unlisted: int = 0) -> str:
    """Laravel's ``ValidationException::summarize``: the first message plus how many more there are
    (``unlisted`` counts the messages left out of ``errors``)."""
    flat = [message for found in errors.values() for message in found]
    if not flat:
        return messages.GIVEN_DATA_INVALID
    extra = len(flat) - 1 + unlisted
    if extra == 0:
        return flat[0]
    template = messages.SUMMARY_ONE_MORE if extra == 1 else messages.SUMMARY_MORE
    return template.format(message=flat[0], count=extra)
