"""`contracts run` as a user meets it: the pytest run it builds, one-line answers to mistakes,
the preflight that stops a run against a target that cannot be tested, and the exit codes."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from contracts import cli
from contracts import run as runs
from contracts.cli import AUTO, _parser, jobs_for, main, pytest_args
from contracts.harness import honour_seed
from contracts.options import RunConfig, UsageError
from contracts.rows import describe_profile
from contracts.suite import Suite
from tests.servers import mock_app, serve, static_app

KNOWN = "the known APIs are perscom, b2core, twelvetwenty, kona"


def test_options_become_pytest_arguments() -> None:
    args = _parser().parse_args(
        [
            "run",
            "--api",
            "twelvetwenty",
            "--base-url",
            "twelvetwenty=http://127.0.0.1:9/x",
            "--token",
            "twelvetwenty=secret",
            "--profile",
            "quick",
            "--seed",
            "7",
            "--junit-xml",
            "out.xml",
            "--allow-unexercised",
        ]
    )
    argv = pytest_args(args)
    assert argv[0].endswith("contracts/test_twelvetwenty.py")
    assert "--base-url=twelvetwenty=http://127.0.0.1:9/x" in argv
    assert "--token=twelvetwenty=secret" in argv
    assert {"--hypothesis-seed=7", "--junitxml=out.xml", "--profile=quick", "--allow-unexercised"} <= set(argv)


def test_safety_and_report_options_reach_pytest() -> None:
    args = _parser().parse_args(
        ["run", "--read-only", "--rate-limit", "5", "--ledger", "l.jsonl", "--report", "r.md"]
    )
    argv = pytest_args(args)
    assert {"--read-only", "--rate-limit=5.0", "--ledger=l.jsonl", "--report=r.md"} <= set(argv)
    assert sum(arg.endswith(".py") for arg in argv) == 4  # every API by default


def test_the_run_configuration_is_built_once_from_options_and_variables() -> None:
    environ = {"CONTRACTS_TOKEN": "all", "CONTRACTS_KONA_TOKEN": "k", "CONTRACTS_KONA_SPACE": "4"}
    config = RunConfig.build({"token": ["b2core=b"], "base_url": ["http://h:1/x"]}, environ)
    assert (config.token("kona"), config.token("b2core"), config.token("perscom")) == ("k", "b", "all")
    assert config.base_urls == {"*": "http://h:1/x"} and config.variable("kona", "SPACE") == "4"
    assert config.token("twelvetwenty") == "all" and RunConfig.build({"token": ["dG9r=="]}, {}).token("kona") == "dG9r=="


# --- one line for every mistake, exit 2 -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--api", "nope"], f"--api: unknown API 'nope'; {KNOWN}"),
        (["--base-url", "nope=http://x"], f"--base-url nope=…: unknown API 'nope'; {KNOWN}"),
        (["--token", "nope=secret"], f"--token nope=…: unknown API 'nope'; {KNOWN}"),
        (["--base-url", "localhost:8080"], "--base-urllocalhost:8080: not an http:// or https:// URL"),
        (["--rate-limit", "0"], "--rate-limit must be a positive number of requests per second"),
        (["--report", "run.txt"], "--report run.txt: the file name must end in .md (Markdown) or .html (HTML)"),
        (["--profile", "huge"], "argument --profile: invalid choice: 'huge'"),
        (["--jobs", "0"], "--jobs takes a whole number from 1, or auto, not '0'"),
        (["--jobs", "two"], "--jobs takes a whole number from 1, or auto, not 'two'"),
        (["--jobs", "2", "--base-url", "http://127.0.0.1:9"], "--jobs above 1 runs against the in-process mock only"),
    ],
)
def test_a_mistake_gets_one_line_and_exit_2(args: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and expected in err, err


def test_an_old_variable_name_is_a_mistake_not_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTRACTS_TOKEN_KONA", "secret")
    with pytest.raises(UsageError, match="CONTRACTS_TOKEN_KONA is not read any more: use CONTRACTS_KONA_TOKEN"):
        RunConfig.build({}, dict(__import__("os").environ))


# --- the preflight ----------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there any more


def preflighted(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, float]:
    started = time.monotonic()
    code = main(["run", "--profile", "quick", *args])
    out, err = capsys.readouterr()
    return code, out + err, time.monotonic() - started


def test_an_unreachable_target_stops_the_run_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    code, output, seconds = preflighted(capsys, "--api", "b2core", "--base-url", url)
    assert code == 2 and seconds < 10, output
    assert output.splitlines() == [f"contracts: cannot reach b2core at {url}/b2core: [Errno 111] Connection refused"]


def test_a_refused_token_stops_the_run_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with serve(mock_app()) as server:
        code, output, seconds = preflighted(
            capsys, "--api", "b2core", "--base-url", server.url, "--token", "wrong", "--read-only"
        )
    assert code == 2 and seconds < 10, output
    assert output.splitlines() == ["contracts: the token for b2core was refused: 401 on GET /api/v2/calendars/events"]
    assert server.requests == [("GET", "/b2core/api/v2/calendars/events")]  # nothing else was sent


@pytest.mark.parametrize(
    ("status", "body", "content_type", "says"),
    [
        ("200 OK", b"<html><body>Welcome to nginx!</body></html>", "text/html", "does not answer like the b2core API"),
        ("502 Bad Gateway", b"<html>502 Bad Gateway</html>", "text/html", "does not answer like the b2core API"),
        ("503 Service Unavailable", b'{"message": "down"}', "application/json", "b2core"),
        ("404 Not Found", b'{"message": "The calendar event was not found."}', "application/json", "b2core"),
        ("403 Forbidden", b'{"message": "no"}', "application/json", "the token for b2core was refused: 403"),
    ],
)
def test_a_target_that_is_not_usable_is_never_reported_as_passed(
    capsys: pytest.CaptureFixture[str], status: str, body: bytes, content_type: str, says: str
) -> None:
    with serve(static_app(status, body, content_type)) as server:
        code, output, _ = preflighted(capsys, "--api", "b2core", "--base-url", server.url)
    assert code == 2 and len(output.splitlines()) == 1 and says in output, output
    assert "PASSED" not in output


# --- what exit codes say ---------------------------------------------------------------------


def test_an_operation_none_of_whose_answers_is_a_2xx_fails_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--api", "kona", "--app", "tests.planted:kona_userinfo_always_401", "-k", "test_schema and userinfo"]
    code, output, _ = preflighted(capsys, *args)
    assert code == 1, output
    assert "GET /api/userinfo" in output and "NOT EXERCISED" in output
    assert "not exercised: none of its" in output and "401 ×" in output
    assert "0 of 1 operation exercised" in output
    code, output, _ = preflighted(capsys, *args, "--allow-unexercised")
    assert code == 0 and "PASSED" in output, output


# --- a seed decides the run, in CI too ---------------------------------------------------------


@pytest.fixture
def ci_profile() -> Iterator[None]:
    """Hypothesis' own ``ci`` profile, as it loads itself when the environment says CI."""
    previous = settings.get_current_profile_name()
    settings.load_profile("ci")
    assert settings.default.derandomize  # what makes a CI run ignore --hypothesis-seed
    yield
    settings.load_profile(previous)


