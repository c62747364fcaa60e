"""The ledger of a live run: every record the run creates, as it is created, and the cleanup.

One JSON line per event (``created`` / ``gone``), appended as it happens, so a run killed outright
leaves a file ``contracts cleanup LEDGER`` can finish from. A record is ``gone`` only when it is
deleted for good: PERSCOM's plain DELETE only trashes an event, so only the ``force=true`` delete
(or its 404 once the event is purged) ends its entry.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from contracts.text import escaped


@dataclass
class Entry:
    api: str
    record: str
    delete: dict[str, Any] | None  # {"method", "url", "query"}; None: the API cannot delete it


@dataclass
class Ledger:
    """What the run created on live targets; one JSON line per event, appended as it happens."""

    path: Path
    pending: dict[tuple[str, str], Entry] = field(default_factory=dict)
    owned: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def created(self, *entries: Entry) -> None:
        """Record created records; a batch's records go to the file in one append."""
        if not entries:
            return
        with self._lock:
            for entry in entries:
                key = (entry.api, entry.record)
                self.owned.add(key)
                self.pending[key] = entry
            self._append(*({"event": "created", **entry.__dict__} for entry in entries))

    def gone(self, api: str, record: str) -> None:
        with self._lock:
            if self.pending.pop((api, record), None) is not None:
                self._append({"event": "gone", "api": api, "record": record})

    def owns(self, api: str, record: str) -> bool:
        return (api, record) in self.owned

    def _append(self, *events: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        at = datetime.now(UTC).isoformat()
        with self.path.open("a", encoding="utf-8") as sink:
            sink.writelines(json.dumps({"at": at, **event}) + "\n" for event in events)

    @classmethod
    def load(cls, path: Path) -> Ledger:
        ledger = cls(path)
        for line in path.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            key = (event["api"], event["record"])
            if event["event"] == "created":
                ledger.owned.add(key)
                ledger.pending[key] = Entry(event["api"], event["record"], event["delete"])
            else:
                ledger.pending.pop(key, None)
        return ledger

    def cleanup(self, token_for: Callable[[str], str]) -> CleanupResult:
        """Delete every pending record; a 404 counts as already gone."""
        result = CleanupResult()
        with requests.Session() as session:
            for (api, record), entry in list(self.pending.items()):
                if entry.delete is None:
                    result.kept.append(entry)
                    continue
                try:
                    response = session.request(
                        entry.delete["method"],
                        entry.delete["url"],
                        params=entry.delete.get("query") or None,
                        headers={"Authorization": f"Bearer {token_for(api)}"},
                        timeout=30,
                    )
                except requests.RequestException as exc:
                    result.failed.append((entry, str(exc)))
                    continue
                if response.status_code < 300 or response.status_code in (404, 410):
                    self.gone(api, record)
                    result.deleted.append(entry)
                else:
                    result.failed.append((entry, f"{response.status_code} {response.text[:200]}"))
        return result


@dataclass
class CleanupResult:
    deleted: list[Entry] = field(default_factory=list)
    failed: list[tuple[Entry, str]] = field(default_factory=list)
    kept: list[Entry] = field(default_factory=list)

    def lines(self, ledger: Path) -> Iterator[str]:
        if self.deleted:
            yield f"contracts: cleanup deleted {len(self.deleted)} record(s) the run created"
        for entry, reason in self.failed:
            yield escaped(f"contracts: cleanup could NOT delete {entry.api} record {entry.record}: {reason}")
        if self.kept:
            by_api: dict[str, list[str]] = {}
            for entry in self.kept:
                by_api.setdefault(entry.api, []).append(entry.record)
            for api, records in by_api.items():
                shown = ", ".join(records[:10]) + (f" and {len(records) - 10} more" if len(records) > 10 else "")
                yield escaped(f"contracts: {api} offers no delete; the run left {len(records)} record(s): {shown}")
        if self.kept:
            yield f"contracts: every record the run left is listed in {ledger}"
        if self.failed:
            yield f"contracts: the ledger of this run is {ledger} (`contracts cleanup {ledger}` retries)"




def cleanup_ledger(ledger: Ledger, token_for: Callable[[str], str]) -> list[str]:
    """Delete the ledger's pending records; the ledger file goes when nothing is left in it."""
    result = ledger.cleanup(token_for)
    lines = list(result.lines(ledger.path))
    if not ledger.pending:
        ledger.path.unlink(missing_ok=True)
    return lines
