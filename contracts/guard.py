"""Every request to a live target goes through one :class:`GuardedSession` per API, which

* waits for the run-wide rate limit;
* under ``--read-only`` refuses anything that could change state — the mock's admin API included;
* otherwise refuses writes that name a record this run did not create (a stray generated or
  captured id must never touch a shared staging fixture), and 12Twenty items whose client-chosen
  key lacks the run's prefix;
* records every record the run creates, and every one it deletes for good, in the run's ledger.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import requests

from contracts.apis import RESOURCES
from contracts.interrupts import interrupts_deferred
from contracts.ledger import Entry
from contracts.resources import Resources, pointer_values, replace_values
from mockserver.errors import ApiError
from mockserver.routing import Router
from mockserver.spec import SPECS_DIR, Operation, Spec

if TYPE_CHECKING:
    from contracts.run import Run

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})  # RFC 9110 §9.2.1


class RefusedRequest(RuntimeError):
    """The harness would not send this request (read-only, or not a record of this run)."""


@cache
def router(api: str) -> Router:
    return Router(Spec.from_file(SPECS_DIR / f"{api}.yaml").operations)


def is_read_only(api: str, operation: Operation | None, method: str) -> bool:
    if method.upper() in SAFE_METHODS:
        return True
    return operation is not None and operation.operation_id in RESOURCES[api].read_only


class GuardedSession(requests.Session):
    """The one HTTP session of an API on a live target (see the module docstring)."""

    def __init__(self, api: str, base_url: str, run: Run) -> None:
        super().__init__()
        self.api = api
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path.rstrip("/")
        self.resources: Resources = RESOURCES[api]
        self.run = run

    def identify(self, url: str, method: str) -> tuple[Operation | None, dict[str, str]]:
        path = urlsplit(url).path
        if not path.startswith(self.base_path + "/") and path != self.base_path:
            return None, {}  # the mock's admin API, or another host
        try:
            return router(self.api).match(path[len(self.base_path) :] or "/", method.upper())
        except ApiError:
            return None, {}

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        method = (request.method or "GET").upper()
        url = request.url or ""
        operation, path_args = self.identify(url, method)
        self.guard(operation, method, url, path_args, _json(request.body))
        if self.run.limiter is not None:
            self.run.limiter.wait()
        if operation is None:
            return super().send(request, **kwargs)
        # Between the target's answer and the ledger line, an interrupt would leave a record
        # nobody deletes: Ctrl-C / SIGTERM wait until it is written (a second one does not).
        with interrupts_deferred():
            response = super().send(request, **kwargs)
            self.record(operation, path_args, response)
        return response

    def refusal(self, method: str, url: str) -> str | None:
        """Why ``--read-only`` refuses this request (any transport), or None."""
        if not self.run.config.read_only:
            return None
        operation, _ = self.identify(url, method)
        if is_read_only(self.api, operation, method):
            return None
        return f"--read-only: refused to send {method} {url}"

    def guard(
        self, operation: Operation | None, method: str, url: str, path_args: Mapping[str, str], body: Any
    ) -> None:
        if reason := self.refusal(method, url):
            raise RefusedRequest(reason)
        if operation is None or self.run.config.read_only:
            return
        if foreign := self.foreign(operation.operation_id, path_args, body):
            raise RefusedRequest(
                f"refused {method} {url}: it names {self.api} record(s) {', '.join(foreign)}"
                " that this run did not create"
            )
        if unprefixed := self.unprefixed(operation, body):
            raise RefusedRequest(
                f"refused {method} {url}: client-chosen key(s) {', '.join(map(repr, unprefixed))}"
                f" lack this run's prefix {self.run.prefix!r} (use run.key())"
            )

    def foreign(self, operation_id: str, path_args: Mapping[str, Any], body: Any) -> list[str]:
        """Records a write names that this run did not create (it must not touch them)."""
        addressed = self.resources.addressed.get(operation_id)
        named = addressed({k: str(v) for k, v in path_args.items()}, body) if addressed else []
        return [r for r in named if self.resources.record_id(r) and not self.owns(r)]

    def unprefixed(self, operation: Operation, body: Any) -> list[str]:
        """Client-chosen keys of a create that do not carry the run's prefix (12Twenty)."""
        pointer = self.resources.client_keys
        if pointer is None or operation.operation_id not in self.resources.created:
            return []
        keys = pointer_values(body, pointer)
        return [k for k in keys if isinstance(k, str) and not k.startswith(self.run.prefix)]

    def owns(self, record: str) -> bool:
        return self.run.has_ledger and self.run.ledger.owns(self.api, record)

    def record(self, operation: Operation, path_args: Mapping[str, str], response: requests.Response) -> None:
        status = response.status_code
        pointer = self.resources.created.get(operation.operation_id)
        if pointer and 200 <= status < 300:
            body = _json(response.content)
            if self.resources.wrote(body):
                records = [
                    str(r)
                    for r in pointer_values(body, pointer)
                    if isinstance(r, str | int) and not isinstance(r, bool)
                ]
                self.run.ledger.created(*(Entry(self.api, r, self.delete_request(r)) for r in records))
        addressed = self.resources.addressed.get(operation.operation_id)
        if operation.method == "DELETE" and addressed and self.deletes_for_good(response):
            for record in addressed(path_args, _json(response.request.body)):
                if self.owns(record):
                    self.run.ledger.gone(self.api, record)

    def deletes_for_good(self, response: requests.Response) -> bool:
        """Whether a DELETE's answer means the record is gone from the target.

        A soft delete (PERSCOM without ``force=true``) leaves a trashed record, and a second plain
        DELETE of it answers 404 while it is still there: only a delete sent the way the
        cleanup sends it (``Resources.delete``'s query) ends the record's entry, with a 2xx or a 404.
        """
        status = response.status_code
        if not (status < 300 or status in (404, 410)):
            return False
        delete = self.resources.delete
        if delete is None or not delete.query:
            return True
        sent = dict(parse_qsl(urlsplit(response.request.url or "").query))
        return all(sent.get(name) == value for name, value in delete.query.items())

    def delete_request(self, record: str) -> dict[str, Any] | None:
        delete = self.resources.delete
        if delete is None:
            return None
        return {
            "method": delete.method,
            "url": self.base_url + delete.path.format(id=record),
            "query": dict(delete.query),
        }

    def isolate(self, body: Any) -> Any:
        """Prefix client-chosen keys with this run's prefix (idempotent)."""
        if self.resources.client_keys:
            prefix = self.run.prefix
            replace_values(
                body,
                self.resources.client_keys,
                lambda key: prefix + key if isinstance(key, str) and not key.startswith(prefix) else key,
            )
        return body


def _json(raw: Any) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError, UnicodeDecodeError):
        return None