@pytest.mark.usefixtures("ci_profile")
def test_a_seed_turns_off_the_ci_profiles_derandomize() -> None:
    before = settings.default
    honour_seed(7)
    assert settings.default.derandomize is False
    for kept in ("max_examples", "database", "deadline", "print_blob", "suppress_health_check"):
        assert getattr(settings.default, kept) == getattr(before, kept), kept


@pytest.mark.usefixtures("ci_profile")
def test_without_a_seed_the_ci_profile_stays() -> None:
    honour_seed(None)
    assert settings.default.derandomize is True


@pytest.mark.usefixtures("ci_profile")
def test_the_stateful_workflow_follows_the_runs_profile() -> None:
    # schemathesis fixes the state machine's settings at import time, under whatever profile was
    # active then; the workflow must take derandomize from the run's profile instead.
    run = runs.Run(RunConfig())
    assert Suite(run, "b2core").workflow_settings().derandomize is True
    honour_seed(7)
    assert Suite(run, "b2core").workflow_settings().derandomize is False


def test_the_report_says_how_the_cases_were_drawn(ci_profile: Any) -> None:
    assert describe_profile("quick", 7, True) == "quick (10 generated cases per operation), seed 7"
    assert "derandomized (Hypothesis' ci profile" in describe_profile("ci", None, True)
    assert describe_profile("deep", None, False).endswith("a random seed (--seed N draws the same cases again)")


