"""The drift report as text (the terminal), Markdown, HTML or JSON; the same content in each."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.drift.compare import KINDS, DriftResult, Finding
from contracts.drift.ignore import Triage


@dataclass(frozen=True)
class DriftReport:
    result: DriftResult
    triage: Triage
    meta: Mapping[str, Any] = field(default_factory=dict)  # api, live base URL, started, ...

    @property
    def failed(self) -> bool:
        return bool(self.triage.reported)

    def headline(self) -> str:
        reported, ignored = len(self.triage.reported), len(self.triage.ignored)
        requests = sum(self.result.compared.values())
        verdict = "DRIFT" if self.failed else "NO DRIFT"
        extra = f" ({ignored} ignored)" if ignored else ""
        return (
            f"{verdict}: {reported} finding(s){extra} over {requests} request(s) "
            f"on {len(self.result.compared)} operation(s)"
        )

    def by_operation(self) -> list[tuple[str, str, int, list[Finding]]]:
        grouped: dict[tuple[str, str], list[Finding]] = {key: [] for key in self.result.compared}
        for finding in self.triage.reported:
            grouped.setdefault((finding.api, finding.operation), []).append(finding)
        return [
            (api, op, self.result.compared[(api, op)], found) for (api, op), found in sorted(grouped.items())
        ]

    def export(self) -> dict[str, Any]:
        return {
            "meta": dict(self.meta),
            "summary": {
                "findings": len(self.triage.reported),
                "ignored": len(self.triage.ignored),
                "requests": sum(self.result.compared.values()),
                "unstable_requests": [f"{s.api} {s.request}" for s in self.result.unstable],
                "failed": self.failed,
            },
            "operations": [
                {"api": api, "operation": op, "requests": count, "findings": [f.id for f in found]}
                for api, op, count, found in self.by_operation()
            ],
            "findings": [finding.export() for finding in self.triage.reported],
            "ignored": [{**i.finding.export(), "reason": i.reason} for i in self.triage.ignored],
            "stale_ignore_entries": self.triage.stale,
        }


def _seen(finding: Finding) -> str:
    more = f"; {finding.samples} requests" if finding.samples > 1 else ""
    return f"first seen on {finding.request}{more}"


def text(report: DriftReport) -> str:
    meta = report.meta
    lines = [f"contracts drift: {meta.get('api', '?')} live {meta.get('live', '?')} against the mock"]
    for api, op, count, found in report.by_operation():
        mark = f"{len(found)} finding(s)" if found else "ok"
        lines.append(f"{api:<13}{op:<50}{count:>4} request(s)  {mark}")
        for finding in found:
            lines.append(f"    {finding.id}  [{finding.kind}] {finding.message}")
            lines.append(f"        {_seen(finding)}")
    for sample in report.result.unstable:
        lines.append(
            f"unstable: live answered {sample.request} with {sample.live[0].status} and then {sample.live[1].status}"
        )
    lines += [f"note: {note}" for note in report.meta.get("notes", ())]
    for ignored in report.triage.ignored:
        lines.append(f"ignored: {ignored.finding.id} ({ignored.reason})")
    for stale in report.triage.stale:
        lines.append(f"stale ignore entry: {stale} matched no finding of this run")
    lines.append(report.headline())
    return "\n".join(lines) + "\n"


def _md(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(report: DriftReport) -> str:
    meta = report.meta
    lines = [
        f"# Drift report: {meta.get('api', '?')}",
        "",
        f"Live `{meta.get('live', '?')}` against the in-process mock, {meta.get('started', '')}.",
        "",
        f"**{report.headline()}**",
        "",
        "| API | operation | requests | findings |",
        "|---|---|---:|---:|",
    ]
    operations = report.by_operation()
    lines += [f"| {api} | `{_md(op)}` | {count} | {len(found)} |" for api, op, count, found in operations]
    for api, op, _count, found in operations:
        if not found:
            continue
        lines += [
            "",
            f"## {api} `{_md(op)}`",
            "",
            "| id | kind | where | what | first seen on |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{f.id}` | {f.kind} | `{_md(f.where or '/')}` | {_md(f.message)} | `{_md(f.request)}` ({f.samples}) |"
            for f in found
        ]
    if report.triage.ignored:
        lines += ["", "## Ignored (reviewed)", "", "| id | reason |", "|---|---|"]
        lines += [f"| `{i.finding.id}` | {_md(i.reason)} |" for i in report.triage.ignored]
    if report.triage.stale:
        lines += [
            "",
            "Stale ignore entries (no such finding this run): "
            + ", ".join(f"`{s}`" for s in report.triage.stale),
        ]
    lines += ["", "Kinds: " + "; ".join(f"**{kind}**: {text}" for kind, text in KINDS.items()) + "."]
    return "\n".join(lines) + "\n"


def _h(value: Any) -> str:
    return html.escape(str(value))


def html_page(report: DriftReport) -> str:
    meta = report.meta
    rows = []
    for api, op, count, found in report.by_operation():
        rows.append(f"<tr><th colspan=5>{_h(api)} <code>{_h(op)}</code> — {count} request(s)</th></tr>")
        rows += [
            f"<tr class={_h(f.kind)}><td><code>{_h(f.id)}</code></td><td>{_h(f.kind)}</td>"
            f"<td><code>{_h(f.where or '/')}</code></td><td>{_h(f.message)}</td>"
            f"<td><code>{_h(f.request)}</code> ({f.samples})</td></tr>"
            for f in found
        ]
    ignored = "".join(
        f"<li><code>{_h(i.finding.id)}</code>: {_h(i.reason)}</li>" for i in report.triage.ignored
    )
    stale = "".join(f"<li><code>{_h(s)}</code></li>" for s in report.triage.stale)
    kinds = "".join(f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in KINDS.items())
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Drift report: {_h(meta.get('api', '?'))}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#eee}</style>"
        f"</head><body><h1>Drift report: {_h(meta.get('api', '?'))}</h1>"
        f"<p>Live <code>{_h(meta.get('live', '?'))}</code> against the in-process mock, {_h(meta.get('started', ''))}.</p>"
        f"<p><strong>{_h(report.headline())}</strong></p>"
        "<table><tr><th>id</th><th>kind</th><th>where</th><th>what</th><th>first seen on</th></tr>"
        f"{''.join(rows)}</table>"
        + (f"<h2>Ignored (reviewed)</h2><ul>{ignored}</ul>" if ignored else "")
        + (f"<h2>Stale ignore entries</h2><ul>{stale}</ul>" if stale else "")
        + f"<h2>Kinds</h2><dl>{kinds}</dl></body></html>\n"
    )


def as_json(report: DriftReport) -> str:
    return json.dumps(report.export(), indent=2, default=str) + "\n"


FORMATS: Mapping[str, Callable[[DriftReport], str]] = {
    ".txt": text,
    ".md": markdown,
    ".html": html_page,
    ".json": as_json,
}


def write(report: DriftReport, path: str | Path) -> None:
    """Write the report in the format its file name ends with (.txt, .md, .html, .json)."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"report {path}: the name must end in one of {', '.join(FORMATS)}")
    Path(path).write_text(FORMATS[suffix](report), encoding="utf-8")
