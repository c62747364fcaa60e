"""Request parameters as OpenAPI describes them: read from the request and coerced to their schema's type.

Query parameters in ``form`` style (arrays exploded or comma-separated), ``deepObject`` objects,
path and header parameters; a string that does not parse as its schema's type stays a string,
so the validator reports the type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import Headers, MultiDict

from mockserver.spec import Spec, resolve


def _schema_types(schema: Mapping[str, Any], spec: Spec) -> list[str]:
    schema = resolve(spec.document, schema)
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return list(declared)
    branches = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf") or ()
    types = [t for branch in branches for t in _schema_types(branch, spec)]
    return types or ["string"]


_BOOLEANS = {"true": True, "false": False}
_INTEGER = re.compile(r"-?[0-9]+")


def _integer(raw: str) -> int:
    """``int(raw)``; past Python's int-parsing limit (4,300 digits) the largest int64 of that sign,
    which fails every ``maximum``/``minimum`` and names no record, as the number itself would."""
    if len(raw) > _MAX_DIGITS:
        return -_INT64_MAX if raw.startswith("-") else _INT64_MAX
    return int(raw)


_MAX_DIGITS = 4000
_INT64_MAX = 2**63 - 1


def _coerce(raw: str, types: list[str]) -> Any:
    """Turn a parameter string into the first schema type it parses as."""
    for kind in types:
        if kind == "integer" and _INTEGER.fullmatch(raw):
            return _integer(raw)
        if kind == "number":
            if _INTEGER.fullmatch(raw):
                return _integer(raw)
            try:
                number = float(raw)
            except ValueError:
                continue
            if math.isfinite(number):
                return number
        if kind == "boolean" and raw in _BOOLEANS:
            return _BOOLEANS[raw]
        if kind == "null" and raw in ("", "null"):
            return None
        if kind == "string":
            return raw
    return raw


@dataclass(frozen=True)
class ParameterReader:
    """Reads one parameter out of a request and coerces it to its schema's type."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    read: Callable[[MultiDict[str, str] | Headers | Mapping[str, str]], Any]
    scalar: bool = True  # reads its own name only and answers one value (no array, no deepObject)


MISSING = object()


# A query source is a Werkzeug ``MultiDict``: a dict holding each name's values as a list. The
# query readers look names up in that dict directly (``dict.get``): ``MultiDict.get`` raises and
# catches a ``BadRequestKeyError`` for every parameter the request leaves out.


def _scalar_reader(name: str, types: list[str], query: bool) -> Callable[[Any], Any]:
    def read(source: Any) -> Any:
        value = source.get(name)
        return MISSING if value is None else _coerce(value, types)

    def read_query(source: Any) -> Any:
        values = dict.get(source, name)
        return _coerce(values[0], types) if values else MISSING

    return read_query if query else read


def _array_reader(name: str, item_types: list[str], explode: bool) -> Callable[[Any], Any]:
    def read(source: Any) -> Any:  # query parameters only
        values = dict.get(source, name)
        if not values:
            return MISSING
        if not explode:
            values = [part for value in values for part in value.split(",")]
        return [_coerce(v, item_types) for v in values]

    return read


def _deep_object_reader(name: str, prop_types: Mapping[str, list[str]], query: bool) -> Callable[[Any], Any]:
    prefix = f"{name}["

    def read(source: Any) -> Any:
        pairs = ((key, values[0]) for key, values in dict.items(source)) if query else source.items()
        found = {
            key[len(prefix) : -1]: value for key, value in pairs if key.startswith(prefix) and key.endswith("]")
        }
        if not found:
            return MISSING
        return {k: _coerce(v, prop_types.get(k, ["string"])) for k, v in found.items()}

    return read


def parameter_reader(parameter: Mapping[str, Any], spec: Spec) -> ParameterReader:
    name, location = parameter["name"], parameter["in"]
    schema = parameter.get("schema", {})
    resolved = resolve(spec.document, schema)
    style = parameter.get("style", "form" if location == "query" else "simple")
    types = _schema_types(schema, spec)
    if style == "deepObject":
        props = resolved.get("properties", {})
        read = _deep_object_reader(name, {k: _schema_types(v, spec) for k, v in props.items()}, location == "query")
    elif "array" in types and location == "query":
        explode = parameter.get("explode", style == "form")
        read = _array_reader(name, _schema_types(resolved.get("items", {}), spec), explode)
    else:
        read = _scalar_reader(name, types, location == "query")
    required = bool(parameter.get("required", location == "path"))
    scalar = style != "deepObject" and not ("array" in types and location == "query")
    return ParameterReader(name, location, required, schema, read, scalar)
