"""`contracts drift` end to end: a drifted Kona (tests/drifted.py, ten planted drifts covering
every finding kind) is reported drift by drift, each once with its kind and place; a faithful
one (our own mock, served) gives no finding, three runs in a row, on the same upstream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contracts.cli import main
from contracts.drift.compare import KINDS
from mockserver import create_app
from tests.drifted import DRIFTS, PLANTED, drifted
from tests.servers import WsgiApp, serve


def mock_app() -> WsgiApp:
    """The served upstream: our strict mock, Kona alone (what the runs compare)."""
    app: WsgiApp = create_app({"strict": True, "log_requests": False}, apis=["kona"])
    return app


def drift_run(url: str, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    report = tmp_path / f"drift-{len(list(tmp_path.iterdir()))}.json"
    code = main(
        ["drift", "--api", "kona", "--base-url", url, "--report", str(report),
         "--ledger", str(tmp_path / "ledger.jsonl"), *extra]
    )
    return code, json.loads(report.read_text())


def test_every_planted_drift_is_reported_once_with_its_kind(tmp_path: Path) -> None:
    assert {d.kind for d in DRIFTS} == set(KINDS)
    with serve(drifted(mock_app())) as upstream:
        code, report = drift_run(upstream.url, tmp_path)
    found = sorted((f["kind"], f["operation"], f["where"]) for f in report["findings"])
    assert found == PLANTED, json.dumps(report["findings"], indent=1)
    assert code == 1 and report["summary"]["failed"]
    assert not (tmp_path / "ledger.jsonl").exists()  # every record made on live was deleted


def test_a_faithful_upstream_gives_no_finding_three_runs_in_a_row(tmp_path: Path) -> None:
    with serve(mock_app()) as upstream:
        for _ in range(3):
            code, report = drift_run(upstream.url, tmp_path)
            assert report["findings"] == [], json.dumps(report["findings"], indent=1)
            assert code == 0 and report["summary"]["requests"] > 50
            assert not [n for n in report["meta"]["notes"] if "stopped early" in n], report["meta"]["notes"]


def test_reviewed_ignore_file_accepts_findings_and_names_stale_entries(tmp_path: Path) -> None:
    with serve(drifted(mock_app(), [d for d in DRIFTS if d.kind == "value"])) as upstream:
        code, first = drift_run(upstream.url, tmp_path, "--only", "examples")
        [finding] = first["findings"]
        ignore = tmp_path / "ignore.yaml"
        ignore.write_text(
            f"- id: {finding['id']}\n  reason: staging renames the demo user\n"
            "- id: kona-status-00000000\n  reason: an old drift, fixed since\n"
        )
        again, second = drift_run(upstream.url, tmp_path, "--only", "examples", "--ignore", str(ignore))
    assert code == 1 and again == 0
    assert second["findings"] == [] and [i["id"] for i in second["ignored"]] == [finding["id"]]
    assert second["stale_ignore_entries"] == ["kona-status-00000000"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--api", "kona"], "drift needs the live target"),
        (["--base-url", "http://127.0.0.1:9", "--report", "x.pdf"], "--report x.pdf"),
        (["--base-url", "ftp://x"], "not an http:// or https:// URL"),
        (["--base-url", "http://127.0.0.1:9", "--api", "nope"], "unknown API 'nope'"),
        (["--base-url", "http://127.0.0.1:9", "--api", "kona"], "cannot reach kona at http://127.0.0.1:9/kona"),
    ],
)
def test_usage_errors_and_an_unreachable_target_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["drift", *args]) == 2
    assert message in capsys.readouterr().err


def test_ignore_file_entries_need_a_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("- id: kona-value-1234abcd\n")
    assert main(["drift", "--base-url", "http://127.0.0.1:9", "--ignore", str(ignore)]) == 2
    assert "a reason is required" in capsys.readouterr().err
