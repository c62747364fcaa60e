"""The contract run's report: JUnit XML consumers can read, the printed summary and ``--report``.

Each end-to-end test runs the 12Twenty suite (quick profile, narrowed with -k) in this process;
one against a variant of the mock with one planted defect, one against the real mock.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from lxml import etree

from contracts.cli import main
from contracts.ledger import CleanupResult, Entry
from contracts.options import RunConfig, UsageError
from contracts.report import report_format
from contracts.rows import mask
from contracts.text import escaped
from mockserver import create_app
from mockserver.apis import API_DEFINITIONS
from mockserver.registry import Reply, RequestContext
from mockserver.spec import SPECS_DIR, Spec

ROOT = Path(__file__).resolve().parents[1]
JUNIT_XSD = ROOT / "tests" / "data" / "junit.xsd"
SECRET = "s3cret-report-token"
BATCH = "PUT /api/v2/calendar-events/batch"
SCENARIOS = {"test_empty_batch_is_ok", "test_seed_request_gets_one_success_per_item_in_order"}
SELECTION = "test_schema or empty_batch_is_ok or seed_request_gets_one_success"


def id_as_string_app() -> Flask:
    """An ``--app`` factory: the batch answers each ``Id`` as a string (the spec says integer).

    It accepts SECRET as a bearer token, so the test can check that no report shows it.
    """
    definition = API_DEFINITIONS["twelvetwenty"]
    honest = definition.handlers["upsertCalendarEvents"]

    def drifting(ctx: RequestContext[Any]) -> Reply:
        reply = honest(ctx)
        body = [{**r, "Id": str(r["Id"])} if "Id" in r else r for r in reply.body]
        return dataclasses.replace(reply, body=body)

    broken = dataclasses.replace(
        definition, handlers={**definition.handlers, "upsertCalendarEvents": drifting}
    )
    config = {"strict": False, "log_requests": False, "tokens": ["dev-token", SECRET]}
    return create_app(config, definitions=[broken])


@dataclass
class Result:
    returncode: int
    stdout: str


def run_contracts(capsys: Any, tmp_path: Path, report: str, app: str | None = None) -> Result:
    """``contracts run`` of the 12Twenty suite, in this process."""
    args = ["run", "--api", "twelvetwenty", "--profile", "quick", "-k", SELECTION]
    args += ["--junit-xml", str(tmp_path / "junit.xml"), "--report", str(tmp_path / report)]
    if app:
        args += ["--app", app, "--token", SECRET]
    code = main(args)
    out, err = capsys.readouterr()
    return Result(code, out + err)


_BROKEN: list[tuple[Result, Path]] = []


@pytest.fixture
def broken_run(tmp_path_factory: pytest.TempPathFactory, capsys: Any) -> tuple[Result, Path]:
    """One run against the broken app, shared by the tests that read it."""
    if not _BROKEN:
        tmp_path = tmp_path_factory.mktemp("broken-run")
        _BROKEN.append((run_contracts(capsys, tmp_path, "report.md", app="tests.test_report:id_as_string_app"), tmp_path))
    return _BROKEN[0]


def schema_testcases() -> set[str]:
    return {f"test_schema[{op.label}]" for op in Spec.from_file(SPECS_DIR / "twelvetwenty.yaml").operations}


def test_junit_xml_validates_with_one_testcase_per_operation_and_scenario(broken_run: Any) -> None:
    result, tmp_path = broken_run
    document = etree.parse(str(tmp_path / "junit.xml"))
    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    assert schema.validate(document), schema.error_log
    cases = {case.get("name"): case for case in document.iter("testcase")}
    assert schema_testcases() == {
        f"test_schema[{BATCH}]",
        "test_schema[GET /api/client/generateAuthenticationToken]",
    }
    assert set(cases) == schema_testcases() | SCENARIOS
    assert {case.get("classname") for case in cases.values()} == {"contracts.test_twelvetwenty"}
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {f"test_schema[{BATCH}]", "test_seed_request_gets_one_success_per_item_in_order"}
    # The schema is not vacuous: a testcase without a name is rejected.
    next(document.iter("testcase")).attrib.pop("name")
    assert not schema.validate(document)


def test_markdown_report_shows_operations_counts_and_each_failure_with_curl(broken_run: Any) -> None:
    result, tmp_path = broken_run
    assert result.returncode == 1, result.stdout + result.stderr
    text = (tmp_path / "report.md").read_text()
    assert text.startswith("# Contract run report\n")
    assert "- **Profile:** quick (10 generated cases per operation)" in text
    assert "- **Target of twelvetwenty:** in-process app tests.test_report:id_as_string_app" in text
    rows = dict(re.findall(r"^\| `((?:GET|PUT) [^`]+)` \| (\d+ \| \d+ \| \d+) \| [\d.]+ s \| [\w ]+ \|$", text, re.M))
    assert set(rows) == {label.removeprefix("test_schema[").removesuffix("]") for label in schema_testcases()}
    cases, successes, failures = (int(n) for n in rows[BATCH].split(" | "))
    assert cases > 0 and failures == 1
    token_cases, token_successes, token_failures = (
        int(n) for n in rows["GET /api/client/generateAuthenticationToken"].split(" | ")
    )
    assert token_successes > 0 and successes > 0
    assert token_cases > 0 and token_failures == 0
    assert "Scenarios: 1 passed, 1 failed, 0 skipped." in text
    failures_part = text.split("## Failures", 1)[1]
    # The planted wrong type, named by the check that caught it, with a curl line replaying it.
    assert "**ST108 Response violates schema** (`response_schema_conformance`" in failures_part
    assert re.search(
        r"```bash\ncurl -X PUT .*http://localhost/twelvetwenty/api/v2/calendar-events/batch\n",
        failures_part,
    )
    # The failed scenario with the request it sent, whose answer broke the rule.
    scenario = failures_part.split("`test_seed_request_gets_one_success_per_item_in_order`", 1)[1]
    assert re.search(r"curl -X PUT .*calendar-events/batch  # → 200", scenario)
    assert "Authorization: [Filtered]" in text and SECRET not in text


def test_summary_and_progress_are_printed(broken_run: Any) -> None:
    result, _ = broken_run
    progress = re.search(
        rf"^twelvetwenty +{re.escape(BATCH)} +(\d+) cases +\d+ 2xx +1 failure +[\d.]+ s FAILED", result.stdout, re.M
    )
    assert progress and int(progress.group(1)) > 0, result.stdout
    summary = result.stdout.split("contract run summary", 1)[1]
    assert "twelvetwenty: in-process app tests.test_report:id_as_string_app" in summary
    assert re.search(rf"^  {re.escape(BATCH)} +\d+ +\d+ +1 +[\d.]+ s  FAILED$", summary, re.M)
    assert f"  contracts/test_twelvetwenty.py::test_schema[{BATCH}]" in summary
    assert "    ST108 Response violates schema [response_schema_conformance]" in summary
    assert re.search(r"^      curl -X PUT -H 'Authorization: \[Filtered\]'", summary, re.M)
    assert SECRET not in summary


def test_clean_run_reports_no_failure_as_html(tmp_path: Path, capsys: Any) -> None:
    result = run_contracts(capsys, tmp_path, "report.html")
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert f"<td><code>{BATCH}</code></td>" in page
    assert "<h2>Failures</h2>\n<p>None.</p>" in page
    assert "<p>Scenarios: 2 passed, 0 failed, 0 skipped.</p>" in page
    assert "PASSED: 4 tests (4 passed, 0 failed, 0 skipped)" in result.stdout


def test_report_format_comes_from_the_file_name() -> None:
    assert report_format(Path("out/run.md")) == "markdown"
    assert report_format(Path("run.HTML")) == "html"
    with pytest.raises(UsageError, match=r"must end in \.md"):
        RunConfig.build({"report": "run.txt"}, {})


def test_mask_hides_credentials() -> None:
    curl = (
        "curl -X GET -H 'Authorization: Bearer abc123' -H 'X-Api-Key: k1' "
        "'http://h/api/client/generateAuthenticationToken?key=dev-api-key&x=1' -d '{\"t\": \"tok-9999\"}'"
    )
    masked = mask(curl, ["tok-9999"])
    assert "abc123" not in masked and "k1'" not in masked and "dev-api-key" not in masked
    assert "tok-9999" not in masked and "&x=1" in masked
    assert "Authorization: [Filtered]" in masked and "?key=[Filtered]&x=1" in masked


def test_control_characters_never_reach_the_output() -> None:
    fuzzed = "ct1-\x1b[2J\x07\u202eevil\nnext"
    assert escaped(fuzzed) == "ct1-\\x1b[2J\\x07\\u202eevil\\nnext"
    lines = list(CleanupResult(kept=[Entry("twelvetwenty", fuzzed, None)]).lines(Path("l.jsonl")))
    assert lines and not any(ch in line for line in lines for ch in "\x1b\x07\u202e\n"), lines
    assert "ct1-\\x1b[2J" in lines[0]


def test_a_failed_scenario_shows_the_request_that_failed_not_its_teardown(capsys: Any) -> None:
    """B2Core's scenario fixture resets the mock's clock in its teardown (DELETE /__mock/clock):
    the curl line of the failure is the GET whose 404 came in the wrong envelope."""
    code = main(
        ["run", "--api", "b2core", "--app", "tests.planted:b2core_404_in_another_envelope", "-k", "test_unknown_event_is_404 and GET"]
    )
    out, err = capsys.readouterr()
    assert code == 1, out + err
    failures = out.split("failures:", 1)[1]
    assert re.search(r"^      curl -X GET .*/b2core/api/v2/calendars/events/\d+  # → 404$", failures, re.M), failures
    assert "__mock/clock" not in failures
