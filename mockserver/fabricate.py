"""A value made up from a JSON Schema, the same for the same seed (``Prefer: dynamic=true``).

Covers what the specs' response schemas use: ``$ref``, ``const``, ``enum``, ``allOf`` (merged),
``anyOf``/``oneOf`` (one branch), type lists, objects (every required property and about half
the optional ones, ``writeOnly`` left out as a response leaves it out), arrays within
``minItems``/``maxItems``, strings within their lengths and the formats ``date-time``, ``date``,
``uri``, ``email``, ``uuid``, numbers within their bounds. What it cannot honour (a ``pattern``)
the caller finds by validating, and asks again with the next draw of the same generator.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.spec import resolve

MAX_DEPTH = 6
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_ALPHABET = string.ascii_letters + string.digits


class Fabricator:
    """Makes values for schemas of one OpenAPI ``document`` from one seeded generator."""

    def __init__(self, document: Mapping[str, Any], rng: random.Random) -> None:
        self.document = document
        self.rng = rng

    def value(self, schema: Any, depth: int = 0) -> Any:
        node = self._flatten(resolve(self.document, schema))
        if "const" in node:
            return node["const"]
        if node.get("enum"):
            return self.rng.choice(node["enum"])
        branches = node.get("oneOf") or node.get("anyOf")
        if branches:
            rest = {k: v for k, v in node.items() if k not in ("oneOf", "anyOf")}
            branch = self._flatten(resolve(self.document, self.rng.choice(branches)))
            return self.value({**rest, **branch}, depth + 1)
        kind = self._type(node)
        maker = getattr(self, f"_{kind}", None)
        return None if maker is None else maker(node, depth)

    def _flatten(self, node: Any) -> dict[str, Any]:
        """``allOf`` merged into one schema (properties and required lists combined)."""
        if not isinstance(node, Mapping):
            return {}
        merged = {k: v for k, v in node.items() if k != "allOf"}
        for part in node.get("allOf", ()):
            part = self._flatten(resolve(self.document, part))
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged

    def _type(self, node: Mapping[str, Any]) -> str:
        declared = node.get("type")
        if isinstance(declared, list):
            real = [t for t in declared if t != "null"]
            if not real or ("null" in declared and self.rng.random() < 0.2):
                return "null"
            return str(self.rng.choice(real))
        if isinstance(declared, str):
            return declared
        if "properties" in node:
            return "object"
        if "items" in node:
            return "array"
        return "string"

    def _object(self, node: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties = {
            name: sub
            for name, sub in (node.get("properties") or {}).items()
            if not resolve(self.document, sub).get("writeOnly")
        }
        required = [name for name in node.get("required", ()) if name in properties]
        optional = [name for name in properties if name not in required]
        chosen = [n for n in optional if depth < MAX_DEPTH and self.rng.random() < 0.5]
        wanted = node.get("minProperties", 0) - len(required) - len(chosen)
        chosen += [n for n in optional if n not in chosen][: max(0, wanted)]
        names = [n for n in properties if n in required or n in chosen]
        limit = node.get("maxProperties")
        if limit is not None:
            names = names[: max(limit, len(required))]
        return {name: self.value(properties[name], depth + 1) for name in names}

    def _array(self, node: Mapping[str, Any], depth: int) -> list[Any]:
        low = int(node.get("minItems", 0))
        high = int(node.get("maxItems", low + 3))
        count = low if depth >= MAX_DEPTH else self.rng.randint(low, max(low, min(high, low + 3)))
        return [self.value(node.get("items", {}), depth + 1) for _ in range(count)]

    def _string(self, node: Mapping[str, Any], depth: int) -> str:
        fmt = node.get("format")
        moment = _EPOCH + timedelta(seconds=self.rng.randrange(10 * 365 * 86400))
        if fmt == "date-time":
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "date":
            return moment.strftime("%Y-%m-%d")
        word = "".join(self.rng.choice(string.ascii_lowercase) for _ in range(8))
        if fmt in ("uri", "url", "uri-reference"):
            return f"https://example.com/{word}"
        if fmt == "email":
            return f"{word}@example.com"
        if fmt == "uuid":
            a, b, c, d, e = (self.rng.getrandbits(bits) for bits in (32, 16, 12, 12, 48))
            return f"{a:08x}-{b:04x}-4{c:03x}-8{d:03x}-{e:012x}"
        low = int(node.get("minLength", 1))
        high = int(node.get("maxLength", max(low, 12)))
        length = self.rng.randint(low, max(low, min(high, low + 12)))
        return "".join(self.rng.choice(_ALPHABET) for _ in range(length))

    def _integer(self, node: Mapping[str, Any], depth: int) -> int:
        low, high = self._bounds(node, 1, 10_000)
        return self.rng.randint(int(low), int(high))

    def _number(self, node: Mapping[str, Any], depth: int) -> float:
        low, high = self._bounds(node, 0, 1_000)
        return round(self.rng.uniform(low, high), 2)

    def _bounds(self, node: Mapping[str, Any], low: float, high: float) -> tuple[float, float]:
        minimum = node.get("minimum", node.get("exclusiveMinimum"))
        maximum = node.get("maximum", node.get("exclusiveMaximum"))
        if "exclusiveMinimum" in node and "minimum" not in node:
            minimum = minimum + 1
        if "exclusiveMaximum" in node and "maximum" not in node:
            maximum = maximum - 1
        low = minimum if minimum is not None else (low if maximum is None else min(low, maximum))
        high = maximum if maximum is not None else max(high, low)
        return low, high

    def _boolean(self, node: Mapping[str, Any], depth: int) -> bool:
        return self.rng.random() < 0.5

    def _null(self, node: Mapping[str, Any], depth: int) -> None:
        return None
