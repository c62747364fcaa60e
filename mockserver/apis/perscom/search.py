"""``POST /{version}/events/search``: laravel-orion search over in-memory events.

``apply_search(events, body)`` takes the events already limited by the trash flags and in storage
(id) order, and returns the matching ones ordered; pagination is separate (``pagination.py``).
Events are dicts keyed as the API returns them; date fields may be aware ``datetime`` objects or
RFC 3339 strings. Related records (``calendar``, ``author``, ``tags``) come from ``related(event,
relation)``, by default the event's own embedded key.

Orion's order is kept: scopes → filters → keyword search → sort, each stage validated just before
it applies. Clauses are chained as Eloquent does and read with SQL precedence (AND before OR), so
``[A, or B]`` after a scope S means ``(S and A) or B``. Validation failures raise
``FieldValidationFailed`` (Laravel messages per field) or ``NestedDepthExceeded``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from mockserver.apis.perscom.dates import DATE_FIELDS, is_midnight, parse_datetime
from mockserver.apis.perscom.params import is_includable
from mockserver.apis.perscom.rules import FieldValidationFailed, NestedDepthExceeded
from mockserver.apis.perscom.sql import condition, like, sort_key, text
from mockserver.apis.perscom.validation_messages import FieldIssue, field_message

Event = Mapping[str, Any]
Related = Callable[[Event, str], Any]
Predicate = Callable[[Event], bool]
Clause = tuple[bool, Predicate]  # (joined with OR?, predicate)
Errors = dict[str, list[str]]

# api-notes "Search": EventsController filterableBy / sortableBy / searchableBy, exposed scopes.
FIELDS = tuple(
    "id name calendar_id description content location url author_id all_day starts ends repeats"
    " registration_enabled registration_deadline notifications_enabled notifications_interval"
    " notifications_channels created_at updated_at deleted_at".split()
)
WILDCARD_RELATIONS = ("calendar", "author")
OPERATORS = (
    "<",
    "<=",
    ">",
    ">=",
    "=",
    "!=",
    "like",
    "not like",
    "ilike",
    "not ilike",
    "in",
    "not in",
    "all in",
    "any in",
)
DIRECTIONS = ("asc", "desc")
SCOPES = ("datePeriod", "tags")
MAX_NESTED_DEPTH = 1
_FIELD_SYNTAX = re.compile(r"^[A-Za-z0-9_.\->]+$")  # Orion: regex:/^[\w.\_\-\>]+$/
_RELATION_FIELD = re.compile(r"^(calendar|author)\.[A-Za-z0-9_]+$")


def embedded(event: Event, relation: str) -> Any:
    return event.get(relation)


def apply_search(
    events: Iterable[Event], body: Mapping[str, Any], related: Related = embedded
) -> list[Event]:
    validate_search(body)
    clauses = [(False, scope_predicate(scope, related)) for scope in body.get("scopes") or ()]
    clauses += filter_clauses(body.get("filters") or (), related)
    keyword = keyword_predicate(body.get("search"), related)
    if keyword is not None:
        clauses.append((False, keyword))
    chosen = [event for event in events if evaluate(clauses, event)]
    return sort_events(chosen, body.get("sort") or (), related)


def evaluate(clauses: Sequence[Clause], event: Event) -> bool:
    """SQL precedence: split at each OR (the first clause's joiner is ignored), AND within a run."""
    runs: list[list[Predicate]] = []
    for index, (is_or, predicate) in enumerate(clauses):
        if index == 0 or is_or:
            runs.append([])
        runs[-1].append(predicate)
    return not runs or any(all(predicate(event) for predicate in run) for run in runs)


# --- validation (Orion ParamsValidator, in its order) ---------------------------------------


def validate_search(body: Mapping[str, Any]) -> None:
    _raise_if(scope_errors(body.get("scopes")))
    check_nested_depth(body.get("filters"))
    _raise_if(filter_errors(body.get("filters")))
    if body.get("search"):
        _raise_if(keyword_errors(body["search"]))
    _raise_if(sort_errors(body.get("sort")))
    _raise_if(include_errors(body.get("includes")))


def _raise_if(errors: Errors) -> None:
    if errors:
        raise FieldValidationFailed(errors)


def _add(
    errors: Errors, path: str, kind: str, *, limit: int | None = None, values: str = "", value: Any = None
) -> None:
    message = field_message(FieldIssue(path, kind, limit=limit, value=value, values=values))
    errors.setdefault(path, [])
    if message not in errors[path]:
        errors[path].append(message)


def check_nested_depth(filters: Any, limit: int = MAX_NESTED_DEPTH) -> None:
    """Orion: ``floor(array_depth(filters) / 2) > max_nested_depth`` → 422, before any field check."""
    depth = _array_depth(filters) // 2 if isinstance(filters, list) else 0
    if depth > limit:
        raise NestedDepthExceeded(depth, limit)


def _array_depth(node: Any) -> int:
    """PHP ``getArrayDepth`` over the parts Orion reads (``value``, ``nested``): extra keys are ignored."""
    if isinstance(node, Mapping):
        children: Iterable[Any] = [node[key] for key in ("value", "nested") if key in node]
    else:
        children = node
    depths = [_array_depth(child) + 1 for child in children if isinstance(child, (list, Mapping))]
    return max(depths, default=0)


def scope_errors(scopes: Any) -> Errors:
    errors: Errors = {}
    if scopes is None:
        return errors
    if not isinstance(scopes, list):
        _add(errors, "scopes", "array")
        return errors
    for index, scope in enumerate(scopes):
        _check_scope(errors, f"scopes.{index}", scope if isinstance(scope, Mapping) else {})
    return errors


def _check_scope(errors: Errors, path: str, scope: Mapping[str, Any]) -> None:
    name, parameters = scope.get("name"), scope.get("parameters", [])
    if name is None:
        _add(errors, f"{path}.name", "required_with", values="scopes")
    elif name not in SCOPES:
        _add(errors, f"{path}.name", "in")
    if not isinstance(parameters, list):
        _add(errors, f"{path}.parameters", "array")
    elif name == "datePeriod":
        _check_date_period(errors, f"{path}.parameters", parameters)


def _check_date_period(errors: Errors, path: str, parameters: list[Any]) -> None:
    if len(parameters) != 2:
        _add(errors, path, "minItems" if len(parameters) < 2 else "maxItems", limit=2)
    for index, parameter in enumerate(parameters[:2]):
        if parse_datetime(parameter) is None:
            _add(errors, f"{path}.{index}", "date")


def filter_errors(filters: Any, prefix: str = "filters") -> Errors:
    errors: Errors = {}
    if filters is None:
        return errors
    if not isinstance(filters, list):
        _add(errors, prefix, "array")
        return errors
    for index, descriptor in enumerate(filters):
        _check_filter(errors, f"{prefix}.{index}", descriptor if isinstance(descriptor, Mapping) else {})
    return errors


def _check_filter(errors: Errors, path: str, descriptor: Mapping[str, Any]) -> None:
    if "type" in descriptor and descriptor["type"] not in ("and", "or"):
        _add(errors, f"{path}.type", "in")
    nested = descriptor.get("nested")
    if "field" in descriptor and descriptor["field"] not in (None, ""):
        _check_field(errors, f"{path}.field", descriptor["field"])
    elif not nested:
        _add(errors, f"{path}.field", "required_without", values=f"{path}.nested")
    if "operator" in descriptor and descriptor["operator"] not in OPERATORS:
        _add(errors, f"{path}.operator", "in")
    if "nested" in descriptor and not isinstance(nested, list):
        _add(errors, f"{path}.nested", "array")
    elif nested:
        for field, found in filter_errors(nested, f"{path}.nested").items():
            errors.setdefault(field, []).extend(found)


def _check_field(errors: Errors, path: str, field: Any) -> None:
    if not isinstance(field, (str, int, float)) or not _FIELD_SYNTAX.match(str(field)):
        _add(errors, path, "regex")
    if not is_whitelisted(field):
        _add(errors, path, "whitelist", value=field if isinstance(field, str) else str(field))


def is_whitelisted(field: Any) -> bool:
    return isinstance(field, str) and (field in FIELDS or bool(_RELATION_FIELD.match(field)))


def keyword_errors(search: Any) -> Errors:
    errors: Errors = {}
    if not isinstance(search, Mapping):
        _add(errors, "search", "array")
        return errors
    if search.get("value") is not None and not isinstance(search["value"], str):
        _add(errors, "search.value", "string")
    if "case_sensitive" in search and search["case_sensitive"] not in (True, False, 0, 1, "0", "1"):
        _add(errors, "search.case_sensitive", "boolean")
    return errors


def sort_errors(sort: Any) -> Errors:
    errors: Errors = {}
    if sort is None:
        return errors
    if not isinstance(sort, list):
        _add(errors, "sort", "array")
        return errors
    for index, descriptor in enumerate(sort):
        descriptor = descriptor if isinstance(descriptor, Mapping) else {}
        if descriptor.get("field") in (None, ""):
            _add(errors, f"sort.{index}.field", "required_with", values="sort")
        else:
            _check_field(errors, f"sort.{index}.field", descriptor["field"])
        if "direction" in descriptor and descriptor["direction"] not in DIRECTIONS:
            _add(errors, f"sort.{index}.direction", "in")
    return errors


def include_errors(includes: Any) -> Errors:
    errors: Errors = {}
    for index, include in enumerate(includes if isinstance(includes, list) else ()):
        relation = include.get("relation") if isinstance(include, Mapping) else None
        if relation in (None, ""):
            _add(errors, f"includes.{index}.relation", "required_with", values="includes")
        elif not isinstance(relation, str) or not is_includable(relation):
            _add(errors, f"includes.{index}.relation", "whitelist", value=str(relation))
    if includes is not None and not isinstance(includes, list):
        _add(errors, "includes", "array")
    return errors


def requested_relations(body: Mapping[str, Any]) -> list[str]:
    """Relations named in the body's ``includes`` (their ``filters`` are not applied by the mock)."""
    found = [item.get("relation") for item in body.get("includes") or () if isinstance(item, Mapping)]
    return [relation for relation in found if isinstance(relation, str) and relation]


# --- scopes ---------------------------------------------------------------------------------


def scope_predicate(scope: Mapping[str, Any], related: Related) -> Predicate:
    """``datePeriod(start, end)``: overlaps the window; ``tags(name, ...)``: has any of those tags."""
    parameters = list(scope.get("parameters") or ())
    if scope["name"] == "datePeriod":
        return date_period(parameters[0], parameters[1])
    wanted = {str(parameter) for parameter in parameters}
    return lambda event: any(_tag_labels(tag) & wanted for tag in related(event, "tags") or ())


def date_period(start: Any, end: Any) -> Predicate:
    """Events with ``starts <= end`` and ``(ends or starts) >= start``; a midnight ``end`` covers that day."""
    window_start, window_end = parse_datetime(start), parse_datetime(end)
    if window_start is None or window_end is None:
        return lambda event: False
    if is_midnight(window_end):
        window_end += timedelta(days=1) - timedelta(microseconds=1)

    def overlaps(event: Event) -> bool:
        starts = parse_datetime(event.get("starts"))
        ends = parse_datetime(event.get("ends")) or starts
        return starts is not None and ends is not None and starts <= window_end and ends >= window_start

    return overlaps


def _tag_labels(tag: Any) -> set[str]:
    if isinstance(tag, Mapping):
        return {str(tag[key]) for key in ("name", "id") if tag.get(key) is not None}
    return {str(tag)}


# --- filters --------------------------------------------------------------------------------


def filter_clauses(filters: Iterable[Mapping[str, Any]], related: Related) -> list[Clause]:
    """One clause per filter; a ``nested`` list is a parenthesised group (an empty group adds nothing)."""
    clauses: list[Clause] = []
    for descriptor in filters:
        is_or = descriptor.get("type", "and") == "or"
        nested = descriptor.get("nested")
        if isinstance(nested, list):
            if nested:
                clauses.append((is_or, group_predicate(filter_clauses(nested, related))))
            continue
        clauses.append((is_or, field_predicate(descriptor, related)))
    return clauses


def group_predicate(group: Sequence[Clause]) -> Predicate:
    return lambda event: evaluate(group, event)


def field_predicate(descriptor: Mapping[str, Any], related: Related) -> Predicate:
    field = str(descriptor["field"])
    op = descriptor.get("operator") or "="
    value = descriptor.get("value")
    if "." not in field:
        return lambda event: condition(event.get(field), op, value, date_field=field in DATE_FIELDS)
    relation, column = field.split(".", 1)

    def related_matches(event: Event) -> bool:  # whereHas: the related record must exist
        record = related(event, relation)
        return isinstance(record, Mapping) and condition(record.get(column), op, value)

    return related_matches


# --- keyword search -------------------------------------------------------------------------


def keyword_predicate(search: Any, related: Related) -> Predicate | None:
    """``%value%`` LIKE over every searchable field, OR'ed; ``case_sensitive`` defaults to true."""
    if not search or not isinstance(search, Mapping):
        return None
    value = search.get("value")
    pattern = f"%{'' if value is None else value}%"
    case_sensitive = search.get("case_sensitive", True) not in (False, 0, "0")
    return lambda event: any(
        like(candidate, pattern, case_sensitive=case_sensitive)
        for candidate in searchable_texts(event, related)
    )


def searchable_texts(event: Event, related: Related) -> list[str]:
    """Every non-null searchable column as MySQL prints it; ``calendar.*``/``author.*`` scan the record."""
    texts = [text(event[f], date_field=f in DATE_FIELDS) for f in FIELDS if event.get(f) is not None]
    for relation in WILDCARD_RELATIONS:
        record = related(event, relation)
        if isinstance(record, Mapping):
            texts += [text(v) for v in record.values() if v is not None and not isinstance(v, (list, dict))]
    return texts


# --- sort -----------------------------------------------------------------------------------


def sort_events(events: Sequence[Event], sort: Iterable[Mapping[str, Any]], related: Related) -> list[Event]:
    """Multi-field, stable (ties keep storage order); NULLs first ascending, last descending."""
    ordered = list(events)
    for descriptor in reversed(list(sort)):
        field = str(descriptor["field"])
        descending = descriptor.get("direction", "asc") == "desc"
        ordered.sort(key=lambda event: _sort_value(event, field, related), reverse=descending)
    return ordered


def _sort_value(event: Event, field: str, related: Related) -> tuple[int, int, Any]:
    if "." not in field:
        return sort_key(event.get(field), date_field=field in DATE_FIELDS)
    relation, column = field.split(".", 1)
    record = related(event, relation)  # left join: no related record sorts as NULL
    value = record.get(column) if isinstance(record, Mapping) else None
    return sort_key(value, date_field=isinstance(value, datetime))
