"""Chaos rules: what a ``Prefer`` header cannot say, set once through ``/__mock/chaos``.

A rule has a scope (API, operationId, method, a glob on the path inside the API), and acts on a
request of that scope when every condition holds: its count window (skip the first ``skip``
matching requests, then act on the next ``count``), its time window on the mock's clock, and
its ``probability``. It then injects a status, a delay and/or a socket fault; a quota rule
instead lets ``limit`` requests through per ``per_seconds`` window and answers the rest 429
with ``Retry-After``. A rule with ``ttl_seconds`` removes itself once that much mock time passed.

Decisions are reproducible: the draw for a request is a function of the rule's seed (chosen
at random and shown when not given) and the request's ordinal among the requests the rule
matched, so a ``probability: 0.1`` rule varies per request and repeats exactly per run.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from mockserver.prefer import Delay, Fault, PreferenceError, read_delay, read_fault
from mockserver.spec import Operation


class RuleError(ValueError):
    """A rule that cannot be installed (answered 400 by the admin API)."""


@dataclass(frozen=True)
class Scope:
    api: str | None = None
    operation_id: str | None = None
    method: str | None = None
    path: str | None = None

    def matches(self, api: str, operation: Operation, path: str) -> bool:
        return (
            (self.api is None or self.api == api)
            and (self.operation_id is None or self.operation_id == operation.operation_id)
            and (self.method is None or self.method == operation.method)
            and (self.path is None or fnmatch.fnmatchcase(path, self.path))
        )

    def may_match(self, api: str, operation: Operation) -> bool:
        """Whether some request to ``operation`` could fall in the scope (path aside)."""
        return (
            (self.api is None or self.api == api)
            and (self.operation_id is None or self.operation_id == operation.operation_id)
            and (self.method is None or self.method == operation.method)
        )


@dataclass(frozen=True)
class Quota:
    limit: int
    per_seconds: float


@dataclass(frozen=True)
class Effect:
    """What one rule (or a ``Prefer`` header) does to one request; journaled as ``record``."""

    source: str  # "rule" or "prefer"
    seed: int
    draw: float | None
    rule: str | None = None
    ordinal: int | None = None
    status: int | None = None
    delay_ms: float | None = None
    fault: Fault | None = None
    retry_after: int | None = None
    skipped: str | None = None  # why a rule that matched did not act

    def record(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"source": self.source, "seed": self.seed}
        for key in ("rule", "ordinal", "draw", "status", "retry_after", "skipped"):
            value = getattr(self, key)
            if value is not None:
                shown[key] = value
        if self.delay_ms is not None:
            shown["delay_ms"] = round(self.delay_ms, 3)
        if self.fault is not None:
            shown["fault"] = str(self.fault)
        return shown


def draw_for(seed: int, ordinal: int) -> random.Random:
    """The generator of one decision: seeded by (rule seed, ordinal), the same in every run."""
    return random.Random(f"{seed}:{ordinal}")


@dataclass
class Rule:
    id: str
    scope: Scope
    seed: int
    created: datetime
    probability: float = 1.0
    skip: int = 0
    count: int | None = None
    window: tuple[datetime | None, datetime | None] = (None, None)
    quota: Quota | None = None
    expires: datetime | None = None
    status: int | None = None
    delay: Delay | None = None
    fault: Fault | None = None
    allow_undocumented: bool = False
    name: str | None = None
    matched: int = 0
    hits: int = 0
    quota_window: int = -1  # the quota window the mock's clock is in, and requests let through in it
    quota_used: int = 0
    spec: dict[str, Any] = field(default_factory=dict)  # the rule as it was given
    # bumps a counter ("matched", "hits", "q<window>") and answers its new value; None: the
    # fields above, in this process. The Redis store counts in Redis, for every worker (shared.py)
    counter: Callable[[Rule, str], int] | None = None

    def _bump(self, name: str) -> int:
        if self.counter is not None:
            value = self.counter(self, name)
        elif name.startswith("q"):
            window = int(name[1:])
            if self.quota_window != window:
                self.quota_window, self.quota_used = window, 0
            value = self.quota_used + 1
        else:
            value = getattr(self, name) + 1
        if name.startswith("q"):
            self.quota_window, self.quota_used = int(name[1:]), value
        else:
            setattr(self, name, value)
        return value

    def shown(self) -> dict[str, Any]:
        return {
            **self.spec,
            "id": self.id,
            "seed": self.seed,
            "matched": self.matched,
            "hits": self.hits,
            "created": self.created.isoformat(),
            "expires": self.expires.isoformat() if self.expires else None,
        }

    def decide(self, operation: Operation, now: datetime) -> Effect | None:
        """Count this matching request and say what the rule does to it (None: nothing)."""
        ordinal = self._bump("matched")
        rng = draw_for(self.seed, ordinal)
        draw = rng.random()
        base = Effect("rule", self.seed, round(draw, 6), rule=self.id, ordinal=ordinal)
        if ordinal <= self.skip or (self.count is not None and ordinal > self.skip + self.count):
            return None
        start, end = self.window
        if (start is not None and now < start) or (end is not None and now >= end):
            return None
        if draw >= self.probability:
            return None
        if self.quota is not None:
            return self._over_quota(now, base)
        status = self.status
        if status is not None and not self.allow_undocumented and not documents(operation, status):
            return replace(base, skipped=f"{status} is not documented for {operation.operation_id}")
        self._bump("hits")
        delay = self.delay.draw(rng) if self.delay is not None else None
        return replace(base, status=status, delay_ms=delay, fault=self.fault)

    def _over_quota(self, now: datetime, base: Effect) -> Effect | None:
        assert self.quota is not None
        elapsed = (now - self.created).total_seconds()
        window = math.floor(elapsed / self.quota.per_seconds)
        if self._bump(f"q{window}") <= self.quota.limit:
            return None
        self._bump("hits")
        retry = max(1, math.ceil((window + 1) * self.quota.per_seconds - elapsed))
        return replace(base, status=429, retry_after=retry, fault=self.fault)


def documents(operation: Operation, status: int) -> bool:
    text = str(status)
    return any(key in operation.responses for key in (text, f"{text[0]}XX", f"{text[0]}xx", "default"))


def _when(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise RuleError(f"{name}: {value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise RuleError(f"{name}: {value!r} needs a UTC offset")
    return moment


def _syntax(reader: Any, value: Any, name: str) -> Any:
    if value is None:
        return None
    try:
        return reader(str(value))
    except PreferenceError as exc:
        raise RuleError(f"{name}: {value!r} is not {exc.expected}") from None


class Rules:
    """The installed rules, in the order they were added; thread-safe."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, given: Mapping[str, Any], now: datetime, operations: Mapping[str, list[Operation]]) -> Rule:
        """Install a rule from its (schema-checked) JSON; ``operations`` lists each API's operations."""
        rule = build_rule(given, now, "")
        check_scope(rule, operations)
        return self.install(rule)

    def install(self, rule: Rule) -> Rule:
        with self._lock:
            rule.id = f"r{next(self._ids)}"  # only a rule installed takes an id
            self.rules.append(rule)
        return rule

    def listing(self, now: datetime) -> list[dict[str, Any]]:
        with self._lock:
            self._expire(now)
            return [rule.shown() for rule in self.rules]

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            kept = [rule for rule in self.rules if rule.id != rule_id]
            removed = len(kept) != len(self.rules)
            self.rules = kept
        return removed

    def clear(self, api: str | None = None) -> int:
        with self._lock:
            kept = [] if api is None else [rule for rule in self.rules if rule.scope.api != api]
            count = len(self.rules) - len(kept)
            self.rules = kept
        return count

    def decide(self, api: str, operation: Operation, path: str, now: datetime) -> list[Effect]:
        """What the rules matching this request do to it, in rule order."""
        with self._lock:
            self._expire(now)
            found = []
            for rule in self.rules:
                if rule.scope.matches(api, operation, path):
                    effect = rule.decide(operation, now)
                    if effect is not None:
                        found.append(effect)
            return found

    def _expire(self, now: datetime) -> None:
        if any(rule.expires is not None and now >= rule.expires for rule in self.rules):
            self.rules = [r for r in self.rules if r.expires is None or now < r.expires]


