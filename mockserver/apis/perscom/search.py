"""``POST /{version}/events/search``: laravel-orion search over in-memory events.

``apply_search(events, body)`` takes the events already limited by the trash flags and in storage
(id) order, and returns the matching ones ordered; pagination is separate (``listing.py``).
``indexed_search(view, body)`` returns the same from an ``index.View``: each clause that a column
of the view answers (``datePeriod``, LIKE on a column, a sort on a column) reads that column,
every other clause tests the events as ``apply_search`` does, and only those the previous
clauses of its AND run kept (tests/apis/perscom/test_indexed.py compares the two).
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
from typing import Any, NamedTuple

import orjson

from mockserver.apis.perscom.dates import DATE_FIELDS, is_midnight, parse_datetime, steady_reading
from mockserver.apis.perscom.index import (
    Positions,
    Prepare,
    Run,
    View,
    liked,
    microseconds,
    overlapping,
    tested,
)
from mockserver.apis.perscom.sql import (
    LIKE_OPERATORS,
    condition,
    like_clause,
    like_condition,
    like_matcher,
    set_condition,
    sort_key,
    text,
)

Event = Mapping[str, Any]
Related = Callable[[Event, str], Any]
Predicate = Callable[[Event], bool]


class Clause(NamedTuple):
    is_or: bool  # joined to the previous clause with OR
    predicate: Predicate  # the clause for one event
    prepare: Prepare  # the clause over a view's positions
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


def search_clauses(body: Mapping[str, Any], related: Related) -> list[Clause]:
    clauses = [scope_clause(scope, related) for scope in body.get("scopes") or ()]
    clauses += filter_clauses(body.get("filters") or (), related)
    keyword = keyword_predicate(body.get("search"), related)
    if keyword is not None:
        clauses.append(Clause(False, keyword, tested(keyword)))
    return clauses


KEPT_PLANS, KEPT_PLAN_BYTES = 256, 4096  # clauses kept per state: short bodies only


def kept_clauses(plans: dict[bytes, list[Clause]], body: Mapping[str, Any], related: Related) -> list[Clause]:
    """``search_clauses``, kept in ``plans`` (one state's: ``related`` reads that state) under
    the clause parts of the body as canonical JSON; a body whose window reads differently from
    day to day, or whose JSON orjson cannot write (an integer over 64 bits), is read again."""
    parts = [body.get("scopes"), body.get("filters"), body.get("search")]
    try:
        key = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return search_clauses(body, related)
    found = plans.get(key)
    if found is None:
        found = search_clauses(body, related)
        if len(key) <= KEPT_PLAN_BYTES and _steady_windows(body):
            if len(plans) >= KEPT_PLANS:
                plans.clear()
            plans[key] = found
    return found


def _steady_windows(body: Mapping[str, Any]) -> bool:
    return all(
        steady_reading(parameter)[1]
        for scope in body.get("scopes") or ()
        if scope.get("name") == "datePeriod"
        for parameter in scope.get("parameters") or ()
    )


def apply_search(
    events: Iterable[Event],
    body: Mapping[str, Any],
    related: Related = embedded,
    clauses: Sequence[Clause] | None = None,
) -> list[Event]:
    matches = combined(search_clauses(body, related) if clauses is None else clauses)
    chosen = [event for event in events if matches(event)]
    return sort_events(chosen, body.get("sort") or (), related)


def indexed_search(
    view: View, body: Mapping[str, Any], related: Related = embedded, clauses: Sequence[Clause] | None = None
) -> list[Event]:
    """``apply_search(view.events, body, related)``, reading the view's columns where it can
    (``clauses``: the body's ``search_clauses``, when they are at hand)."""
    if clauses is None:
        clauses = search_clauses(body, related)
    found = narrowed(view, clauses, None)
    positions = list(range(len(view.events))) if found is None else found
    sort_positions(view, positions, body.get("sort") or (), related)
    return list(map(view.events.__getitem__, positions))


def narrowed(view: View, clauses: Sequence[Clause], among: Positions | None) -> Positions | None:
    """``combined``'s reading over positions: each AND run narrows ``among`` clause by clause,
    the clause that keeps fewest first (AND is commutative and every clause is a pure test);
    the runs' positions are united; ``None`` (every position) when there is no clause."""
    results: list[Positions] = []
    for run in _runs([clause.prepare for clause in clauses], clauses):
        steps: list[tuple[int, Run]] = [prepare(view) for prepare in run]
        steps.sort(key=lambda step: step[0])  # stable: clauses of unknown share keep their order
        current = among
        for _, narrow in steps:
            current = narrow(current)
            if not current:
                break
        results.append(current if current is not None else [])
    if not results:
        return among
    if len(results) == 1:
        return results[0]
    return sorted(set().union(*results))


def evaluate(clauses: Sequence[Clause], event: Event) -> bool:
    """SQL precedence: split at each OR (the first clause's joiner is ignored), AND within a run."""
    return combined(clauses)(event)


def combined(clauses: Sequence[Clause]) -> Predicate:
    """The clauses as one predicate, read as ``evaluate`` says, built once per search (the
    runs are not split again for every event)."""
    runs = _runs([clause.predicate for clause in clauses], clauses)
    if not runs:
        return lambda event: True
    alternatives = [_all_of(run) for run in runs]
    if len(alternatives) == 1:
        return alternatives[0]
    return lambda event: any(alternative(event) for alternative in alternatives)


def _runs(items: Sequence[Any], clauses: Sequence[Clause]) -> list[list[Any]]:
    """``items`` (one per clause) split where a clause is joined with OR (not the first)."""
    runs: list[list[Any]] = []
    for index, (item, clause) in enumerate(zip(items, clauses, strict=True)):
        if index == 0 or clause.is_or:
            runs.append([])
        runs[-1].append(item)
    return runs


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


def scope_clause(scope: Mapping[str, Any], related: Related) -> Clause:
    """``datePeriod(start, end)``: overlaps the window; ``tags(name, ...)``: has any of those tags."""
    parameters = list(scope.get("parameters") or ())
    if scope["name"] == "datePeriod":
        return date_period_clause(parameters[0], parameters[1])
    wanted = {str(parameter) for parameter in parameters}
    tagged: Predicate = lambda event: any(_tag_labels(tag) & wanted for tag in related(event, "tags") or ())  # noqa: E731
    return Clause(False, tagged, tested(tagged))


def date_window(start: Any, end: Any) -> tuple[datetime, datetime] | None:
    """The ``datePeriod`` window's first and last instants; a midnight ``end`` covers that day."""
    window_start, window_end = parse_datetime(start), parse_datetime(end)
    if window_start is None or window_end is None:
        return None
    if is_midnight(window_end):
        window_end += timedelta(days=1) - timedelta(microseconds=1)
    return window_start, window_end


def date_period_clause(start: Any, end: Any) -> Clause:
    window = date_window(start, end)
    predicate = date_period(window)
    if window is None:
        return Clause(False, predicate, lambda view: (0, lambda among: []))
    first, last = microseconds(window[0]), microseconds(window[1])
    return Clause(False, predicate, overlapping(first, last, tested(predicate)))


def date_period(window: tuple[datetime, datetime] | None) -> Predicate:
    """Events with ``starts <= last`` and ``(ends or starts) >= first`` of the window."""
    if window is None:
        return lambda event: False
    window_start, window_end = window

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
                group = filter_clauses(nested, related)
                clauses.append(Clause(is_or, combined(group), _group_prepare(group)))
            continue
        predicate = field_predicate(descriptor, related)
        clauses.append(Clause(is_or, predicate, _field_prepare(descriptor, predicate)))
    return clauses


def _group_prepare(group: Sequence[Clause]) -> Prepare:
    def prepare(view: View) -> tuple[int, Run]:
        def run(among: Positions | None) -> Positions:
            found = narrowed(view, group, among)
            return list(range(len(view.events))) if found is None else found

        return len(view.events) + 1, run

    return prepare


def _field_prepare(descriptor: Mapping[str, Any], predicate: Predicate) -> Prepare:
    """A LIKE on a column of the event reads the view's text columns; any other, the events."""
    field, op, value = str(descriptor["field"]), descriptor.get("operator") or "=", descriptor.get("value")
    if "." in field or not _is_like(op, value):
        return tested(predicate)
    return liked(field, like_clause(op, value), tested(predicate))


def _is_like(op: str, value: Any) -> bool:
    return op in LIKE_OPERATORS and value is not None and not isinstance(value, list)


def field_predicate(descriptor: Mapping[str, Any], related: Related) -> Predicate:
    field = str(descriptor["field"])
    op = descriptor.get("operator") or "="
    value = descriptor.get("value")
    test: Callable[[Any, bool], bool] = lambda actual, date_field: condition(  # noqa: E731
        actual, op, value, date_field=date_field
    )
    if _is_like(op, value):
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


def sort_positions(
    view: View, positions: Positions, sort: Iterable[Mapping[str, Any]], related: Related
) -> None:
    """``sort_events`` over positions of the view, by its sort-key columns where it has them."""
    events = view.events
    for descriptor in reversed(list(sort)):
        field = str(descriptor["field"])
        descending = descriptor.get("direction", "asc") == "desc"
        keys = None if "." in field else view.column("sort", field)
        if keys is None:
            positions.sort(key=lambda p: _sort_value(events[p], field, related), reverse=descending)
        else:
            positions.sort(key=keys.__getitem__, reverse=descending)


def _sort_value(event: Event, field: str, related: Related) -> tuple[int, int, Any]:
    if "." not in field:
        return sort_key(event.get(field), date_field=field in DATE_FIELDS)
    relation, column = field.split(".", 1)
    record = related(event, relation)  # left join: no related record sorts as NULL
    value = record.get(column) if isinstance(record, Mapping) else None
    return sort_key(value, date_field=isinstance(value, datetime))
