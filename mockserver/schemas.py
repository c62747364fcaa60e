"""JSON Schema validators of the spec's schemas, compiled with ``jsonschema-rs``.

The one place that reads jsonschema-rs's errors: it turns them into neutral ``FieldError``s
(``errors.Kind``: what failed, where, what was expected), which the API renderers phrase.
Requests are validated with these in ``validation.py``, strict mode's responses in
``responses.py``. About 1 µs per call, against ~85 µs for ``jsonschema``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema_rs

from mockserver import datetimes
from mockserver.errors import FieldError, Kind, shorten

DIALECT = "https://json-schema.org/draft/2020-12/schema"


_SIZE_KEYWORDS = frozenset({"maxItems", "maxProperties", "$ref"})
_SUBSCHEMAS = frozenset({"items", "prefixItems", "additionalProperties", "allOf", "anyOf"})


def sizes_only(node: Any) -> Any:
    """A schema keeping only its ``maxItems``/``maxProperties`` (and the structure that reaches
    them): a cheap first check, since jsonschema-rs lists every error of a body at once (100k
    wrongly typed items: 300k errors, 15 s)."""
    if isinstance(node, list):
        return [sizes_only(n) for n in node]
    if not isinstance(node, Mapping):  # a boolean schema (``additionalProperties: false``)
        return True
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties") and isinstance(value, Mapping):
            out[key] = {name: sizes_only(schema) for name, schema in value.items()}
        elif key in _SUBSCHEMAS:
            out[key] = sizes_only(value)
        elif key == "oneOf":  # stripped alternatives may all fit: "one of" would then fail
            out.setdefault("allOf", []).append({"anyOf": sizes_only(value)})
        elif key in _SIZE_KEYWORDS:
            out[key] = value
    return out


_BARE = frozenset({"type", "title", "description"})


def cheap_first(node: Any) -> Any:
    """The same schema with each ``anyOf``'s bare-type alternatives (``{type: object}``) tried
    first, for the yes/no check only. Which alternatives hold decides nothing else here (no
    ``unevaluated*`` keyword in the specs), so the verdict is the same; but the validator stops at
    the first that holds, and 12Twenty's batch item, ``anyOf: [CalendarEvent, {type: object}]``
    (any object gets a per-item answer), checked every item against CalendarEvent first, which its
    handler does again: 0.70 of 1,000 items' 6.7 ms. Errors still come in the spec's order
    ("a string or null")."""
    if isinstance(node, list):
        return [cheap_first(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {key: cheap_first(value) for key, value in node.items()}
    alternatives = out.get("anyOf")
    if isinstance(alternatives, list):
        bare = [a for a in alternatives if isinstance(a, Mapping) and a.keys() <= _BARE]
        out["anyOf"] = bare + [a for a in alternatives if a not in bare]
    return out


class SchemaValidator:
    """A compiled JSON Schema with the spec's ``components`` in scope."""

    def __init__(self, schema: Mapping[str, Any], components: Mapping[str, Any]) -> None:
        self._schema, self._components = schema, components
        root = {"$schema": DIALECT, **schema, "components": components}
        self._validator = jsonschema_rs.validator_for(root, validate_formats=True)
        quick = cheap_first(root)
        self._check = self._validator if quick == root else jsonschema_rs.validator_for(quick, validate_formats=True)
        self._sizes: Any = None  # compiled on the first invalid instance

    def is_valid(self, instance: Any) -> bool:
        return bool(self._check.is_valid(instance))

    def violations(self, instance: Any) -> list[str]:
        """The validator's own findings (``body/0/Id: ...``), for strict mode's report of a mock bug."""
        return [
            shorten("body" + "".join(f"/{p}" for p in e.instance_path) + f": {e.message}", 300)
            for e in self._validator.iter_errors(instance)
        ]

    def errors(self, instance: Any, location: str = "body") -> list[FieldError]:
        """Every problem; but when an array or object is over its size limit, only that one
        (the limits exist to bound the work a request causes, listing errors included)."""
        if self._check.is_valid(instance):
            return []
        if self._sizes is None:
            parts = {
                key: {name: sizes_only(s) for name, s in part.items()}
                for key, part in self._components.items()
            }
            self._sizes = jsonschema_rs.validator_for(
                {"$schema": DIALECT, **sizes_only(self._schema), "components": parts}
            )
        try:
            self._sizes.validate(instance)  # only the first: each error carries its instance
        except jsonschema_rs.ValidationError as too_large:
            return _translate(too_large, location)
        return [found for e in self._validator.iter_errors(instance) for found in _translate(e, location)]


_LIMIT_KINDS = {
    "minimum": (Kind.MINIMUM, False),
    "exclusiveMinimum": (Kind.MINIMUM, True),
    "maximum": (Kind.MAXIMUM, False),
    "exclusiveMaximum": (Kind.MAXIMUM, True),
    "minLength": (Kind.MIN_LENGTH, False),
    "maxLength": (Kind.MAX_LENGTH, False),
    "minItems": (Kind.MIN_ITEMS, False),
    "maxItems": (Kind.MAX_ITEMS, False),
    "minProperties": (Kind.MIN_PROPERTIES, False),
    "maxProperties": (Kind.MAX_PROPERTIES, False),
}
_PLAIN_KINDS = {
    "uniqueItems": Kind.UNIQUE_ITEMS,
    "not": Kind.FORBIDDEN,
    "falseSchema": Kind.FORBIDDEN,
    "multipleOf": Kind.MULTIPLE_OF,
}


