"""``POST /{version}/events/search``: laravel-orion search over in-memory events.

``apply_search(events, body)`` takes the events already limited by the trash flags and in storage
(id) order, and returns the matching ones ordered; pagination is separate (``listing.py``).
Events are dicts keyed as the API returns them; date fields may be aware ``datetime`` objects or
RFC 3339 strings. Related records (``calendar``, ``author``, ``tags``) come from ``related(event,
relation)``, by default the event's own embedded key.

Orion's order is kept: scopes → filters → keyword search → sort. The body has passed the spec's
``SearchRequest`` schema (whitelisted fields, operators, directions, scopes, nesting depth), so
nothing here validates. Clauses are chained as Eloquent does and read with SQL precedence (AND
before OR), so ``[A, or B]`` after a scope S means ``(S and A) or B``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from mockserver.apis.perscom.dates import DATE_FIELDS, is_midnight, parse_datetime
from mockserver.apis.perscom.sql import (
    LIKE_OPERATORS,
    condition,
    like_condition,
    like_matcher,
    set_condition,
    sort_key,
    text,
)

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


def embedded(event: Event, relation: str) -> Any:
    return event.get(relation)


def apply_search(
    events: Iterable[Event], body: Mapping[str, Any], related: Related = embedded
) -> list[Event]:
    clauses = [(False, scope_predicate(scope, related)) for scope in body.get("scopes") or ()]
    clauses += filter_clauses(body.get("filters") or (), related)
    keyword = keyword_predicate(body.get("search"), related)
    if keyword is not None:
        clauses.append((False, keyword))
    matches = combined(clauses)
    chosen = [event for event in events if matches(event)]
    return sort_events(chosen, body.get("sort") or (), related)


def evaluate(clauses: Sequence[Clause], event: Event) -> bool:
    """SQL precedence: split at each OR (the first clause's joiner is ignored), AND within a run."""
    return combined(clauses)(event)


def combined(clauses: Sequence[Clause]) -> Predicate:
    """The clauses as one predicate, read as ``evaluate`` says, built once per search (the
    runs are not split again for every event)."""
    runs: list[list[Predicate]] = []
    for index, (is_or, predicate) in enumerate(clauses):
        if index == 0 or is_or:
            runs.append([])
        runs[-1].append(predicate)
    if not runs:
        return lambda event: True
    alternatives = [_all_of(run) for run in runs]
    if len(alternatives) == 1:
        return alternatives[0]
    return lambda event: any(alternative(event) for alternative in alternatives)


def _all_of(run: Sequence[Predicate]) -> Predicate:
    if len(run) == 1:
        return run[0]
    if len(run) == 2:
        first, second = run
        return lambda event: first(event) and second(event)
    return lambda event: all(predicate(event) for predicate in run)


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
        if starts is None or starts > window_end:
            return False
        ends = parse_datetime(event.get("ends")) or starts
        return ends >= window_start

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
    return combined(group)


def field_predicate(descriptor: Mapping[str, Any], related: Related) -> Predicate:
    field = str(descriptor["field"])
    op = descriptor.get("operator") or "="
    value = descriptor.get("value")
    test: Callable[[Any, bool], bool] = lambda actual, date_field: condition(  # noqa: E731
        actual, op, value, date_field=date_field
    )
    if op in LIKE_OPERATORS and value is not None and not isinstance(value, list):
        test = like_condition(op, value)  # its matcher built once, not per event
    elif op in ("in", "not in") and isinstance(value, list):
        test = set_condition(op, value)
    if "." not in field:
        date_field = field in DATE_FIELDS
        return lambda event: test(event.get(field), date_field)
    relation, column = field.split(".", 1)

    def related_matches(event: Event) -> bool:  # whereHas: the related record must exist
        record = related(event, relation)
        return isinstance(record, Mapping) and test(record.get(column), False)

    return related_matches


# --- keyword search -------------------------------------------------------------------------


def keyword_predicate(search: Any, related: Related) -> Predicate | None:
    """``%value%`` LIKE over every searchable field, OR'ed; ``case_sensitive`` defaults to true."""
    if not search or not isinstance(search, Mapping):
        return None
    value = search.get("value")
    pattern = f"%{'' if value is None else value}%"
    case_sensitive = search.get("case_sensitive", True) not in (False, 0, "0")
    match = like_matcher(pattern if case_sensitive else pattern.lower())  # built once per search
    return lambda event: any(
        match(candidate if case_sensitive else candidate.lower())
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
