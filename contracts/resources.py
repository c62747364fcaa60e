"""What an API's records look like to a staging-safe run: how the run finds the records it
created, which requests name existing records, and how a record is removed again.

The types and their helpers; each API's own :class:`Resources` is in ``contracts/apis/<name>.py``
(gathered as ``contracts.apis.RESOURCES``), the mechanics in ``contracts.guard`` and ``contracts.ledger``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# (path parameters, parsed JSON body) → the record ids a request names.
Addressed = Callable[[Mapping[str, str], Any], list[str]]


def path_param(name: str) -> Addressed:
    def ids(path: Mapping[str, str], body: Any) -> list[str]:
        return [str(path[name])] if name in path else []

    return ids


def body_keys(name: str) -> Addressed:
    """``{"resources": {"<id>": {...}}}`` (Laravel-Orion batch update)."""

    def ids(path: Mapping[str, str], body: Any) -> list[str]:
        value = body.get(name) if isinstance(body, Mapping) else None
        return [str(key) for key in value] if isinstance(value, Mapping) else []

    return ids


def body_items(name: str) -> Addressed:
    """``{"resources": [<id>, ...]}`` (Laravel-Orion batch delete)."""

    def ids(path: Mapping[str, str], body: Any) -> list[str]:
        value = body.get(name) if isinstance(body, Mapping) else None
        return [str(item) for item in value] if isinstance(value, list) else []

    return ids


@dataclass(frozen=True)
class Delete:
    """How one record is removed: ``path`` is relative to the API's base URL, ``{id}`` filled in."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Resources:
    # operationId → JSON pointer to the created record ids in a 2xx body ("*" = every item).
    created: Mapping[str, str]
    # How to remove a record; None when the API offers no way (12Twenty).
    delete: Delete | None
    # Write operations that act on records named in the request: against a live target they are
    # sent only for records this run created.
    addressed: Mapping[str, Addressed] = field(default_factory=dict)
    # How a client reads one record back ({id} filled in), and where the record sits in that
    # answer; None when the API has no read (12Twenty).
    read: str | None = None
    record: str = ""
    # operationId of an update → pointer to the updated record(s) in its 2xx answer.
    updated: Mapping[str, str] = field(default_factory=dict)
    # Query parameters that shape a record's representation (sent along when reading back).
    representation_params: tuple[str, ...] = ()
    # POST operations that only read (they may run under --read-only).
    read_only: frozenset[str] = frozenset()
    # Pointer (with "*") to client-chosen record keys in request bodies: against a live target
    # the run prefixes them with its own id, so generated keys never hit someone else's record.
    client_keys: str | None = None
    # Whether a 2xx body of a create operation wrote anything (12Twenty answers 200 with only
    # the failing items when a batch is refused).
    wrote: Callable[[Any], bool] = lambda body: True
    # Read operations → pointer (with "*") to the records in their 2xx answer (what
    # ``contracts drift --capture`` keeps as the mock's ``events`` state).
    listed: Mapping[str, str] = field(default_factory=dict)
    # Whether a value could be a record id at all (the four APIs number records with 64-bit
    # integers); a request naming something else, such as "abc", must be refused by the target.
    record_id: Callable[[str], bool] = lambda value: value.isdigit() and int(value) < 2**63
    # Body fields that must name a record the target already has (→ the per-suite variable that
    # names one, contracts.options.VARIABLES): the stateful workflow sends that record, so its
    # creates succeed and its links are followed (a generated id names nothing: a 422).
    references: Mapping[str, str] = field(default_factory=dict)
    # Parts of the mock's state a run adds to and no client request can remove (name → why):
    # ``--check-leftovers`` lists what the run added there instead of failing the run.
    irremovable: Mapping[str, str] = field(default_factory=dict)


def pointer_values(document: Any, pointer: str) -> list[Any]:
    """Values at a JSON pointer where ``*`` stands for every item of an array."""
    nodes = [document]
    for part in pointer.strip("/").split("/") if pointer.strip("/") else ():
        found: list[Any] = []
        for node in nodes:
            if part == "*" and isinstance(node, list):
                found.extend(node)
            elif isinstance(node, Mapping) and part in node:
                found.append(node[part])
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                found.append(node[int(part)])
        nodes = found
    return nodes


def replace_values(document: Any, pointer: str, change: Callable[[Any], Any]) -> None:
    """Apply ``change`` in place to every value at ``pointer`` (``*`` = every item)."""
    *parents, last = pointer.strip("/").split("/")
    containers = pointer_values(document, "/".join(parents)) if parents else [document]
    for container in containers:
        if last == "*" and isinstance(container, list):
            container[:] = [change(item) for item in container]
        elif isinstance(container, dict) and last in container:
            container[last] = change(container[last])
