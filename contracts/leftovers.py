"""``--check-leftovers``: does a live run leave the target as it found it?

For targets that are a mockserver (its admin API answers), the run exports each API's state once
its preflight passed and again after its cleanup, and compares the two record by record:

* a record added, removed or changed is left behind — the run fails and names it;
* a counter (``next_id``: the ids the target hands out, like a database sequence) is not a record
  and is never given back, so it is not compared;
* an API that offers no delete (12Twenty) may keep the records the run created, when their
  client-chosen key carries the run's prefix: they are listed;
* what the run added to a part of the state no request can remove from (Kona's refresh tokens:
  the API cannot revoke one, ``Resources.irremovable``) is counted; nothing else may differ.

A run that resets the target could not see what it left (the reset wipes it), so the check
runs on a target used as staging is: ``--check-leftovers`` turns ``--live-server``'s reset off
and refuses ``--reset``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from contracts.apis import RESOURCES
from contracts.preflight import TargetUnusable, preflight_all
from contracts.target import live_targets
from contracts.text import escaped

if TYPE_CHECKING:
    from contracts.run import Run
    from contracts.target import Target

BASELINE = pytest.StashKey[Mapping[str, Mapping[str, Any]]]()  # on Run.stash: the state before the run
FOUND = pytest.StashKey["Leftovers"]()  # on Run.stash: what the run left

COUNTERS = frozenset({"next_id"})
SHOWN = 10  # records named per line; the rest are counted


class NoAdminApi(Exception):
    """The target is not a mockserver: its state cannot be exported."""


@dataclass
class Difference:
    api: str
    collection: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass
class Leftovers:
    """What one run left on its targets (see the module docstring)."""

    kept: dict[str, list[str]] = field(default_factory=dict)  # API → records it may keep (listed)
    issued: list[tuple[str, int, str]] = field(default_factory=list)  # (API, how many, what) it cannot remove
    differences: list[Difference] = field(default_factory=list)  # everything else: a failure

    @property
    def clean(self) -> bool:
        return not self.differences

    def lines(self) -> list[str]:
        found = []
        for api, records in self.kept.items():
            found.append(f"{api} kept {len(records)} record(s) of this run (it offers no delete): {_shown(records)}")
        for api, count, what in self.issued:
            found.append(f"{api} kept {count} {what}")
        for diff in self.differences:
            for verb, records in (("added", diff.added), ("removed", diff.removed), ("changed", diff.changed)):
                if records:
                    found.append(f"LEFT BEHIND on {diff.api}: {diff.collection} {verb}: {_shown(records)}")
        if not self.differences:
            listed = "apart from those, " if found else ""
            found.append(f"{listed}the targets' state after the run equals their state before it")
        return [escaped(f"contracts: {line}") for line in found]


def snapshot(target: Target) -> dict[str, Any]:
    """The target's state of its API, as the mock's admin API exports it."""
    if not target.has_admin():
        raise NoAdminApi(
            f"--check-leftovers needs a mockserver target (its admin API exports the state): "
            f"{target.api} at {target.base_url} has none"
        )
    state: dict[str, Any] = target.state()
    return state


def snapshots(targets: Iterable[Target]) -> dict[str, dict[str, Any]]:
    return {target.api: snapshot(target) for target in targets if target.live}


def preflight(run: Run) -> None:
    """Check every live target before any case runs (``contracts.preflight``); with
    ``--check-leftovers``, export their state. Raises TargetUnusable with a one-line reason."""
    preflight_all(live_targets(run))
    if run.config.check_leftovers:
        try:
            run.stash[BASELINE] = snapshots(live_targets(run))
        except NoAdminApi as exc:
            raise TargetUnusable(str(exc)) from None


def check(run: Run) -> list[str]:
    """After the cleanup: what differs from the state before the run (its lines), kept on the run."""
    if BASELINE not in run.stash:
        return []
    found = run.stash[FOUND] = compare(run.stash[BASELINE], snapshots(live_targets(run)), run.prefix)
    return found.lines()


def left_behind(run: Run) -> bool:
    """Whether ``--check-leftovers`` found something the run should not have left."""
    return FOUND in run.stash and not run.stash[FOUND].clean


def compare(before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]], prefix: str) -> Leftovers:
    """What differs between two exports of the same targets; ``prefix`` is the run's."""
    found = Leftovers()
    for api, old in before.items():
        new = after.get(api, {})
        for name in sorted(set(old) | set(new)):
            if name in COUNTERS:
                continue
            diff = _compare(api, name, old.get(name), new.get(name))
            if diff is None:
                continue
            why = RESOURCES[api].irremovable.get(name)
            if why is not None and diff.added and not (diff.removed or diff.changed):
                found.issued.append((api, len(diff.added), why))
                continue
            key = _kept_key(api)
            if key is not None:
                mine = [r for r in diff.added if r.startswith(prefix)]
                if mine:
                    found.kept.setdefault(api, []).extend(mine)
                    diff.added = [r for r in diff.added if r not in mine]
                if not (diff.added or diff.removed or diff.changed):
                    continue
            found.differences.append(diff)
    return found


def _kept_key(api: str) -> str | None:
    """The field of a record that holds its client-chosen key, for an API that cannot delete."""
    resources = RESOURCES[api]
    if resources.delete is not None or resources.client_keys is None:
        return None
    return resources.client_keys.rsplit("/", 1)[-1]


def _compare(api: str, name: str, old: Any, new: Any) -> Difference | None:
    if old == new:
        return None
    diff = Difference(api, name)
    old_records, new_records = _records(api, old), _records(api, new)
    if old_records is None or new_records is None:
        diff.changed.append(f"{_text(old)} → {_text(new)}")
        return diff
    diff.added = [key for key in new_records if key not in old_records]
    diff.removed = [key for key in old_records if key not in new_records]
    diff.changed = [key for key in old_records if key in new_records and old_records[key] != new_records[key]]
    return diff


def _records(api: str, value: Any) -> dict[str, Any] | None:
    """A collection as {identity: record}: a list by each record's id (or client-chosen key),
    a mapping by its keys; None for a plain value."""
    if isinstance(value, Mapping):
        return {str(key): item for key, item in value.items()}
    if not isinstance(value, list):
        return None
    key = _kept_key(api)
    found: dict[str, Any] = {}
    for index, item in enumerate(value):
        identity = item.get(key) if isinstance(item, Mapping) and key else None
        if identity is None and isinstance(item, Mapping):
            identity = item.get("id")
        found[str(identity if identity is not None else f"#{index} {_text(item)}")] = item
    return found


def _text(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


def _shown(records: list[str]) -> str:
    more = f" and {len(records) - SHOWN} more" if len(records) > SHOWN else ""
    return ", ".join(records[:SHOWN]) + more
