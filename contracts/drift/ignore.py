"""The reviewed ignore file: findings a team has looked at and accepted, each with a reason.

```yaml
- id: perscom-value-3fa9c2d1
  reason: staging's seed data titles events differently; the mock's are ours
```
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contracts.drift.compare import KINDS, Finding

_ID = re.compile(rf"^[a-z0-9]+-({'|'.join(map(re.escape, KINDS))})-[0-9a-f]{{8}}$")


class IgnoreFileError(ValueError):
    """The ignore file cannot be used as it is; the message says where and why."""


@dataclass(frozen=True)
class Ignored:
    finding: Finding
    reason: str


@dataclass
class Triage:
    """A run's findings split by the ignore file."""

    reported: list[Finding] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # entries no finding of this run matched


def load_ignore_file(path: str | Path) -> dict[str, str]:
    """``{finding id: reason}``; every entry needs an id of a finding and a non-empty reason."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise IgnoreFileError(f"cannot read ignore file {path}: {exc}") from exc
    if data is None:
        return {}
    if isinstance(data, Mapping) and set(data) == {"ignore"}:
        data = data["ignore"]
    if not isinstance(data, list):
        raise IgnoreFileError(f"{path}: expected a list of {{id, reason}} entries")
    return _entries(path, data)


def _entries(path: str | Path, data: list[Any]) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, entry in enumerate(data, 1):
        where = f"{path}: entry {number}"
        if not isinstance(entry, Mapping):
            raise IgnoreFileError(f"{where}: expected a mapping with id and reason, got {entry!r}")
        unknown = sorted(set(map(str, entry)) - {"id", "reason"})
        if unknown:
            raise IgnoreFileError(f"{where}: unknown key(s) {', '.join(unknown)} (only id and reason)")
        finding_id, reason = entry.get("id"), entry.get("reason")
        if not isinstance(finding_id, str) or not _ID.match(finding_id):
            raise IgnoreFileError(
                f"{where}: id {finding_id!r} is not a finding id (like perscom-value-3fa9c2d1)"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise IgnoreFileError(
                f"{where} ({finding_id}): a reason is required: why is this drift accepted?"
            )
        if finding_id in entries:
            raise IgnoreFileError(f"{where}: {finding_id} is listed twice")
        entries[finding_id] = reason.strip()
    return entries


def triage(findings: Iterable[Finding], entries: Mapping[str, str]) -> Triage:
    result = Triage()
    seen = set()
    for finding in findings:
        seen.add(finding.id)
        if finding.id in entries:
            result.ignored.append(Ignored(finding, entries[finding.id]))
        else:
            result.reported.append(finding)
    result.stale = sorted(set(entries) - seen)
    return result
