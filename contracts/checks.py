"""Our own checks, for invariants the specs cannot state, and the reviewed false positives.

The checks run beside every built-in schemathesis check, on every case of the schema suites
and of the stateful workflow, against the mock and against a live target alike:

* ``created_is_readable``: after a successful create, each created record can be read back.
* ``update_is_persisted``: after a successful update, reading the record returns what the
  update returned (a lost update shows here).
* ``deleted_is_gone``: after a successful delete, reading the record answers 404.
* ``rejected_write_changed_nothing``: a write the API refused (4xx, or 12Twenty's 200 listing
  only failures) — a failed all-or-nothing batch included — left the records exactly as they were. Observed through the mock's admin
  API when the target has it (its state text, parsed only when it differs), else by reading
  the records the request names (where the API lets a client read them). An operation the API's
  resources declare read-only (PERSCOM's search, a POST) is a read, as a GET is.

Each follow-up read goes through the run's :class:`~contracts.target.Target`, so a live run's
rate limit and guards apply to it too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from schemathesis import Case
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response as StResponse

from contracts.apis import RESOURCES
from contracts.resources import Resources, pointer_values
from contracts.target import Target

FALSE_POSITIVES = Path(str(resources.files("contracts") / "false_positives.yaml"))
MAX_FOLLOW_UPS = 3  # records read back per case: enough to catch a defect, cheap on big batches

Check = Callable[[Any, StResponse, Case[Any]], bool | None]


OUR_CHECKS = ("created_is_readable", "update_is_persisted", "deleted_is_gone", "rejected_write_changed_nothing")


def unknown_checks(names: Iterable[str]) -> str | None:
    """Why ``--exclude-check`` names are wrong (one line naming the known checks), or None."""
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    known = [*CHECKS.get_all_names(), *OUR_CHECKS]
    unknown = [name for name in names if name not in known]
    if not unknown:
        return None
    return f"--exclude-check: unknown check {', '.join(map(repr, unknown))}; the checks are {', '.join(known)}"


class ContractFailure(Failure):
    """One of our own checks failed; the title names the check."""

    code = "ST901"
    kind_title = "Contract check failed"


def _fail(case: Case[Any], check: str, message: str) -> ContractFailure:
    return ContractFailure(operation=case.operation.label, title=check, message=message)


def _body(response: StResponse) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def _body_of(read: Any) -> Any:
    try:
        return read.json() if read.status == 200 else None
    except ValueError:
        return None


def operation_id(case: Case[Any]) -> str:
    return str(case.operation.definition.raw.get("operationId", ""))


@dataclass
class ContractChecks:
    """The checks above, bound to one API's target."""

    api: str
    target: Target
    resources: Resources = field(init=False)

    def __post_init__(self) -> None:
        self.resources = RESOURCES[self.api]

    # --- reading records back ------------------------------------------------------------

    def read(self, record: str, params: Mapping[str, Any] | None = None) -> Any:
        assert self.resources.read is not None
        return self.target.request("GET", self.resources.read.format(id=record), params=params)

    def named(self, case: Case[Any]) -> list[str]:
        addressed = self.resources.addressed.get(operation_id(case))
        if addressed is None:
            return []
        records = addressed(case.path_parameters or {}, case.body if isinstance(case.body, Mapping) else None)
        return [r for r in records if self.resources.record_id(r)][:MAX_FOLLOW_UPS]

    # --- the checks ---------------------------------------------------------------------------

    def all(self, excluded: Iterable[str] = ()) -> list[Check]:
        checks = [self.created_is_readable, self.update_is_persisted, self.deleted_is_gone]
        return [check for check in checks if check.__name__ not in excluded]

    def created_is_readable(self, ctx: Any, response: StResponse, case: Case[Any]) -> bool | None:
        pointer = self.resources.created.get(operation_id(case))
        body = _body(response)
        if not pointer or not 200 <= response.status_code < 300 or not self.resources.wrote(body):
            return None
        created = [str(r) for r in pointer_values(body, pointer)][:MAX_FOLLOW_UPS]
        if self.resources.read is None:
            if not self.target.has_admin():
                return None  # no way for a client to read it back (12Twenty)
            stored = json.dumps(self.target.state())
            missing = [r for r in created if json.dumps(r) not in stored]
            if missing:
                raise _fail(
                    case, "created_is_readable", f"created {missing} but the state does not hold them"
                )
            return None
        for record in created:
            read = self.read(record)
            if read.status != 200:
                raise _fail(
                    case,
                    "created_is_readable",
                    f"created record {record} ({response.status_code}), but GET "
                    f"{self.resources.read.format(id=record)} answers {read.status}: {read.text[:300]}",
                )
            if (found := self._identity(read)) is not None and found != record:
                raise _fail(
                    case,
                    "created_is_readable",
                    f"created record {record} ({response.status_code}), but GET "
                    f"{self.resources.read.format(id=record)} answers record {found}: {read.text[:300]}",
                )
        return None

    def _identity(self, read: Any) -> str | None:
        """The id of the record a read by id answered with (None when it shows none)."""
        stored = pointer_values(_body_of(read), self.resources.record)
        ids = [item.get("id") for item in stored if isinstance(item, Mapping)]
        return str(ids[0]) if len(ids) == 1 and ids[0] is not None else None

    def update_is_persisted(self, ctx: Any, response: StResponse, case: Case[Any]) -> bool | None:
        if case.method.upper() not in ("PUT", "PATCH") or not 200 <= response.status_code < 300:
            return None
        pointer = self.resources.updated.get(operation_id(case))
        records = self.named(case)
        if self.resources.read is None or pointer is None or not records:
            return None
        returned = {
            str(item.get("id")): item
            for item in pointer_values(_body(response), pointer)
            if isinstance(item, Mapping)
        }
        for record in records:
            if record not in returned:
                if "*" not in pointer and returned:  # one record addressed, another answered
                    raise _fail(
                        case,
                        "update_is_persisted",
                        f"the update of record {record} answered with record(s) {', '.join(returned)}",
                    )
                continue  # a batch skips unknown ids
            read = self.read(record, self._read_params(case))
            stored = pointer_values(read.json() if read.status == 200 else None, self.resources.record)
            if read.status != 200 or stored != [returned[record]]:
                raise _fail(
                    case,
                    "update_is_persisted",
                    f"the update returned {json.dumps(returned[record])[:400]}\n"
                    f"but GET {self.resources.read.format(id=record)} then answers "
                    f"{read.status}: {read.text[:400]}",
                )
        return None

    def deleted_is_gone(self, ctx: Any, response: StResponse, case: Case[Any]) -> bool | None:
        if case.method.upper() != "DELETE" or not 200 <= response.status_code < 300:
            return None
        if self.resources.read is None:
            return None
        for record in self.named(case):
            read = self.read(record)
            if read.status not in (404, 410):
                raise _fail(
                    case,
                    "deleted_is_gone",
                    f"DELETE answered {response.status_code}, but GET "
                    f"{self.resources.read.format(id=record)} then answers {read.status}: {read.text[:300]}",
                )
        return None

    def _read_params(self, case: Case[Any]) -> dict[str, Any] | None:
        """Query parameters that shape the representation (PERSCOM's ``include``) go along."""
        query = case.query or {}
        kept = {name: query[name] for name in self.resources.representation_params if name in query}
        return kept or None

    # --- rejected writes change nothing ---------------------------------------------------

    def snapshot(self, case: Case[Any]) -> Callable[[], Any] | None:
        """Before a write: a way to observe the records it could touch, or None if there is none."""
        if case.method.upper() in ("GET", "HEAD", "OPTIONS") or operation_id(case) in self.resources.read_only:
            return None  # a read (PERSCOM's search is a POST that only reads): nothing to compare
        if self.target.has_admin():
            return self.target.state_text
        records = self.named(case)
        if self.resources.read is None or not records:
            return None
        return lambda: {record: self.read(record).text for record in records}

    def refused(self, case: Case[Any], response: StResponse) -> bool:
        """A 4xx, or a 2xx that says nothing was written (12Twenty answers a refused batch with
        200 and the failing items only)."""
        status = response.status_code
        if 400 <= status < 500:
            return True
        creates = operation_id(case) in self.resources.created
        return 200 <= status < 300 and creates and not self.resources.wrote(_body(response))

    def rejected_write_changed_nothing(self, observe: Callable[[], Any]) -> Check:
        before = observe()

        def rejected_write_changed_nothing(ctx: Any, response: StResponse, case: Case[Any]) -> bool | None:
            if not self.refused(case, response):
                return None
            after = observe()
            if after != before and _parsed(after) != _parsed(before):
                raise _fail(
                    case,
                    "rejected_write_changed_nothing",
                    f"the request was refused with {response.status_code}, yet the records changed:\n"
                    + _difference(before, after),
                )
            return None

        return rejected_write_changed_nothing


