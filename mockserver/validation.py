"""The one place that validates requests against the spec (strict mode's responses: ``responses.py``,
with the validators made here).

It alone reads jsonschema-rs's errors, and turns them into neutral ``FieldError``s
(``errors.Kind``: what failed, where, what was expected); the API renderers phrase those.

Everything is compiled once per operation at start-up into ``jsonschema-rs`` validators: about
1 µs per call, against ~85 µs for ``jsonschema`` and ~1 ms for openapi-core's ``validate_request``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import jsonschema_rs
from werkzeug.datastructures import EnvironHeaders, Headers, ImmutableMultiDict, MultiDict

from mockserver import datetimes
from mockserver.errors import FieldError, Kind, RequestValidationError, shorten
from mockserver.jsonbody import MalformedJson, parse_json
from mockserver.parameters import MISSING, ParameterReader, parameter_reader
from mockserver.query import parse_query
from mockserver.spec import Operation, Spec

DIALECT = "https://json-schema.org/draft/2020-12/schema"
JSON_MEDIA = "application/json"
NO_ARGS: ImmutableMultiDict[str, str] = ImmutableMultiDict()


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


# --- requests -------------------------------------------------------------------------------


class ValidatedRequest(NamedTuple):
    """A request's values by location, as read and validated (immutable; ~2x cheaper to make
    than a frozen dataclass, and made on every request)."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any = None
    has_body: bool = False


# Valid parameter values are remembered by the raw text they came from, per location of an
# operation: a client repeating a request (a poll, a page, a dashboard) gets the same values
# without its query parsed, read and validated again (~20 us of a list request). Only valid
# values are kept; errors are computed every time. Bounded: past MEMO_ENTRIES the location's
# memo starts over, and an input longer than MEMO_KEY_CHARS is never kept: at most ~128 KB of
# keys and values per location of an operation, whatever a client sends.
MEMO_ENTRIES = 128
MEMO_KEY_CHARS = 512


def _fresh(values: dict[str, Any]) -> dict[str, Any]:
    """A copy a handler may change: the readers' lists and objects (one level) copied too."""
    return {k: v.copy() if type(v) is dict or type(v) is list else v for k, v in values.items()}


def _environ_key(header: str) -> str:
    """Where a WSGI environ holds ``header`` (as Werkzeug's ``EnvironHeaders`` looks it up)."""
    key = header.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"


