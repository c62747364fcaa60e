"""Response control for one API: the chaos rules and the request's ``Prefer`` header.

Where each acts in the pipeline (``runtime.ApiRuntime.dispatch``):

1. a malformed preference is refused (422, the mock's own shape) before anything else, as Prism
   refuses it before validating the request;
2. the chaos rules matching the operation decide next: an injected status answers in place of
   the API (an outage comes before authentication), a delay or fault waits for the reply;
3. authentication and request validation run as always and win over any preference;
4. the preferences then pick the answer (``fail``, else ``code``/``example``/``dynamic``, else the
   handler's), and the delay and fault to apply to it; ``Preference-Applied`` lists what was used.

Nothing here runs for a request without a ``Prefer`` header or ``__`` query parameter while no
rule is installed: two dictionary look-ups and a truth test.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from mockserver import prefer
from mockserver.chaos import Effect, documents
from mockserver.documented import NotDocumented, OperationResponses
from mockserver.errors import ApiError
from mockserver.faults import CAPABILITIES_KEY
from mockserver.prefer import Fault, PreferenceError, Preferences
from mockserver.query import parse_query
from mockserver.registry import ApiDefinition, Reply
from mockserver.services import Services
from mockserver.spec import Operation, Spec


class InjectedStatus(ApiError):
    """A status a rule or ``Prefer: fail=`` injects, rendered in the vendor's envelope; one
    subclass per status (``injected(503)`` is a ``ServiceUnavailable``), as the core's classes
    carry their status and reason phrase on the class."""


_INJECTED: dict[int, type[InjectedStatus]] = {}


def injected_error(status: int) -> InjectedStatus:
    cls = _INJECTED.get(status)
    if cls is None:
        title = HTTP_STATUS_CODES.get(status, "Error")
        name = "".join(word.capitalize() for word in title.replace("-", " ").split() if word.isalnum())
        cls = type(name or f"Status{status}", (InjectedStatus,), {"status": status, "title": title})
        _INJECTED[status] = cls
    return cls()


@dataclass
class Control:
    """What the server layer must do to this request's reply, and what the journal records."""

    delay_ms: float = 0.0
    fault: Fault | None = None
    effects: list[dict[str, Any]] = field(default_factory=list)
    outside_contract: bool = False  # an undocumented status was asked for: strict mode stands aside

    def add(self, effect: Effect) -> None:
        self.effects.append(effect.record())
        if effect.skipped is None:
            self.delay_ms += effect.delay_ms or 0.0
            self.fault = self.fault or effect.fault


def uncontrolled(environ: dict[str, Any], chaos: Any) -> bool:
    """True when no response control can apply: no ``Prefer`` header, no ``__`` query key, no rule.

    The common path: a plain test of the environ, so requests without control cost no parsing."""
    return "HTTP_PREFER" not in environ and "__" not in environ.get("QUERY_STRING", "") and not chaos.rules


def unable(effect: str) -> str:
    why = "wait without holding a worker thread" if effect == "delay" else "reach the socket"
    return (
        f"supported by this server layer (a {effect} must {why}: `mockserver serve` carries it out, "
        "a plain WSGI server or test client cannot)"
    )


def mock_error(status: int, kind: str, message: str, **extra: Any) -> Reply:
    """The mock's own error shape (not a vendor's): what the client asked of the mock is wrong."""
    return Reply({"mock_error": kind, "message": message, **extra}, status)


class Pipeline(Protocol):
    """What response control reads of its API's runtime (``runtime.ApiRuntime``, which imports
    this module: the runtime runs this step)."""

    name: str
    spec: Spec
    definition: ApiDefinition
    services: Services

    def violations(self, operation: Operation, reply: Reply) -> list[str]: ...