def build_rule(given: Mapping[str, Any], now: datetime, rule_id: str) -> Rule:
    scope = Scope(
        given.get("api"),
        given.get("operation_id"),
        given["method"].upper() if given.get("method") else None,
        given.get("path"),
    )
    window = (_when(given.get("start"), "start"), _when(given.get("end"), "end"))
    if window[0] and window[1] and window[0] >= window[1]:
        raise RuleError("start must be before end")
    quota = Quota(given["quota"]["limit"], given["quota"]["per_seconds"]) if "quota" in given else None
    rule = Rule(
        rule_id,
        scope,
        int(given["seed"]) if given.get("seed") is not None else random.getrandbits(63),
        now,
        probability=float(given.get("probability", 1.0)),
        skip=int(given.get("skip", 0)),
        count=given.get("count"),
        window=window,
        quota=quota,
        expires=now + timedelta(seconds=given["ttl_seconds"]) if given.get("ttl_seconds") else None,
        status=given.get("status"),
        delay=_syntax(read_delay, given.get("delay"), "delay"),
        fault=_syntax(read_fault, given.get("fault"), "fault"),
        allow_undocumented=bool(given.get("allow_undocumented", False)),
        name=given.get("name"),
        spec=dict(given),
    )
    if quota is None and rule.status is None and rule.delay is None and rule.fault is None:
        raise RuleError("a rule needs an effect: status, delay, fault or quota")
    if quota is not None and rule.status is not None:
        raise RuleError("a quota answers 429 itself: give quota or status, not both")
    return rule


def check_scope(rule: Rule, operations: Mapping[str, list[Operation]]) -> None:
    """Refuse a rule that can match nothing, or whose status nothing in its scope documents."""
    scope = rule.scope
    if scope.api is not None and scope.api not in operations:
        raise RuleError(f"api: {scope.api!r} is not mounted (mounted: {', '.join(sorted(operations))})")
    reached = [op for api, ops in operations.items() for op in ops if scope.may_match(api, op)]
    if not reached:
        raise RuleError("the scope matches no operation of the mounted APIs")
    status = 429 if rule.quota is not None else rule.status
    if status is None or rule.allow_undocumented:
        return
    if not any(documents(op, status) for op in reached):
        listing = "; ".join(f"{op.operation_id}: {', '.join(sorted(op.responses))}" for op in reached[:8])
        raise RuleError(
            f"status {status} is documented by no operation in the rule's scope ({listing}); "
            "set allow_undocumented: true to answer it anyway"
        )
