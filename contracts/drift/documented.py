"""The spec's documented examples as drift requests: each operation once per documented request
body (or once, without one), its parameters from their documented values.

A path parameter that a create's link feeds (``eventId`` ← ``$response.body#/id``) names a
record made for the request from the create's own documented example, through the same lanes,
so the read, update or delete is compared on a record that exists on all three; the record is
deleted afterwards. An optional parameter is sent when it has an example of its own (not
only its schema's). Under ``--read-only`` nothing is created: operations that would change state,
and reads that need a record, are listed as not sent, with the reason.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from contracts.apis import RESOURCES
from contracts.drift.tee import Tee
from contracts.examples import _documented, _links
from contracts.guard import RefusedRequest, is_read_only
from contracts.preflight import documented_value
from contracts.resources import pointer_values
from mockserver.spec import Operation, Spec, resolve

# What a target-specific credential is called in the specs, and the run variable that holds it.
CREDENTIALS = {
    ("twelvetwenty", "key"): "API_KEY",
    ("kona", "client_id"): "CLIENT_ID",
    ("kona", "client_secret"): "CLIENT_SECRET",
}


@dataclass(frozen=True)
class Documented:
    operation: Operation
    name: str  # the request example's name ("" without one)
    body: Any


def request_bodies(spec: Spec, operation: Operation) -> list[tuple[str, Any]]:
    """(name, value) of every documented JSON request example; [("", None)] without a body."""
    if not operation.request_body:
        return [("", None)]
    media = (resolve(spec.document, operation.request_body).get("content") or {}).get("application/json") or {}
    named = [
        (name, resolved["value"])
        for name, raw in (media.get("examples") or {}).items()
        if isinstance(resolved := resolve(spec.document, raw), Mapping) and "value" in resolved
    ]
    if "example" in media:
        named.insert(0, ("example", media["example"]))
    return named


def requests_of(spec: Spec) -> Iterator[Documented]:
    """Every operation's documented requests, deletes last (they would remove what others read)."""
    ordered = sorted(spec.operations, key=lambda op: op.method == "DELETE")
    for operation in ordered:
        for name, body in request_bodies(spec, operation):
            yield Documented(operation, name, body)


class DocumentedRequests:
    """Sends one API's documented requests through a target (the drift run's lanes)."""

    def __init__(self, spec: Spec, api: str, target: Tee, read_only: bool, variables: Mapping[str, str]) -> None:
        self.spec, self.api, self.target, self.read_only = spec, api, target, read_only
        self.variables = variables
        self.resources = RESOURCES[api]
        by_id = {op.operation_id: op for op in spec.operations}
        self.feeds: dict[str, Any] = {}
        for create_id in self.resources.created:
            create = by_id.get(create_id)
            bodies = request_bodies(spec, create) if create else []
            if create is None or not bodies or bodies[0][1] is None:
                continue
            for operation_id, feed in _links(spec, create, bodies[0][1], by_id):
                self.feeds.setdefault(operation_id, {})[feed.parameter] = feed
        self.skipped: list[str] = []

    def run(self) -> None:
        for documented in requests_of(self.spec):
            reason = self.send(documented)
            if reason:
                shown = f" (example {documented.name})" if documented.name else ""
                self.skipped.append(f"{self.api} {documented.operation.label}{shown}: {reason}")

    def value(self, parameter: Mapping[str, Any]) -> Any:
        variable = CREDENTIALS.get((self.api, parameter["name"]))
        if variable and (given := self.variables.get(f"CONTRACTS_{self.api.upper()}_{variable}")):
            return given
        found = _documented(self.spec, parameter)
        if found is not None or not (parameter.get("required") or parameter.get("in") == "path"):
            return found  # an optional parameter is sent only with an example of its own
        return documented_value(self.spec, parameter)

    def send(self, documented: Documented) -> str | None:
        operation = documented.operation
        if self.read_only and not is_read_only(self.api, operation, operation.method):
            return "it would change state (--read-only)"
        feeds = self.feeds.get(operation.operation_id, {})
        if feeds and self.read_only:
            return "it needs a record, and --read-only creates none"
        path, query, made = operation.path, {}, []
        try:
            for parameter in operation.parameters:
                if parameter.get("in") not in ("path", "query"):
                    continue
                name = parameter["name"]
                if name in feeds:
                    record = self.create(feeds[name])
                    if record is None:
                        return f"the create of a record for {{{name}}} was refused"
                    made.append(record)
                    value: Any = record
                else:
                    value = self.value(parameter)
                if value is None:
                    if parameter.get("in") == "path" or parameter.get("required"):
                        return f"{name} has no documented value"
                    continue
                if parameter["in"] == "path":
                    path = path.replace("{" + name + "}", str(value))
                else:
                    query[name] = value
            body = self._own_keys(copy.deepcopy(documented.body))
            self.target.request(operation.method, path, json_body=body, params=query or None)
        except RefusedRequest as exc:  # a documented body naming a record on live (PERSCOM's batches)
            return f"refused by the safety rules: {exc}"
        finally:
            for record in made:
                self.remove(record)
        return None

    def _own_keys(self, body: Any) -> Any:
        return self.target.live_target.session.isolate(body) if body is not None else None

    def create(self, feed: Any) -> Any:
        path = feed.create.path
        for name, value in feed.defaults.items():
            path = path.replace("{" + name + "}", str(value))
        answer = self.target.request(feed.create.method, path, json_body=self._own_keys(copy.deepcopy(feed.body)))
        if not 200 <= answer.status < 300:
            return None
        found = pointer_values(answer.json(), feed.pointer)
        return found[0] if found else None

    def remove(self, record: Any) -> None:
        delete = self.resources.delete
        if delete is not None:
            self.target.request(delete.method, delete.path.format(id=record), params=dict(delete.query) or None)