def _parsed(observed: Any) -> Any:
    """An observation as data: the admin API's state text is parsed (only when texts differ)."""
    return json.loads(observed) if isinstance(observed, str) else observed


def _difference(before: Any, after: Any) -> str:
    import difflib

    before, after = _parsed(before), _parsed(after)

    lines = difflib.unified_diff(
        json.dumps(before, indent=1, sort_keys=True, default=str).splitlines(),
        json.dumps(after, indent=1, sort_keys=True, default=str).splitlines(),
        "before",
        "after",
        lineterm="",
        n=1,
    )
    return "\n".join(list(lines)[:40])


# --- the reviewed false positives ------------------------------------------------------------


@dataclass(frozen=True)
class FalsePositive:
    """One reviewed exception: failures with schemathesis' stable ``code`` (e.g. ST202) may be
    dropped for ``api`` when every condition holds."""

    api: str
    code: str
    reason: str
    operations: frozenset[str] = frozenset()  # operationIds; empty = every operation
    statuses: frozenset[int] = frozenset()  # only responses with these statuses
    error_fields: frozenset[str] = frozenset()  # only when the errors name nothing but these
    query_any: frozenset[str] = frozenset()  # only when the request carries one of these
    blank_body: bool = False  # only when the request's body is blank (whitespace, nothing else)

    def covers(self, api: str, failure: Failure, case: Case[Any], response: StResponse) -> bool:
        if api != self.api or failure.code != self.code:
            return False
        if self.operations and operation_id(case) not in self.operations:
            return False
        if self.statuses and response.status_code not in self.statuses:
            return False
        if self.error_fields and not set(_error_fields(_body(response))) <= self.error_fields:
            return False
        if self.blank_body and not (isinstance(case.body, bytes | str) and not case.body.strip()):
            return False
        if self.query_any:
            query = case.query or {}
            return any(_reads_true(query.get(name)) for name in self.query_any)
        return True


