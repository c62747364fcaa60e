"""`contracts drift` end to end: a drifted Kona (tests/drifted.py, ten planted drifts covering
every finding kind) is reported drift by drift, each once with its kind and place; a faithful
one (our own mock, served) gives no finding, three runs in a row, on the same upstream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from contracts.cli import main
from contracts.drift.compare import KINDS
from mockserver import create_app
from tests.drifted import DRIFTS, PLANTED, drifted
from tests.servers import WsgiApp, serve

AUTH = {"Authorization": "Bearer dev-token"}


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


def test_capture_writes_what_live_read_as_a_seed_file_the_mock_loads(tmp_path: Path) -> None:
    from mockserver.serving import build_app

    november = 1479168000000  # 2016-11-15, inside the window of Kona's documented list request
    staging = {
        "kona": {"events": [{"id": 500, "name": "Board meeting", "start_at": november, "end_at": november + 3_600_000}]},
        "b2core": {"events": [{"id": 700, "caption": "Audit", "startDate": "2030-01-01T09:00:00Z",
                               "endDate": "2030-01-01T10:00:00Z"}]},
    }
    upstream_app = create_app({"strict": True, "log_requests": False}, apis=["kona", "b2core"])
    assert upstream_app.test_client().post("/__mock/state", json=staging).status_code == 200
    seed = tmp_path / "staging.yaml"
    with serve(upstream_app) as upstream:
        code = main(["drift", "--api", "kona", "--api", "b2core", "--base-url", upstream.url, "--only", "examples",
                     "--ledger", str(tmp_path / "ledger.jsonl"), "--capture", str(seed)])
        live = {
            "kona": requests.get(f"{upstream.url}/kona/api/calendar_events/500", headers=AUTH).json(),
            "b2core": requests.get(f"{upstream.url}/b2core/api/v2/calendars/events/700", headers=AUTH).json(),
        }
    assert code == 0
    captured = yaml.safe_load(seed.read_text())
    assert {api: [e["id"] for e in part["events"]] for api, part in captured.items()} == {
        "b2core": [700], "kona": [500]  # the records the run made itself are not kept
    }
    served = build_app({"seed": str(seed), "access_log": "off"}).test_client()
    # asked at live's address: Kona's href names the server that answers
    kona = served.get("/kona/api/calendar_events/500", headers=AUTH, base_url=upstream.url)
    assert kona.get_json() == live["kona"]
    assert served.get("/b2core/api/v2/calendars/events/700", headers=AUTH).get_json() == live["b2core"]


def test_read_only_sends_live_nothing_that_could_change_state(tmp_path: Path) -> None:
    with serve(mock_app()) as upstream:
        code, report = drift_run(upstream.url, tmp_path, "--read-only")
    assert code == 0 and report["summary"]["requests"] > 5
    assert upstream.methods() == {"GET"}, upstream.requests
    assert any("would change state (--read-only)" in note for note in report["meta"]["notes"])