class ResponseControl:
    """The ``Prefer`` and chaos step of one API runtime."""

    def __init__(self, runtime: Pipeline) -> None:
        self.runtime = runtime
        self._responses: dict[str, OperationResponses] = {}

    def responses(self, operation: Operation) -> OperationResponses:
        found = self._responses.get(operation.operation_id)
        if found is None:
            found = OperationResponses(operation, self.runtime.spec.document)
            self._responses[operation.operation_id] = found
        return found

    @staticmethod
    def preferences(request: Request) -> Preferences | None:
        """The request's preferences; raises PreferenceError for a malformed one, or for a
        delay or fault the server layer cannot carry out."""
        header = request.environ.get("HTTP_PREFER")
        query = request.query_string
        if header is None and b"__" not in query:
            return None
        args = parse_query(query) if b"__" in query else None
        prism = {k: args[k] for k in prefer.PRISM_QUERY if k in args} if args is not None else None
        found = prefer.parse(header, prism)
        if found is not None:
            able = request.environ.get(CAPABILITIES_KEY, ())
            for name in ("delay", "fault"):
                if getattr(found, name) is not None and name not in able:
                    raise PreferenceError(name, found.raw[name], unable(name))
        return found

    def rule_effects(self, request: Request, operation: Operation, path: str) -> list[Effect]:
        services = self.runtime.services
        return services.chaos.decide(self.runtime.name, operation, path, services.clock.now())

    def injected(self, operation: Operation, status: int, seed: int, request: Request) -> Reply:
        """The answer for an injected status: the documented example or body, else the envelope."""
        if documents(operation, status):
            return self.responses(operation).answer(status, None, None, seed, self._checker(operation))
        return self.runtime.definition.render_error(injected_error(status), operation, request.headers)

    def _checker(self, operation: Operation) -> Callable[[Reply], list[str]]:
        return lambda reply: self.runtime.violations(operation, reply)

    def answer(
        self,
        preferences: Preferences,
        operation: Operation,
        request: Request,
        control: Control,
        handle: Callable[[], Reply],
    ) -> Reply:
        """The reply a valid preference asks for (after auth and validation passed)."""
        seed = preferences.seed if preferences.seed is not None else random.getrandbits(63)
        rng = random.Random(seed)
        draw = rng.random()
        acts = preferences.rate is None or draw < preferences.rate
        used: list[str] = []
        shown: dict[str, str] = {}
        effect: dict[str, Any] = {"source": "prefer", "seed": seed, "draw": round(draw, 6)}
        reply: Reply | None = None
        if preferences.fail is not None and acts:
            if not preferences.undocumented and not documents(operation, preferences.fail):
                raise self._not_documented(operation, f"status {preferences.fail} is not documented")
            reply = self.injected(operation, preferences.fail, seed, request)
            control.outside_contract = not documents(operation, preferences.fail)
            used += ["fail", *(["rate"] if preferences.rate is not None else [])]
            effect["status"] = preferences.fail
        elif preferences.documented_answer:
            reply = self.responses(operation).answer(
                preferences.code, preferences.example, preferences.dynamic, seed, self._checker(operation)
            )
            used += [k for k in ("code", "example", "dynamic") if k in preferences.raw]
            effect["status"] = reply.status
        if preferences.delay is not None:
            control.delay_ms += preferences.delay.draw(rng)
            used.append("delay")
            shown["delay"] = f"{control.delay_ms:.0f}"
            effect["delay_ms"] = round(control.delay_ms, 3)
        if preferences.fault is not None and acts:
            control.fault = preferences.fault
            used += ["fault", *(["rate"] if preferences.rate is not None and "rate" not in used else [])]
            effect["fault"] = str(preferences.fault)
        if used and "seed" in preferences.raw:
            used.append("seed")
        if reply is None:
            reply = handle()
        control.effects.append(effect)
        if not used:
            return reply
        headers = {**reply.headers, "Preference-Applied": prefer.applied(preferences, used, shown)}
        return Reply(reply.body, reply.status, headers, reply.content_type)

    def _not_documented(self, operation: Operation, message: str) -> NotDocumented:
        return self.responses(operation).refuse(message)


def preference_error(error: PreferenceError) -> Reply:
    return mock_error(422, "invalid preference", str(error), preference=error.name, value=error.value)


def not_documented(error: NotDocumented, operation: Operation) -> Reply:
    return mock_error(
        422,
        "preference names no documented response",
        str(error),
        operation=operation.operation_id,
        documented=error.documented,
    )
