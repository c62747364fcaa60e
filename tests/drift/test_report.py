"""The drift report: the ignore file, the four formats, the enum check against a real spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html

from contracts.drift.answers import Answer, Sample
from contracts.drift.compare import compare
from contracts.drift.ignore import IgnoreFileError, load_ignore_file, triage
from contracts.drift.render import FORMATS, DriftReport, write
from contracts.drift.spec import SpecEnums
from mockserver.apis import API_DEFINITIONS

JSON = {"content-type": "application/json"}


def drifted() -> DriftReport:
    def pair(live: object, mock: object, status: int = 200) -> Sample:
        one = Answer.parse(status, JSON.items(), json.dumps(live))
        return Sample(
            "kona",
            "GET /api/x/{id}",
            "GET /api/x/1",
            (one, one),
            Answer.parse(status, JSON.items(), json.dumps(mock)),
        )

    result = compare([pair({"a": 1, "b": "<b>|"}, {"a": 2, "b": "<i>"}), pair({"m": "x"}, {"m": "x"}, 404)])
    return DriftReport(result, triage(result.findings, {}), {"api": "kona", "live": "http://127.0.0.1:1"})


def write_ignore(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drift-ignore.yaml"
    path.write_text(text)
    return path


def test_ignored_findings_need_a_reason_and_leave_the_run_green(tmp_path: Path) -> None:
    report = drifted()
    first, second = report.triage.reported
    path = write_ignore(
        tmp_path, f"- id: {first.id}\n  reason: staging data\n- id: kona-value-00000000\n  reason: old\n"
    )
    split = triage(report.result.findings, load_ignore_file(path))
    assert [f.id for f in split.reported] == [second.id]
    assert [(i.finding.id, i.reason) for i in split.ignored] == [(first.id, "staging data")]
    assert split.stale == ["kona-value-00000000"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- id: kona-value-1234abcd\n", "a reason is required"),
        ("- id: kona-value-1234abcd\n  reason: '  '\n", "a reason is required"),
        ("- id: nonsense\n  reason: x\n", "is not a finding id"),
        ("- id: kona-value-1234abcd\n  reason: x\n  until: 2030\n", "unknown key(s) until"),
        ("- id: kona-value-1234abcd\n  reason: x\n- id: kona-value-1234abcd\n  reason: y\n", "listed twice"),
        ("id: kona-value-1234abcd\n", "expected a list"),
        ("- [1, 2]\n", "expected a mapping"),
        ("- id: [unclosed\n", "cannot read ignore file"),
    ],
)
def test_bad_ignore_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(IgnoreFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_ignore_file(write_ignore(tmp_path, text))


def test_an_empty_ignore_file_and_the_mapping_form_load(tmp_path: Path) -> None:
    assert load_ignore_file(write_ignore(tmp_path, "")) == {}
    text = "ignore:\n  - id: kona-type-1234abcd\n    reason: known\n"
    assert load_ignore_file(write_ignore(tmp_path, text)) == {"kona-type-1234abcd": "known"}


def test_every_format_carries_every_finding(tmp_path: Path) -> None:
    report = drifted()
    ids = [f.id for f in report.triage.reported]
    for suffix in FORMATS:
        path = tmp_path / f"drift{suffix}"
        write(report, path)
        content = path.read_text()
        assert all(i in content for i in ids), suffix
    exported = json.loads((tmp_path / "drift.json").read_text())
    assert exported["summary"]["failed"] is True and [f["id"] for f in exported["findings"]] == ids
    assert exported["operations"] == [
        {"api": "kona", "operation": "GET /api/x/{id}", "requests": 2, "findings": ids}
    ]
    page = lxml_html.fromstring((tmp_path / "drift.html").read_text())
    assert "<b>" in page.text_content() and not page.xpath("//b")  # values are escaped
    assert "\\|" in (tmp_path / "drift.md").read_text()  # a | in a value does not break the table
    with pytest.raises(ValueError, match="must end in one of"):
        write(report, tmp_path / "drift.pdf")


def test_text_report_reads_per_operation() -> None:
    report = drifted()
    out = FORMATS[".txt"](report)
    assert "GET /api/x/{id}" in out and "[value] /a is 1 on live (both calls), 2 on the mock" in out
    assert out.rstrip().endswith("DRIFT: 2 finding(s) over 2 request(s) on 1 operation(s)")


def test_enum_values_the_spec_does_not_list_are_found_with_the_mocks_validators() -> None:
    spec = API_DEFINITIONS["perscom"].load_spec()
    enums = SpecEnums(spec)
    create = next(op for op in spec.operations if op.operation_id == "createEvent")
    found = list(enums("perscom", create.label, 201, {"data": {"notifications_interval": ["pt0m", "p2d"]}}))
    assert [(p, v) for p, v, _ in found] == [("/data/notifications_interval/1", "p2d")]
    assert "pt15m" in found[0][2]
    assert list(enums("perscom", create.label, 201, {"data": {"notifications_interval": ["pt0m"]}})) == []
    assert list(enums("perscom", "GET /nowhere", 200, {})) == []
