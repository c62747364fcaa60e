"""What of an answer is compared: JSON nodes by pointer, header shapes, error envelopes."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Node:
    """One value inside a JSON document.

    ``pointer`` is its JSON pointer; ``general`` the same with every array index written ``*``
    (``/data/3/id`` → ``/data/*/id``), which is what findings are reported on, so a field that
    drifted in every item of a list is one finding. ``arrays`` are the pointers of the arrays
    it sits in, outermost first.
    """

    pointer: str
    general: str
    kind: str
    value: Any
    arrays: tuple[str, ...]


def json_type(value: Any) -> str:
    """The JSON type of a parsed value; a whole float (``2.0``) counts as an integer, as JSON
    Schema counts it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def nodes(document: Any) -> dict[str, Node]:
    """Every node of a document (the root is ``""``), by pointer."""
    found: dict[str, Node] = {}
    pending: list[tuple[Any, str, str, tuple[str, ...]]] = [(document, "", "", ())]
    while pending:
        value, pointer, general, arrays = pending.pop()
        kind = json_type(value)
        found[pointer] = Node(pointer, general, kind, value, arrays)
        if kind == "object":
            for key, child in value.items():
                part = escape(str(key))
                pending.append((child, f"{pointer}/{part}", f"{general}/{part}", arrays))
        elif kind == "array":
            for index, child in enumerate(value):
                pending.append((child, f"{pointer}/{index}", f"{general}/*", (*arrays, pointer)))
    return found


def parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0] if pointer else ""


def leaf(pointer: str) -> str:
    return pointer.rsplit("/", 1)[-1]


def envelope(body: Any) -> tuple[tuple[str, str], ...] | str:
    """An error body's envelope: its top-level keys with their JSON types (or its own type)."""
    if isinstance(body, Mapping):
        return tuple(sorted((str(key), json_type(value)) for key, value in body.items()))
    return json_type(body)


def show_envelope(shape: tuple[tuple[str, str], ...] | str) -> str:
    if isinstance(shape, str):
        return f"a JSON {shape}"
    return "{" + ", ".join(f"{key}: {kind}" for key, kind in shape) + "}"


# --- headers --------------------------------------------------------------------------------

# The headers whose shape a client depends on (the values differ by nature: dates, tags, hosts).
COMPARED_HEADERS = (
    "content-type",
    "location",
    "cache-control",
    "etag",
    "last-modified",
    "expires",
    "vary",
    "allow",
)
_ID_SEGMENT = re.compile(
    r"^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


def header_shape(name: str, value: str | None, base: str) -> str:
    """A header reduced to what must match between live and the mock ("absent" if missing)."""
    if value is None:
        return "absent"
    shaper = _SHAPERS.get(name)
    return shaper(value, base) if shaper else value.strip()


def _media_type(value: str, base: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _location(value: str, base: str) -> str:
    """Relative to the target's base URL, ids as ``{id}``: the same route on either host."""
    url = value.strip()
    kind = "absolute" if urlsplit(url).scheme else "relative"
    if base and url.startswith(base):
        path = url[len(base) :]
    else:
        path = urlsplit(url).path
        base_path = urlsplit(base).path.rstrip("/")
        if base_path and path.startswith(base_path):
            path = path[len(base_path) :]
    segments = ["{id}" if _ID_SEGMENT.match(part) else part for part in path.split("?")[0].split("/")]
    return f"{kind} {'/'.join(segments)}"


def _directives(value: str, base: str) -> str:
    return ", ".join(
        sorted({part.split("=", 1)[0].strip().lower() for part in value.split(",") if part.strip()})
    )


def _etag(value: str, base: str) -> str:
    tag = value.strip()
    weak = tag.startswith("W/")
    quoted = tag.removeprefix("W/").startswith('"') and tag.endswith('"')
    return f"{'weak' if weak else 'strong'} {'quoted' if quoted else 'unquoted'}"


def _http_date(value: str, base: str) -> str:
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return "not an HTTP date"
    return "HTTP date"


def _tokens(value: str, base: str) -> str:
    return ", ".join(sorted({part.strip().lower() for part in value.split(",") if part.strip()}))


_SHAPERS = {
    "content-type": _media_type,
    "location": _location,
    "cache-control": _directives,
    "etag": _etag,
    "last-modified": _http_date,
    "expires": _http_date,
    "vary": _tokens,
    "allow": _tokens,
}


def compared_headers(headers: Mapping[str, str]) -> Iterator[str]:
    return (name for name in COMPARED_HEADERS if name in headers)