@dataclass
class RequestValidator:
    """Validates path, query, header parameters and the JSON body of one operation."""

    readers: tuple[ParameterReader, ...]
    locations: dict[str, SchemaValidator]
    body_schema: SchemaValidator | None
    body_required: bool

    def __post_init__(self) -> None:
        index = {"path": 0, "query": 1, "header": 2}
        self._plan = tuple((index[r.location], r.name, r.read) for r in self.readers)
        # (where, location, its validator, whether no value is valid: nothing there is required)
        self._checks = tuple(
            (index[loc], loc, validator, not any(r.required for r in self.readers if r.location == loc))
            for loc, validator in self.locations.items()
        )
        self.reads_query = any(r.location == "query" for r in self.readers)
        headers = [r for r in self.readers if r.location == "header"]
        # a header location is remembered by its parameters' raw values (each read by name)
        self._header_names = tuple(r.name for r in headers) if all(r.scalar for r in headers) else None
        self._header_keys = tuple(_environ_key(r.name) for r in headers)
        self._memos: tuple[dict[Any, dict[str, Any]], ...] = ({}, {}, {})
        # how a location's remembered values are copied: one level deep where a reader makes lists
        # or objects (arrays, deepObject), else a plain copy
        nested = [any(r.location == loc and not r.scalar for r in self.readers) for loc in ("path", "query", "header")]
        self._copiers = tuple(_fresh if deep else dict.copy for deep in nested)

    def _memo_keys(self, path_args: Mapping[str, str], query: Any, headers: Any) -> tuple[Any, Any, Any]:
        """Each location's raw input as a memo key (None: not remembered)."""
        path_key: Any = tuple(path_args.items())
        if sum(map(len, path_args.values())) > MEMO_KEY_CHARS:
            path_key = None
        if not self.reads_query:  # no query parameters: whatever the query, no values
            query_key: Any = b""
        else:
            query_key = query if type(query) is bytes and len(query) <= MEMO_KEY_CHARS else None
        names = self._header_names
        if names is None:
            return path_key, query_key, None
        if type(headers) is EnvironHeaders:  # read as it reads them, without its key building
            get = headers.environ.get
            header_key: Any = tuple([get(key) for key in self._header_keys])
        else:
            header_key = tuple([headers.get(name) for name in names])
        if sum(map(len, filter(None, header_key))) > MEMO_KEY_CHARS:
            header_key = None
        return path_key, query_key, header_key

    def validate(
        self,
        path_args: Mapping[str, str],
        args: MultiDict[str, str] | Mapping[str, str] | bytes,
        headers: Headers,
        raw: bytes,
    ) -> ValidatedRequest:
        """The request's values, or RequestValidationError; ``args`` is the query as a MultiDict
        (or any mapping), or the raw query string, parsed here when the operation reads it."""
        keys = self._memo_keys(path_args, args, headers)
        memos = self._memos
        values: list[dict[str, Any] | None] = [
            None if key is None or (known := memo.get(key)) is None else fresh(known)
            for key, memo, fresh in zip(keys, memos, self._copiers, strict=True)
        ]
        if values[0] is not None and values[1] is not None and values[2] is not None and self.body_schema is None:
            return ValidatedRequest(values[0], values[1], values[2], None, bool(raw))  # all remembered
        if values[1] is None:
            if isinstance(args, bytes):
                args = parse_query(args) if self.reads_query else NO_ARGS
            elif not isinstance(args, MultiDict):  # what the query readers read (parameters.py)
                args = MultiDict(args)
        sources: tuple[Any, Any, Any] = (path_args, args, headers)
        read: list[dict[str, Any]] = [{}, {}, {}]
        for where, name, reader in self._plan:
            if values[where] is None:
                value = reader(sources[where])
                if value is not MISSING:
                    read[where][name] = value
        problems: list[FieldError] = []
        for where, location, validator, empty_is_valid in self._checks:
            if values[where] is not None:
                continue
            found = read[where]
            if (found or not empty_is_valid) and not validator.is_valid(found):
                problems += validator.errors(found, location)
        body, has_body = self._body(raw, problems)
        if problems:
            raise RequestValidationError(problems, body)
        for where in (0, 1, 2):
            if values[where] is None:
                values[where] = found = read[where]
                key = keys[where]
                if key is not None:
                    memo = memos[where]
                    if len(memo) >= MEMO_ENTRIES:
                        memo.clear()
                    memo[key] = self._copiers[where](found)
        return ValidatedRequest(values[0], values[1], values[2], body, has_body)  # type: ignore[arg-type]

    def _body(self, raw: bytes, problems: list[FieldError]) -> tuple[Any, bool]:
        if self.body_schema is None:
            return None, bool(raw)
        if not raw.strip():
            if self.body_required:
                problems.append(FieldError("body", (), Kind.REQUIRED))
            return None, False
        try:
            body = parse_json(raw)
        except MalformedJson:
            problems.append(FieldError("body", (), Kind.MALFORMED_JSON))
            return None, True
        problems.extend(self.body_schema.errors(body, "body"))
        return body, True


def _location_schema(readers: Iterable[ParameterReader], location: str) -> dict[str, Any]:
    chosen = [r for r in readers if r.location == location]
    return {
        "type": "object",
        "properties": {r.name: r.schema for r in chosen},
        "required": [r.name for r in chosen if r.required],
    }


def json_schema(content: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    for media, entry in (content or {}).items():
        if media.split(";")[0].strip() in (JSON_MEDIA, "*/*") or media.endswith("+json"):
            return dict(entry.get("schema", {}))
    return None


def compile_request_validator(
    operation: Operation, spec: Spec, components: Mapping[str, Any]
) -> RequestValidator:
    readers = tuple(parameter_reader(p, spec) for p in operation.parameters if p["in"] != "cookie")
    locations = {
        loc: SchemaValidator(_location_schema(readers, loc), components)
        for loc in ("path", "query", "header")
        if any(r.location == loc for r in readers)
    }
    body_schema = None
    required = False
    if operation.request_body is not None:
        schema = json_schema(operation.request_body.get("content"))
        if schema is not None:
            body_schema = SchemaValidator(without_marked(schema, "readOnly"), components)
        required = bool(operation.request_body.get("required", False))
    return RequestValidator(readers, locations, body_schema, required)


def request_components(spec: Spec) -> Mapping[str, Any]:
    """The spec's components as a request sees them: ``readOnly`` properties removed."""
    components: Mapping[str, Any] = without_marked(copy.deepcopy(dict(spec.components)), "readOnly")
    return components


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
