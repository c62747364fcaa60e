"""One API's schema-driven suite: the schemathesis schema, its checks and its stateful workflow.

Each ``contracts/test_<api>.py`` declares its tests and the run builds the :class:`Suite` when
it collects them (never at import time, so nothing of one run leaks into the next):

* ``@schema_test(api)`` on ``test_schema(case, suite)``: schemathesis' ``parametrize()`` over
  the run's schema (examples, coverage and fuzzing phases), one pytest item per operation, with
  ``suite.check(case)`` as the body, where a documented example id is first given a record of
  its own (``contracts.examples``);
* ``suite.run_workflow()``: the stateful phase over the spec's links (``test_workflow``).

Both run every built-in schemathesis check plus ours (``contracts.checks``), drop the failures
listed in the reviewed ``contracts/false_positives.yaml`` and nothing else, and honour the run's
safety options (``contracts.guard``): ``--read-only`` keeps only operations that cannot change
state; against a live target, operations that name existing records run only through the
stateful workflow, on records the run created, and client-chosen keys get the run's prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import reject, settings
from schemathesis import Case
from schemathesis.core.failures import Failure, FailureGroup, as_reported_failure
from schemathesis.core.transport import Response as StResponse
from schemathesis.generation.stateful.state_machine import DEFAULT_STATE_MACHINE_SETTINGS
from schemathesis.schemas import BaseSchema
from schemathesis.transport.requests import prepare_query

from contracts.apis import RESOURCES
from contracts.checks import Check, ContractChecks, load_false_positives, operation_id
from contracts.examples import ExampleRecords
from contracts.guard import SAFE_METHODS
from contracts.harness import active_settings
from contracts.run import Run
from contracts.schema import load_schema
from contracts.target import run_target
from mockserver.spec import Spec

Prepare = Callable[[Case[Any]], None]
_SCHEMA_TEST = "_contracts_schema_test"


def schema_test(api: str, *, prepare: Prepare | None = None) -> Callable[[Any], Any]:
    """Mark ``test_schema(case, suite)`` as ``api``'s schema test; the run parametrizes it with
    its own schema when it collects the module (``contracts/conftest.py``). ``prepare`` readies
    each case before it is sent."""

    def mark(function: Any) -> Any:
        setattr(function, _SCHEMA_TEST, (api, prepare))
        return function

    return mark


def schema_test_of(function: Any) -> tuple[str, Prepare | None] | None:
    found: tuple[str, Prepare | None] | None = getattr(function, _SCHEMA_TEST, None)
    return found


class Suite:
    def __init__(self, run: Run, api: str, *, prepare: Prepare | None = None) -> None:
        self.run = run
        self.api = api
        self.target = run_target(run, api)
        self.options = run.config
        self.resources = RESOURCES[api]
        self.checks = ContractChecks(api, self.target)
        self.false_positives = [entry for entry in load_false_positives() if entry.api == api]
        self.prepare = prepare
        schema: BaseSchema = load_schema(self.target)
        # Read-only runs create nothing: their example ids name records the target already has.
        self.example_records = ExampleRecords(
            Spec(schema.raw_schema), self.resources, self.target, borrow=self.options.read_only
        )
        schema.config.generation.update(max_examples=self.options.max_examples)
        self.excluded = self.options.excluded_checks
        if self.excluded:
            schema.config.checks.update(excluded_check_names=list(self.excluded))
        schema.hooks.register_hook_with_name(self._keep_failure, "filter_failure")
        if self.options.rate_limit and self.target.live:
            # Our session paces every request; schemathesis' own limiter also paces the auth
            # probes of its ignored_auth check, which open a session of their own.
            rate = self.options.rate_limit
            per = f"{int(rate)}/s" if rate >= 1 else f"{max(1, round(rate * 60))}/m"
            schema.config.update(rate_limit=per)
        if self.target.live:
            # Links inferred from list answers would capture ids of records the run did not make.
            schema.config.phases.stateful.inference.algorithms = []
        if self.options.read_only:
            # HEAD is left out as schemathesis leaves it out by default: a server answers it
            # wherever GET is (RFC 9110 §9.3.2), documented or not
            schema.config.phases.coverage.unexpected_methods = {m.lower() for m in SAFE_METHODS} - {"head"}
            schema = schema.include(method=sorted(SAFE_METHODS))
            if self.resources.read_only:
                schema = schema.include(operation_id=sorted(self.resources.read_only))
        self.stateful_schema = schema
        if self.target.live and not self.options.read_only and self.resources.addressed:
            schema = schema.exclude(operation_id=sorted(self.resources.addressed))
        self.schema = schema

    # --- failures ---------------------------------------------------------------------------

    def _keep_failure(self, context: Any, failure: Failure, case: Case[Any], response: StResponse) -> bool:
        return not any(entry.covers(self.api, failure, case, response) for entry in self.false_positives)

    # --- the stateless phases -----------------------------------------------------------------

    def call_kwargs(self) -> dict[str, Any]:
        return {"session": self.target.session} if self.target.live else {}

    def before_call(self, case: Case[Any]) -> list[Check]:
        """Ready a case for sending; returns the checks that need a look before the call."""
        if self.prepare is not None:
            self.prepare(case)
        if self.target.live and self.resources.client_keys and case.body is not None:
            self.target.session.isolate(case.body)
        if "rejected_write_changed_nothing" in self.excluded:
            return []
        observe = self.checks.snapshot(case)
        return [self.checks.rejected_write_changed_nothing(observe)] if observe is not None else []

    @staticmethod
    def lossy(case: Case[Any]) -> bool:
        """A negative case whose query says less on the wire than in the case: what arrives may
        be valid, so its acceptance proves nothing. Decided on the query as the transports encode
        it (see :func:`_lost_on_the_wire`). Seen in schemathesis 4.32.5: a deepObject
        ``filter[endDate]=None``, and later ``filter[endDate]=[{}]``, next to a valid
        ``filter[name]`` went out as the valid ``?filter[name]=…`` and was reported as accepted
        negative data."""
        meta = case.meta
        if meta is None or meta.generation.mode.is_positive:
            return False
        return _lost_on_the_wire(case)

    def refer(self, case: Case[Any]) -> None:
        """In the workflow: body fields that must name an existing record (``Resources.references``)
        name the one the run's variables give, so a create succeeds and its links are followed."""
        if not self.resources.references or case.body is None:
            return
        values = {field: self.options.variable(self.api, name) for field, name in self.resources.references.items()}
        _refer(case.body, {field: value for field, value in values.items() if value is not None})

    def check(self, case: Case[Any]) -> None:
        """The body of the schema test: send the case, then run every check on the answer."""
        __tracebackhide__ = True
        if self.lossy(case):
            return
        with self.example_records.standing_in(case):
            extra = self.before_call(case)
            kwargs = self.call_kwargs()
            response = case.call(**kwargs)
            case.validate_response(
                response, additional_checks=[*self.checks.all(self.excluded), *extra], transport_kwargs=kwargs
            )

    # --- the stateful phase -----------------------------------------------------------------

    def parametrize(self, function: Any) -> Any:
        """``function`` as schemathesis' test over this suite's schema (one item per operation)."""
        return self.schema.parametrize()(function)

    def run_workflow(self) -> None:
        """The stateful phase: Hypothesis runs the state machine over the spec's links."""
        __tracebackhide__ = True
        if self.options.read_only:
            pytest.skip("it writes; skipped under --read-only")
        machine = self.workflow()
        try:
            machine.run(settings=self.workflow_settings())
        except FailureGroup as exc:  # as schemathesis' own TestCase reports it
            raise as_reported_failure(exc) from None

    def workflow(self) -> Any:
        """The state machine over the spec's links, with state reset before each scenario."""
        suite = self
        base: Any = self.stateful_schema.as_state_machine()

        class Workflow(base):  # type: ignore[misc]
            pending: list[Check] = []

            def setup(self) -> None:
                if suite.target.resettable:
                    suite.target.reset()

            def before_call(self, case: Case[Any]) -> None:
                if suite.lossy(case):
                    reject()
                if suite.target.live and not suite.options.read_only:
                    operation = operation_id(case)
                    if suite.target.session.foreign(operation, case.path_parameters or {}, case.body):
                        reject()  # a generated id: never sent to records the run did not create
                suite.refer(case)
                self.pending = suite.before_call(case)
                super().before_call(case)

            def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
                return suite.call_kwargs()

            def validate_response(
                self,
                response: Any,
                case: Case[Any],
                additional_checks: list[Any] | None = None,
                **kwargs: Any,
            ) -> None:
                __tracebackhide__ = True
                checks = [*(additional_checks or []), *suite.checks.all(suite.excluded), *self.pending]
                super().validate_response(response, case, additional_checks=checks, **kwargs)

        return Workflow

    def workflow_settings(self) -> settings:
        """schemathesis' state machine settings with the run's scenario count; derandomize
        follows the run's profile (schemathesis fixes its own when it is imported, before the
        run's profile is chosen: see contracts.harness.honour_seed)."""
        return settings(
            DEFAULT_STATE_MACHINE_SETTINGS,
            max_examples=self.options.max_examples,
            deadline=None,
            derandomize=active_settings().derandomize,
        )


