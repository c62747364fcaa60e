"""Request-level rules shared by every events operation: API version, ``include``, trash flags."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

from mockserver.apis.perscom import messages
from mockserver.apis.perscom.rules import FieldValidationFailed, UnsupportedVersion

VERSIONS = ("v1", "v2")
INCLUDABLE = (
    "attachments",
    "author",
    "author.*",
    "calendar",
    "calendar.*",
    "comments",
    "comments.*",
    "image",
    "schedule",
    "tags",
)
_WILDCARD_INCLUDE = re.compile(r"^(author|calendar|comments)\.[A-Za-z0-9_]+$")


class Trashed(Enum):
    WITHOUT = "without"
    WITH = "with"
    ONLY = "only"


def check_version(version: str) -> str:
    if version not in VERSIONS:
        raise UnsupportedVersion(version)
    return version


def requested_includes(raw: str | Iterable[str] | None, field: str = "include") -> list[str]:
    """The whitelisted includes, in request order without duplicates; blanks are ignored.

    Anything outside the whitelist (``x.*`` also admits ``x.<relation>``) → 422 naming the value.
    """
    names = raw.split(",") if isinstance(raw, str) else list(raw or ())
    chosen: list[str] = []
    for index, name in enumerate(part.strip() for part in names):
        if name and not is_includable(name):
            raise FieldValidationFailed({f"{field}.{index}": [messages.NOT_WHITELISTED.format(value=name)]})
        if name and name not in chosen:
            chosen.append(name)
    return chosen


def is_includable(name: str) -> bool:
    return name in INCLUDABLE or bool(_WILDCARD_INCLUDE.match(name))


def top_level_relations(includes: Iterable[str]) -> list[str]:
    """``["author.rank", "tags"]`` → ``["author", "tags"]``: the keys added to each event."""
    relations: list[str] = []
    for name in includes:
        relation = name.split(".", 1)[0]
        if relation not in relations:
            relations.append(relation)
    return relations


def trash_mode(with_trashed: bool | None, only_trashed: bool | None) -> Trashed:
    """Orion checks ``with_trashed`` first: when both are true, trashed and live events are returned."""
    if with_trashed:
        return Trashed.WITH
    return Trashed.ONLY if only_trashed else Trashed.WITHOUT


def visible(deleted_at: object, mode: Trashed) -> bool:
    if mode is Trashed.WITH:
        return True
    return (deleted_at is not None) == (mode is Trashed.ONLY)
