"""The one place that validates requests against the spec: path, query and header parameters
and the JSON body of each operation, with the schema validators of ``schemas.py`` (strict mode's
responses: ``responses.py``).

Everything is compiled once per operation into ``jsonschema-rs`` validators: about 1 µs per
call, against ~1 ms for openapi-core's ``validate_request``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from werkzeug.datastructures import EnvironHeaders, Headers, ImmutableMultiDict, MultiDict

from mockserver.errors import FieldError, Kind, RequestValidationError
from mockserver.jsonbody import MalformedJson, parse_json
from mockserver.parameters import MISSING, ParameterReader, parameter_reader
from mockserver.query import parse_query
from mockserver.schemas import SchemaValidator, without_marked
from mockserver.spec import Operation, Spec

JSON_MEDIA = "application/json"
NO_ARGS: ImmutableMultiDict[str, str] = ImmutableMultiDict()


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