def _refer(node: Any, values: dict[str, str], depth: int = 0) -> None:
    """Set each field named in ``values`` wherever it occurs in ``node`` (batches nest their
    items), keeping the generated type: an integer stays an integer."""
    if depth > 4:
        return
    items = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    if isinstance(node, dict):
        for field, value in values.items():
            current = node.get(field)
            if isinstance(current, int) and not isinstance(current, bool) and value.isdigit():
                node[field] = int(value)
            elif isinstance(current, str):
                node[field] = value
    for item in list(items):
        _refer(item, values, depth + 1)


def _lost_on_the_wire(case: Case[Any]) -> bool:
    """Whether a transport drops or rewrites some of the case's query. Only scalars and flat
    lists of scalars reach the server as written: ``requests`` (the live transport, and the
    request schemathesis reports in-process) drops ``None``, empty lists and the empty containers
    inside a list, flattens nested lists and sends a mapping as its keys; werkzeug's test client
    drops ``None`` and sends a container inside a list as its Python repr."""
    params = prepare_query(case)
    if not isinstance(params, dict):
        return False  # a raw query string is sent as it is
    return not all(map(_sent_as_written, params.values()))


def _sent_as_written(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return bool(value) and all(isinstance(item, (str, int, float)) for item in value)
    return isinstance(value, (str, int, float))


_SUITES = pytest.StashKey[dict[str, Suite]]()


def suite_of(run: Run, api: str, prepare: Prepare | None = None) -> Suite:
    """The suite of ``run`` for ``api``, made on first use (``prepare``: that first use's)."""
    suites = run.stash.setdefault(_SUITES, {})
    if api not in suites:
        suites[api] = Suite(run, api, prepare=prepare)
    return suites[api]