def test_every_variable_is_documented_in_the_readme_in_one_pattern() -> None:
    from pathlib import Path

    from contracts.apis import VARIABLES
    from contracts.options import RUN_VARIABLES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for variable in VARIABLES:
        assert variable.env.startswith(f"CONTRACTS_{variable.api.upper()}_")
        row = f"| `{variable.env}` |"
        assert row in readme and f"`{variable.default}` |" in readme.split(row, 1)[1].split("\n", 1)[0] or (
            variable.default is None and row in readme
        ), variable.env
    for name in RUN_VARIABLES:
        assert f"`CONTRACTS_{name}`, `CONTRACTS_<API>_{name}`" in readme, name


def test_contracts_run_imports_no_schemathesis_before_pytest_starts() -> None:
    """schemathesis is a pytest plugin: imported before ``pytest.main`` it cannot be rewritten,
    and pytest's warning is an error under this project's filterwarnings (the run exits 1)."""
    import subprocess
    import sys

    code = (
        "import sys, contracts.cli, contracts.preflight, contracts.run; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'schemathesis')[:3])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_the_perscom_workflow_creates_events_and_follows_their_links() -> None:
    """Its creates name the calendar and author the target has (Resources.references): with
    generated ids nearly every create was a 422 (1 of 20), so no link to a record was followed."""
    from collections import Counter

    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    answers: Counter[tuple[str, bool]] = Counter()

    def after_call(context: Any, case: Any, response: Any) -> None:
        answers[(f"{case.method.upper()} {case.path}", 200 <= response.status_code < 300)] += 1

    suite = Suite(runs.Run(RunConfig(apis=("perscom",), seed=1)), "perscom")
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(after_call, "after_call")
    try:
        suite.workflow().run(settings=settings(suite.workflow_settings(), max_examples=5, derandomize=True, database=None))
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(after_call)
    created, refused = answers[("POST /{version}/events", True)], answers[("POST /{version}/events", False)]
    assert created >= refused, answers
    assert any(ok for (label, ok) in answers if label.endswith("/{event}") and not label.startswith("GET")), answers


def test_an_excluded_check_reports_nothing_and_the_checks_it_hid_do(capsys: pytest.CaptureFixture[str]) -> None:
    """A defect that fails every case first (Prism ignores tokens) hides what comes after it:
    --exclude-check takes that check out, and the summary says so."""
    args = ["--api", "kona", "--app", "tests.planted:kona_list_ignores_auth", "--seed", "1"]
    args += ["-k", "test_schema and calendar_events and not POST and not id"]
    code, output, _ = preflighted(capsys, *args)
    assert code == 1 and "ST401" in output and "ST203" not in output, output[-3000:]
    code, output, _ = preflighted(capsys, *args, "--exclude-check", "ignored_auth")
    assert code == 1 and "ST401" not in output, output[-3000:]
    assert "ST203 Missing required header accepted [missing_required_header]" in output, output[-3000:]
    assert re.search(r"^FAILED: 1 test .*; checks left out: ignored_auth$", output, re.M), output[-3000:]


def test_an_unknown_check_is_a_mistake(capsys: pytest.CaptureFixture[str]) -> None:
    code, output, _ = preflighted(capsys, "--api", "kona", "--exclude-check", "ignored_oath")
    assert code == 2, output
    [line] = [line for line in output.splitlines() if line.strip()]
    assert "--exclude-check: unknown check 'ignored_oath'; the checks are " in line
    assert "ignored_auth" in line and "deleted_is_gone" in line


def test_a_run_leaves_its_options_in_no_environment_variable(capsys: pytest.CaptureFixture[str]) -> None:
    """Options reach the suites on pytest's config (the Run), never through os.environ, where a
    module-level cache would carry one run's options into the next one in the same process."""
    import os

    before = dict(os.environ)
    code, output, _ = preflighted(
        capsys, "--api", "kona", "--token", "kona=tok-1234", "--rate-limit", "50", "--read-only", "-k", "nothing_has_this_name"
    )
    assert code == 2 and "no test matched" in output, output
    assert dict(os.environ) == before


def test_each_operations_schema_test_starts_from_the_seed_state(capsys: pytest.CaptureFixture[str]) -> None:
    """A PERSCOM batch creates up to 1,000 events: the next operation's cases meet the seed state,
    not them (the run resets a target it owns before each schema test, as before each scenario).
    Before, a search's cases ran over every event the batches had made: 7 s alone, 78 s after them."""
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    from contracts.target import run_target

    first_seen: dict[str, int] = {}

    def before_call(context: Any, case: Any, **kwargs: Any) -> None:
        label = f"{case.method.upper()} {case.path}"
        if label not in first_seen:
            first_seen[label] = len(run_target(runs.active(), "perscom").state()["events"])

    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(before_call, "before_call")
    try:
        code = main(["run", "--api", "perscom", "--profile", "quick", "--seed", "1", "-k", "test_schema and batch"])
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(before_call)
    output = capsys.readouterr().out
    assert code == 0, output[-3000:]
    seeded = len(mock_app().test_client().get("/__mock/state/perscom").get_json()["perscom"]["events"])
    operations = {f"{method} /{{version}}/events/batch" for method in ("POST", "PATCH", "DELETE")}
    assert operations <= set(first_seen) and set(first_seen.values()) == {seeded}, first_seen


# --- --jobs: the API suites in parallel processes ------------------------------------------------


def test_jobs_auto_is_a_process_per_core_and_api_in_process_and_one_for_a_live_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_process, live = RunConfig.build({}, {}), RunConfig.build({"base_url": ["http://127.0.0.1:9"]}, {})
    monkeypatch.setattr(cli, "_cores", lambda: 8)
    assert (jobs_for(AUTO, in_process, 4), jobs_for(AUTO, in_process, 1), jobs_for(AUTO, live, 4)) == (4, 1, 1)
    monkeypatch.setattr(cli, "_cores", lambda: 2)
    assert (jobs_for(AUTO, in_process, 4), jobs_for(3, in_process, 4), jobs_for(1, live, 4)) == (2, 3, 1)
    args = _parser().parse_args(["run"])
    assert pytest_args(args, 2)[-4:] == ["-n", "2", "--dist", "loadfile"]  # a suite stays whole
    assert pytest_args(args, 1)[-2:] == ["-p", "no:xdist"]


def test_a_parallel_run_reports_every_row_its_workers_filled(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Each worker's rows reach the summary, with a failure's check and curl line; the report and
    the JUnit file are written once, by the main process."""
    selection = "test_schema and (calendar_events and POST or generateAuthenticationToken)"
    code, output, _ = preflighted(
        capsys, "--api", "kona", "--api", "twelvetwenty", "--jobs", "2",
        "--app", "tests.planted:kona_create_answers_200", "-k", selection, "--report", str(tmp_path / "r.md"),
        "--junit-xml", str(tmp_path / "j.xml"),
    )  # fmt: skip
    assert code == 1 and "2 workers [2 items]" in output, output
    summary = output.split("contract run summary", 1)[1]
    assert re.search(r"GET /api/client/generateAuthenticationToken +\d+ +[1-9]\d* +0 ", summary), summary
    assert re.search(r"POST /api/calendar_events +\d+ +\d+ +1 .* FAILED", summary), summary
    assert "FAILED: 2 tests (1 passed, 1 failed, 0 skipped), 2 of 2 operations exercised" in summary
    assert "ST103 Undocumented status code [status_code_conformance]: Received: 200" in summary
    assert "curl -X POST" in summary and "Authorization: [Filtered]" in summary
    written = (tmp_path / "r.md").read_text()
    assert "POST /api/calendar_events" in written and "GET /api/client/generateAuthenticationToken" in written
    junit = (tmp_path / "j.xml").read_text()
    assert junit.count("<testcase ") == 2 and "contracts-row" not in junit  # the rows' carrier stays ours
