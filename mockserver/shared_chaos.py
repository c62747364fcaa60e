"""Chaos rules over the Redis store: installing, removing and clearing rules are global-log
entries (``shared.py``), so every worker holds the same rules with the same ids and seeds; each
rule's counters (requests matched, hits, requests in a quota window) are Redis counters, so a
count window, a quota and a draw sequence span every worker as they span one process's requests."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mockserver.chaos import Rule, Rules, build_rule, check_scope
from mockserver.oplog import GLOBAL
from mockserver.shared import RedisStore
from mockserver.spec import Operation

QUOTA_KEY_SECONDS = 3600  # a quota window's counter outlives its window by this much, then goes


class SharedRules(Rules):
    def __init__(self, store: RedisStore) -> None:
        super().__init__()
        self.store = store
        store.global_kinds["chaos"] = self._apply
        store.global_resets.append(self._forget)

    def add(self, given: Mapping[str, Any], now: datetime, operations: Mapping[str, list[Operation]]) -> Rule:
        rule = build_rule(given, now, "")  # checked (and its seed drawn) here, then logged
        check_scope(rule, operations)
        installed: Rule = self.store.perform(
            "chaos", {"op": "add", "given": {**given, "seed": rule.seed}, "now": now.isoformat()}
        )
        return installed

    def remove(self, rule_id: str) -> bool:
        removed: bool = self.store.perform("chaos", {"op": "remove", "id": rule_id})
        return removed

    def clear(self, api: str | None = None) -> int:
        cleared: int = self.store.perform("chaos", {"op": "clear", "api": api})
        return cleared

    def listing(self, now: datetime) -> list[dict[str, Any]]:
        self.store.sync()
        with self._lock:
            rules = list(self.rules)
        if rules:
            keys = [self._key(rule, name) for rule in rules for name in ("matched", "hits")]
            values = self.store.log.call("mget", keys)
            for index, rule in enumerate(rules):
                rule.matched, rule.hits = (int(v or 0) for v in values[2 * index : 2 * index + 2])
        return super().listing(now)

    def _apply(self, meta: Mapping[str, Any]) -> Any:
        if meta["op"] == "add":
            rule = build_rule(meta["given"], datetime.fromisoformat(meta["now"]), "")
            rule.counter = self._count
            return self.install(rule)
        if meta["op"] == "remove":
            return Rules.remove(self, meta["id"])
        return Rules.clear(self, meta["api"])

    def _forget(self) -> None:
        with self._lock:
            self.rules = []
            self._ids = itertools.count(1)

    def _key(self, rule: Rule, name: str) -> str:
        return self.store.log.key(GLOBAL, f"chaos:{rule.id}:{rule.seed}:{name}")

    def _count(self, rule: Rule, name: str) -> int:
        key = self._key(rule, name)
        if not name.startswith("q"):
            value: int = self.store.log.call("incr", key)
            return value
        pipe = self.store.log.redis.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, int(rule.quota.per_seconds if rule.quota else 0) + QUOTA_KEY_SECONDS)
        value = self.store.log.call_pipeline(pipe)[0]
        return value
