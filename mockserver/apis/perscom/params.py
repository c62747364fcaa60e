"""Request-level rules shared by every events operation: API version, ``include``, trash flags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

from mockserver.apis.perscom.rules import UnsupportedVersion

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


def requested_includes(raw: Iterable[str] | None) -> list[str]:
    """The includes in request order without duplicates (the spec has checked each against the whitelist)."""
    return list(dict.fromkeys(name.strip() for name in raw or ()))


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


_TRUE = frozenset({"1", "true", "yes", "on"})


def flag(value: object) -> bool:
    """A query flag as PHP's ``filter_var($v, FILTER_VALIDATE_BOOLEAN)`` reads it (Laravel's
    ``$request->boolean()``): 1/true/yes/on in any case, around blanks, are true; all else false."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in _TRUE


def trash_mode(with_trashed: object, only_trashed: object) -> Trashed:
    """Orion checks ``with_trashed`` first: when both are true, trashed and live events are returned."""
    if flag(with_trashed):
        return Trashed.WITH
    return Trashed.ONLY if flag(only_trashed) else Trashed.WITHOUT


def visible(deleted_at: object, mode: Trashed) -> bool:
    if mode is Trashed.WITH:
        return True
    return (deleted_at is not None) == (mode is Trashed.ONLY)


Record = TypeVar("Record", bound=Mapping[str, Any])


def visible_ones(events: Iterable[Record], mode: Trashed) -> list[Record]:
    """The events ``visible`` keeps, in their order: one pass, no call per event (a list or a
    search starts from every stored event)."""
    if mode is Trashed.WITH:
        return list(events)
    trashed = mode is Trashed.ONLY
    return [event for event in events if (event["deleted_at"] is not None) == trashed]
