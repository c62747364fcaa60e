"""The run report laid out: one document of blocks (:func:`document`), rendered as Markdown or
HTML by two thin renderers, and the terminal summary. Row texts are already clean
(``contracts.rows.clean``); the renderers only escape their own markup."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from contracts.rows import Results, Row, scenario_counts, shorten

# A curl line longer than this (a 1000-item batch) is cut, saying how much was left out.
CURL_LIMIT = {"terminal": 400, "file": 4000}


@dataclass
class Block:
    kind: str  # heading | para | items | table | code
    text: str = ""
    level: int = 2
    items: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # (row class, cells)


def result_of(row: Row) -> str:
    if row.outcome == "failed" and row.error and row.error.startswith("not exercised"):
        return "not exercised"
    return row.outcome


def operation_table(rows: list[Row]) -> Block:
    table = Block("table", header=["Operation", "Cases", "2xx", "Failures", "Time", "Result"])
    for row in rows:
        name = f"`{row.name}`" if row.kind == "operation" else "stateful (the spec's links)"
        table.rows.append(
            (
                row.outcome,
                [name, str(row.total_cases), str(row.total_successes), str(row.failure_count), f"{row.duration:.1f} s", result_of(row)],
            )
        )
        if row.kind == "stateful":
            for label, count in sorted(row.cases.items()):
                table.rows.append(("", [f"↳ `{label}`", str(count), str(row.successes[label]), "", "", ""]))
    return table


def document(report: Results) -> list[Block]:
    limit = CURL_LIMIT["file"]
    started = datetime.fromtimestamp(report.started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    blocks = [
        Block("heading", "Contract run report", level=1),
        Block(
            "items",
            items=[
                f"**Result:** {report.totals_line()}",
                f"**Started:** {started}",
                f"**Profile:** {report.profile_line()}",
                *(f"**Target of {api}:** {report.target_of(api)}" for api in report.apis),
            ],
        ),
        Block(
            "para",
            "Cases are the requests schemathesis generated and checked; 2xx counts the answers that were "
            "successes (an operation with none is not exercised: nothing of it was tested); a failure is "
            "one distinct failed check (code ST…) or an error of a test. Scenarios are the hand-written "
            "tests of rules a schema cannot state.",
        ),
    ]
    if any(report.target_of(api).startswith("in-process") for api in report.apis):
        blocks.append(
            Block(
                "para",
                "The in-process mock has no socket: its curl lines name `http://localhost/<api>`. To replay "
                "one, serve the mock (`python3 dev.py serve`) and send it to `http://127.0.0.1:8080/<api>`.",
            )
        )
    for api in report.apis:
        blocks += [Block("heading", api), Block("para", f"Target: {report.target_of(api)}")]
        operations = report.rows_of(api, "operation", "stateful")
        if operations:
            blocks.append(operation_table(operations))
        scenarios = report.rows_of(api, "scenario")
        if scenarios:
            blocks.append(Block("para", f"Scenarios: {scenario_counts(scenarios)}."))
            table = Block("table", header=["Scenario", "Result", "Time"])
            for row in scenarios:
                result = row.outcome + (f": {row.skip_reason}" if row.skip_reason else "")
                table.rows.append((row.outcome, [f"`{row.name}`", result, f"{row.duration:.2f} s"]))
            blocks.append(table)
    blocks.append(Block("heading", "Failures"))
    if not report.failed:
        blocks.append(Block("para", "None."))
    for row in report.failed:
        blocks += [Block("heading", f"{row.api}: `{row.name}`", level=3), Block("para", f"Test: `{row.nodeid}`")]
        for failure in row.failures.values():
            blocks.append(
                Block("para", f"**{failure.code} {failure.title}** (`{failure.check}`, `{failure.operation}`): {failure.message}")
            )
            blocks.append(Block("code", items=[shorten(failure.curl, limit)]))
        if not row.failures:
            blocks.append(Block("para", row.error or "failed"))
            curls = [row.error_curl] if row.error_curl else list(row.requests)
            if curls:
                label = "Reproduce with:" if row.error_curl else "Last requests of the test (oldest first):"
                blocks += [Block("para", label), Block("code", items=[shorten(c, limit) for c in curls])]
    return blocks


# --- Markdown --------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: Results) -> str:
    out: list[str] = []
    for block in document(report):
        if block.kind == "heading":
            out += [f"{'#' * block.level} {block.text}", ""]
        elif block.kind == "para":
            out += [block.text, ""]
        elif block.kind == "items":
            out += [*(f"- {item}" for item in block.items), ""]
        elif block.kind == "code":
            out += ["```bash", *block.items, "```", ""]
        elif block.kind == "table":
            out.append("| " + " | ".join(block.header) + " |")
            out.append("|" + "|".join("---:" if h in ("Cases", "2xx", "Failures", "Time") else "---" for h in block.header) + "|")
            out += ["| " + " | ".join(_md_cell(cell) for cell in cells) + " |" for _, cells in block.rows]
            out.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).rstrip() + "\n"


# --- HTML ------------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}"
    "tr.failed td{background:#fde2e2}tr.skipped td{color:#777}"
    "pre{background:#f5f5f5;padding:.5rem;white-space:pre-wrap;word-break:break-all}"
)


def _inline(text: str) -> str:
    """Escape, then the two Markdown marks the document uses: **bold** and `code`."""
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def render_html(report: Results) -> str:
    body: list[str] = []
    for block in document(report):
        if block.kind == "heading":
            body.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif block.kind == "para":
            body.append(f"<p>{_inline(block.text)}</p>")
        elif block.kind == "items":
            body.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in block.items) + "</ul>")
        elif block.kind == "code":
            body.append("<pre>" + html.escape("\n".join(block.items)) + "</pre>")
        elif block.kind == "table":
            body.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in block.header) + "</tr>")
            for css, cells in block.rows:
                klass = f" class='{css}'" if css else ""
                body.append(f"<tr{klass}>" + "".join(f"<td>{_inline(cell)}</td>" for cell in cells) + "</tr>")
            body.append("</table>")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Contract run report</title>"
        f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


# --- the terminal ----------------------------------------------------------------------------


def summary_lines(report: Results) -> list[str]:
    """The terminal summary: per API its operations and scenarios, then each failure."""
    limit = CURL_LIMIT["terminal"]
    lines: list[str] = []
    for api in report.apis:
        lines.append(f"{api}: {report.target_of(api)}")
        operations = report.rows_of(api, "operation", "stateful")
        if operations:
            lines.append(f"  {'operation':<50} {'cases':>6} {'2xx':>6} {'failures':>9} {'time':>8}")
            for row in operations:
                mark = {"failed": "  FAILED", "skipped": "  skipped"}.get(row.outcome, "")
                if result_of(row) == "not exercised":
                    mark = "  NOT EXERCISED"
                lines.append(
                    f"  {row.name:<50} {row.total_cases:>6} {row.total_successes:>6} {row.failure_count:>9}"
                    f" {row.duration:>6.1f} s{mark}"
                )
                if row.kind == "stateful":
                    lines.extend(
                        f"    {label:<48} {count:>6} {row.successes[label]:>6}" for label, count in sorted(row.cases.items())
                    )
        scenarios = report.rows_of(api, "scenario")
        if scenarios:
            lines.append(f"  scenarios: {scenario_counts(scenarios)}")
    lines.append(report.totals_line())
    if report.failed:
        lines.append("failures:")
    for row in report.failed:
        lines.append(f"  {row.nodeid}")
        for failure in row.failures.values():
            lines.append(f"    {failure.code} {failure.title} [{failure.check}]: {shorten(failure.message, 200)}")
            lines.append(f"      {shorten(failure.curl, limit)}")
        if not row.failures:
            lines.append(f"    {shorten(row.error or 'failed', 200)}")
            curl = row.error_curl or (row.requests[-1] if row.requests else None)
            if curl:
                lines.append(f"      {shorten(curl, limit)}")
    return lines
