"""`contracts drift` as a user runs it: a process of its own (the in-process tests share one
interpreter, so an import-order mistake — schemathesis imported before a pytest session starts —
would not show there)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mockserver import create_app
from tests.servers import serve


def test_the_command_compares_a_served_mock_and_writes_its_reports(tmp_path: Path) -> None:
    app = create_app({"strict": True, "log_requests": False}, apis=["b2core"])
    with serve(app) as upstream:
        done = subprocess.run(
            [sys.executable, "-m", "contracts.cli", "drift", "--api", "b2core", "--base-url", upstream.url,
             "--ledger", str(tmp_path / "ledger.jsonl"), "--report", str(tmp_path / "drift.json"),
             "--report", str(tmp_path / "drift.html")],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "NO DRIFT: 0 finding(s)" in done.stdout
    report = json.loads((tmp_path / "drift.json").read_text())
    assert report["summary"]["requests"] > 20 and report["findings"] == []
    assert not [n for n in report["meta"]["notes"] if "stopped early" in n]
    assert (tmp_path / "drift.html").read_text().startswith("<!doctype html>")
    assert {method for method, _ in upstream.requests} >= {"POST", "GET", "PUT", "PATCH", "DELETE"}
