"""The spec's example ids name records the run has just created.

Without this, the stateless phases (examples, coverage, fuzzing) can reach an existing record
only by chance: every generated id, and every documented example id, names nothing, so a read,
update or delete by id is only ever checked on its not-found path, and its success path is
left to the stateful workflow's luck.

The spec already says where ids come from: a link from a create operation's 2xx answer feeds a
path parameter of another operation with ``$response.body#/<pointer>``. For such a parameter, a
stateless case whose value is the parameter's documented ``example`` gets, just before it is
sent, the id of a record created for it with the create operation's first documented request
example. A path parameter the link carries over (``$request.path.<name>``) is taken from the
case; the create's other path parameters take their own examples. Every other value, which is
nearly every generated one, is left alone and keeps probing the not-found path.

So the examples phase sends the documented update body to a record that exists (a lost update
shows through ``update_is_persisted``), the documented delete removes a record
(``deleted_is_gone``), and the coverage phase's refused bodies hit a real record
(``rejected_write_changed_nothing``). The record is deleted again once its case is checked, so
the store does not grow with every case. Against a live target it is created through the run's
guarded session, so the ledger would still remove it if the run were interrupted mid-case.
Read-only runs create nothing.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contracts.resources import Resources, pointer_values
from contracts.target import Target
from mockserver.spec import Operation, Spec, resolve

if TYPE_CHECKING:  # the preflight reads examples before pytest starts: schemathesis must wait
    from schemathesis import Case

BODY = "$response.body#"
CARRIED = "$request.path."


class ExampleRecordRefused(UserWarning):
    """The create operation refused its own documented example, so no record can stand in.

    A warning, not a failure of the case at hand: against the mock the create's own examples
    phase already fails for it, and a real deployment may refuse a documented example for its
    own reasons (PERSCOM's example names calendar 123, which staging may not have). The cases
    keep their example ids, which then name nothing, as they would without this module.
    """


@dataclass(frozen=True)
class Feed:
    """One path parameter whose documented example stands for a record made by ``create``."""

    parameter: str
    example: Any
    create: Operation
    body: Any  # the create operation's first documented request example
    pointer: str  # JSON pointer to the new record's id in the create's 2xx answer
    carried: Mapping[str, str]  # the create's path parameter → the case's path parameter
    defaults: Mapping[str, Any]  # the create's path parameters → their documented examples


class ExampleRecords:
    """The feeds of one API's spec, and the records they create for stateless cases."""

    def __init__(
        self, spec: Spec, resources: Resources, target: Target, *, enabled: bool = True, borrow: bool = False
    ) -> None:
        """``enabled=False`` leaves every case alone. ``borrow=True`` (a read-only run, which
        creates nothing) gives a fed parameter the id of a record the target already lists
        instead: a read by id is then checked on its success path too, without a write."""
        self.target = target
        self.delete = resources.delete
        self.borrow = borrow
        self.refused: set[tuple[str, str]] = set()  # (create label, URL): not asked again
        self.listed: dict[str, Any] = {}  # list URL → a record id it showed (None: none)
        self.feeds: dict[str, list[Feed]] = {}
        by_id = {operation.operation_id: operation for operation in spec.operations}
        for create_id in resources.created if enabled and resources.delete else ():
            create = by_id.get(create_id)
            body = _request_example(spec, create.request_body) if create and create.request_body else None
            if create is None or body is None:
                continue
            for operation, feed in _links(spec, create, body, by_id):
                known = self.feeds.setdefault(operation, [])
                if all(f.parameter != feed.parameter for f in known):  # the first create wins
                    known.append(feed)

    @contextmanager
    def standing_in(self, case: Case[Any]) -> Iterator[None]:
        """For the time of one case, each fed path parameter that holds its example names a
        record made for the case; the record is removed afterwards, whatever the outcome."""
        made = self.prepare(case)
        try:
            yield
        finally:
            for record in made:
                self.remove(record)

    def prepare(self, case: Case[Any]) -> list[Any]:
        """Give each fed path parameter that holds its example the id of a fresh record."""
        from contracts.checks import operation_id  # imports schemathesis (see the imports above)

        made: list[Any] = []
        path = case.path_parameters
        if path is None:
            return made
        for feed in self.feeds.get(operation_id(case), ()):
            if feed.parameter not in path or str(path[feed.parameter]) != str(feed.example):
                continue
            if self.borrow:
                record = self.existing(feed, path)
                if record is not None:
                    path[feed.parameter] = record
                continue
            record = self.create(feed, path)
            if record is not None:
                path[feed.parameter] = record
                made.append(record)
        return made

    def existing(self, feed: Feed, path: Mapping[str, Any]) -> Any:
        """The id of a record the create's collection lists (a GET on the create's path), or None.

        The id sits where the create's answer has it, as an item of the list: ``/data/id`` of a
        create is looked up as ``/data/*/id`` (and ``/id`` as ``/data/*/id`` or ``/*/id``).
        """
        url = feed.create.path.format(**self._arguments(feed, path))
        if url not in self.listed:
            answer = self.target.request("GET", url)
            body = _json(answer.text) if answer.status == 200 else None
            *parents, last = feed.pointer.strip("/").split("/")
            candidates = [feed.pointer, "/".join(["", *parents, "*", last]), f"/data/*/{last}", f"/*/{last}"]
            found = [v for pointer in candidates for v in pointer_values(body, pointer) if isinstance(v, int | str)]
            self.listed[url] = found[0] if found else None
        return self.listed[url]

    def _arguments(self, feed: Feed, path: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: path.get(feed.carried[name], default) if name in feed.carried else default
            for name, default in feed.defaults.items()
        }

    def remove(self, record: Any) -> None:
        """Delete a record made for a case (already gone if the case deleted it)."""
        assert self.delete is not None  # feeds exist only where records can be removed
        path = self.delete.path.format(id=record)
        self.target.request(self.delete.method, path, params=dict(self.delete.query) or None)

    def create(self, feed: Feed, path: Mapping[str, Any]) -> Any:
        """The new record's id, or None when the create refuses."""
        arguments = self._arguments(feed, path)
        url = feed.create.path.format(**arguments)
        if (feed.create.label, url) in self.refused:
            return None
        answer = self.target.request(feed.create.method, url, json_body=feed.body)
        ids = pointer_values(_json(answer.text), feed.pointer) if 200 <= answer.status < 300 else []
        if len(ids) == 1 and ids[0] is not None and not isinstance(ids[0], (dict, list)):
            return ids[0]
        self.refused.add((feed.create.label, url))
        if all(str(arguments[name]) == str(feed.defaults[name]) for name in feed.carried):
            # (A carried value the case generated, a bad ``version`` say, is the case's own probe.)
            warnings.warn(
                f"{feed.create.label} refused its documented example, so {feed.parameter}="
                f"{feed.example!r} names no record: {answer.status} {answer.text[:300]}",
                ExampleRecordRefused,
                stacklevel=2,
            )
        return None


def _links(
    spec: Spec, create: Operation, body: Any, by_id: Mapping[str, Operation]
) -> Iterable[tuple[str, Feed]]:
    """(operationId, feed) for every path parameter a 2xx link of ``create`` fills from its answer."""
    defaults = {p["name"]: parameter_example(spec, p) for p in create.parameters if p.get("in") == "path"}
    for status, response in create.responses.items():
        if not str(status).startswith("2"):
            continue
        for link in (resolve(spec.document, raw) for raw in response.get("links", {}).values()):
            target = by_id.get(link.get("operationId", ""))
            if target is None:
                continue
            expressions = {name: str(value) for name, value in link.get("parameters", {}).items()}
            carried = {
                value.removeprefix(CARRIED): name
                for name, value in expressions.items()
                if value.startswith(CARRIED)
            }
            for parameter in target.parameters:
                value = expressions.get(parameter["name"], "")
                example = parameter_example(spec, parameter)
                if parameter.get("in") == "path" and value.startswith(BODY) and example is not None:
                    pointer = value.removeprefix(BODY)
                    feed = Feed(parameter["name"], example, create, body, pointer, carried, defaults)
                    yield target.operation_id, feed


def parameter_example(spec: Spec, parameter: Mapping[str, Any]) -> Any:
    """A parameter's documented example: its own (see :func:`_documented`), else its schema's."""
    documented = _documented(spec, parameter)
    if documented is not None:
        return documented
    schema = resolve(spec.document, parameter.get("schema") or {})
    if "example" in schema:
        return schema["example"]
    return (schema.get("examples") or [None])[0]


def _request_example(spec: Spec, request_body: Mapping[str, Any]) -> Any:
    return _documented(spec, (request_body.get("content") or {}).get("application/json") or {})


def _documented(spec: Spec, node: Mapping[str, Any]) -> Any:
    """``example``, else the value of the first of ``examples``: a Parameter Object and a Media
    Type Object document their example alike."""
    if "example" in node:
        return node["example"]
    for example in (node.get("examples") or {}).values():
        resolved = resolve(spec.document, example)
        if isinstance(resolved, Mapping) and "value" in resolved:
            return resolved["value"]
    return None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