def _reads_true(value: Any) -> bool:
    """A query flag as PHP's ``filter_var(..., FILTER_VALIDATE_BOOLEAN)`` reads it (PERSCOM's
    Laravel): 1/true/yes/on in any case are set; everything else (``0``, ``no``, ``maybe``) is not."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on")


def _error_fields(body: Any) -> Iterable[str]:
    """Field names of a validation error body: ``errors`` at the top or under ``error``; a
    batch key such as ``resources.1.calendar_id`` counts as ``calendar_id``."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        body = body["error"]
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if not isinstance(errors, Mapping) or not errors:
        return ["<none>"]
    return [str(key).rsplit(".", 1)[-1] for key in errors]


def load_false_positives(path: Path = FALSE_POSITIVES) -> list[FalsePositive]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    known = {"api", "code", "reason", "operations", "statuses", "error_fields", "query_any", "blank_body", "rule"}
    found = []
    for number, raw in enumerate(entries, 1):
        unknown = set(raw) - known
        needed = all(raw.get(key) for key in ("code", "rule", "reason"))
        coded = isinstance(raw.get("code"), str) and re.fullmatch(r"ST\d{3}", raw["code"]) is not None
        if unknown or not needed or not coded or raw.get("api") not in RESOURCES:
            raise ValueError(f"{path}: entry {number} is malformed (needs api, code ST…, rule, reason): {raw}")
        found.append(
            FalsePositive(
                api=raw["api"],
                code=raw["code"],
                reason=raw["reason"],
                operations=frozenset(raw.get("operations", ())),
                statuses=frozenset(int(s) for s in raw.get("statuses", ())),
                error_fields=frozenset(raw.get("error_fields", ())),
                query_any=frozenset(raw.get("query_any", ())),
                blank_body=raw.get("blank_body") is True,
            )
        )
    return found