def _scalar(value: Any) -> Any:
    """What a FieldError keeps of the offending value: scalars only, strings shortened."""
    if isinstance(value, str):
        return shorten(value)
    return value if isinstance(value, (bool, int, float)) else None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "integer" if isinstance(value, int) else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _translate(error: jsonschema_rs.ValidationError, location: str) -> list[FieldError]:
    """jsonschema-rs's error as neutral FieldErrors (an alternative that fits the value's type
    is followed into, so a nullable date-time reports the format, not "no branch matched")."""
    name = error.kind.name
    detail = error.kind.as_dict()
    path = tuple(error.instance_path)
    value = _scalar(error.instance)
    if "context" in detail:
        return _alternatives(detail["context"], path, value, location)
    if name == "required":
        return [FieldError(location, (*path, str(detail["property"])), Kind.REQUIRED)]
    if name == "type":
        found = _json_type(error.instance)
        return [FieldError(location, path, Kind.TYPE, value, expected=tuple(detail["types"]), found=found)]
    if name in ("enum", "const"):
        allowed = tuple(detail["options"]) if name == "enum" else (detail["expected_value"],)
        return [FieldError(location, path, Kind.ENUM, value, allowed=allowed)]
    if name == "pattern":
        if detail["pattern"] == datetimes.REPRESENTABLE:  # the date-time policy's range: a bad date-time
            return [FieldError(location, path, Kind.FORMAT, value, format="date-time")]
        return [FieldError(location, path, Kind.PATTERN, value, pattern=str(detail["pattern"]))]
    if name == "format":
        return [FieldError(location, path, Kind.FORMAT, value, format=str(detail["format"]))]
    if name in _LIMIT_KINDS:
        kind, exclusive = _LIMIT_KINDS[name]
        return [FieldError(location, path, kind, value, limit=detail["limit"], exclusive=exclusive)]
    if name in ("additionalProperties", "unevaluatedProperties"):
        names = tuple(str(n) for n in detail.get("unexpected", ()))
        return [FieldError(location, path, Kind.ADDITIONAL_PROPERTY, names=names)]
    if name == "multipleOf":
        return [FieldError(location, path, Kind.MULTIPLE_OF, value, limit=detail.get("multiple_of"))]
    return [FieldError(location, path, _PLAIN_KINDS.get(name, Kind.INVALID), value)]


def _selects(error: jsonschema_rs.ValidationError) -> bool:
    return error.kind.name in ("const", "enum")


def _discriminated(
    branches: list[list[jsonschema_rs.ValidationError]], location: str
) -> list[list[jsonschema_rs.ValidationError]] | None:
    """The one alternative whose const/enum the value meets; or, when it meets none, one branch
    holding just the union of those values; or, when every alternative only lacks a property,
    the first (``field`` or ``nested`` → ``field`` is required)."""
    matched = [branch for branch in branches if not any(_selects(e) for e in branch)]
    if len(matched) == 1:
        return matched
    if not matched:
        selectors = [e for branch in branches for e in branch if _selects(e)]
        paths = {tuple(e.instance_path) for e in selectors}
        if len(paths) == 1:
            return [selectors[:1]]
    if all(all(e.kind.name == "required" for e in branch) for branch in branches):
        return branches[:1]
    return None


def _alternatives(
    branches: list[list[jsonschema_rs.ValidationError]],
    path: tuple[str | int, ...],
    value: Any,
    location: str,
) -> list[FieldError]:
    def wrong_type(branch: list[jsonschema_rs.ValidationError]) -> bool:
        return all(e.kind.name == "type" and tuple(e.instance_path) == path for e in branch)

    fitting = [branch for branch in branches if not wrong_type(branch)]
    if len(fitting) > 1:  # a discriminating const/enum picks the alternative (``name: datePeriod``)
        fitting = _discriminated(fitting, location) or fitting
    if len(fitting) == 1:
        return [found for e in fitting[0] for found in _translate(e, location)]
    if not fitting:
        types = dict.fromkeys(t for b in branches for e in b for t in e.kind.as_dict()["types"])
        found = _json_type(branches[0][0].instance) if branches and branches[0] else ""
        return [FieldError(location, path, Kind.TYPE, value, expected=tuple(types), found=found)]
    return [FieldError(location, path, Kind.NO_MATCH, value)]


def without_marked(node: Any, marker: str) -> Any:
    """Drop properties flagged ``readOnly`` (requests) or ``writeOnly`` (responses)."""
    if isinstance(node, list):
        return [without_marked(item, marker) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: without_marked(v, marker) for k, v in node.items()}
    props = node.get("properties")
    if isinstance(props, dict):
        dropped = {name for name, sub in props.items() if isinstance(sub, dict) and sub.get(marker)}
        out["properties"] = {k: v for k, v in out["properties"].items() if k not in dropped}
        if isinstance(node.get("required"), list):
            out["required"] = [r for r in node["required"] if r not in dropped]
    return out


class SchemaCatalog:
    """Validators for named component schemas, compiled on first use (request view)."""

    def __init__(self, components: Mapping[str, Any]) -> None:
        self.components = components
        self._compiled: dict[str, SchemaValidator] = {}

    def validator(self, name: str) -> SchemaValidator:
        if name not in self._compiled:
            ref = {"$ref": f"#/components/schemas/{name}"}
            self._compiled[name] = SchemaValidator(ref, self.components)
        return self._compiled[name]
