"""``contracts drift --capture FILE``: the records read from live, as a state file the mock loads
with ``mockserver serve --seed FILE`` (``{api: {"events": [...]}}``, the shape ``GET
/__mock/state`` exports), so a local stub starts with realistic data.

Kept: every record a read answered with (``Resources.listed`` says where records sit in each
read's answer), as live's first answer showed it, the last read winning; left out: the records
the drift run created itself (they are deleted from live at its end). Each API's records are
loaded into a fresh mock before the file is written; a record the mock refuses is left out and
named (a PERSCOM event on a calendar the mock does not know, say). 12Twenty has no read: nothing
of it is captured.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contracts.apis import RESOURCES
from contracts.drift.answers import Sample
from contracts.drift.spec import spec_of
from contracts.resources import pointer_values


@dataclass
class Capture:
    owned: Callable[[str, str], bool] = lambda api, record: False
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # api → id → record
    refused: list[str] = field(default_factory=list)
    _ids: dict[str, dict[str, str]] = field(default_factory=dict)  # api → label → operationId

    def operation_id(self, api: str, label: str) -> str | None:
        if api not in self._ids:
            spec = spec_of(api)
            self._ids[api] = {op.label: op.operation_id for op in spec.operations}
        return self._ids[api].get(label)

    def observe(self, sample: Sample) -> None:
        live = sample.live[0]
        if not sample.operation.startswith("GET ") or not 200 <= live.status < 300 or not live.is_json:
            return
        pointer = RESOURCES[sample.api].listed.get(self.operation_id(sample.api, sample.operation) or "")
        if pointer is None:
            return
        for record in pointer_values(live.body, pointer):
            if isinstance(record, dict) and "id" in record:
                self.records.setdefault(sample.api, {})[str(record["id"])] = record

    def state(self) -> dict[str, Any]:
        """The state to write: per API the records the mock accepts, in id order."""
        from mockserver import create_app

        found: dict[str, Any] = {}
        for api, by_id in sorted(self.records.items()):
            kept = [r for key, r in sorted(by_id.items(), key=_order) if not self.owned(api, key)]
            if not kept:
                continue
            client = create_app({"log_requests": False}, apis=[api]).test_client()
            if client.post("/__mock/state", json={api: {"events": kept}}).status_code != 200:
                accepted = []
                for record in kept:
                    answer = client.post("/__mock/state", json={api: {"events": [record]}})
                    if answer.status_code == 200:
                        accepted.append(record)
                    else:
                        self.refused.append(f"{api} event {record['id']}: {answer.get_data(as_text=True)[:200]}")
                kept = accepted
            if kept:
                found[api] = {"events": kept}
        return found

    def write(self, path: str | Path) -> int:
        """Write the state file (JSON for a .json name, else YAML); the number of records."""
        state = self.state()
        target = Path(path)
        if target.suffix.lower() == ".json":
            text = json.dumps(state, indent=2, ensure_ascii=False) + "\n"
        else:
            text = yaml.safe_dump(state, sort_keys=False, allow_unicode=True)
        target.write_text(text, encoding="utf-8")
        return sum(len(part["events"]) for part in state.values())


def _order(item: tuple[str, Any]) -> tuple[int, int | str]:
    key = item[0]
    return (0, int(key)) if key.isdigit() else (1, key)
