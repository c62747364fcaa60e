"""The built wheel, installed into a fresh venv outside the checkout, is the whole product.

One wheel (built by pip, as a user would) and one venv for the module: ``mockserver
serve`` from the venv answers every API, ``contracts run`` checks it, both report their version,
and the throwaway client project (``tests/data/client_project``: its code, its tests using the
``mockserver`` fixture, and two tests that must fail with a readable message) passes with the
installed plugin. To iterate on the plugin, run that project's pytest with this checkout's
``.venv/bin/python`` in a copy of the folder. Nothing here can see the checkout: every command runs in a temporary folder, with the
venv's own interpreter, and the test checks where ``mockserver`` was imported from.

The venv is made and filled by uv (a ``[dev]`` dependency): the same wheel, the same dependency
metadata, in ~4 s where ``venv`` + ``pip install`` take ~40-75 s; CI's time is the budget.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from contracts.live import LiveServer

ROOT = Path(__file__).resolve().parents[1]
# one cheap read per API, with the dev token (12Twenty has no read: its token exchange)
FIRST_CALLS = {
    "perscom": "/perscom/v2/events",
    "b2core": "/b2core/api/v2/calendars/events",
    "twelvetwenty": "/twelvetwenty/api/client/generateAuthenticationToken?key=dev-api-key",
    "kona": "/kona/api/calendar_events",
}


CLIENT_PROJECT = ROOT / "tests" / "data" / "client_project"
EXPECTED_FAILURES = """
def test_not_called(mockserver):
    mockserver.assert_called("upsertCalendarEvents")


def test_called_with_other_fields(mockserver):
    import requests
    requests.put(
        mockserver.urls["twelvetwenty"] + "/api/v2/calendar-events/batch",
        json=[{"ExternalId": "a", "UserId": 1, "TypeId": 1, "StartTime": "2018-06-10T20:00:00Z",
               "EndTime": "2018-06-10T22:00:00Z", "Title": "t"}],
        headers=mockserver.auth_headers,
    )
    mockserver.assert_called("upsertCalendarEvents", times=1, body={"ExternalId": "b"})
"""


def run_client_project(python: str | Path, where: Path) -> subprocess.CompletedProcess[str]:
    """Copy the client project to ``where`` and run its pytest with ``python``."""
    shutil.copytree(CLIENT_PROJECT, where)
    (where / "test_expected_failures.py").write_text(EXPECTED_FAILURES)
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_client_run(result: subprocess.CompletedProcess[str]) -> None:
    out = result.stdout + result.stderr
    assert "2 failed, 5 passed" in out, out
    assert "expected upsertCalendarEvents at least once, matched 0 of 0 call(s)" in out, out
    assert (
        "expected upsertCalendarEvents with body holding {'ExternalId': 'b'} 1 time(s), matched 0 of 1" in out
    )
    assert "#1 PUT /twelvetwenty/api/v2/calendar-events/batch -> 200 body=[{" in out
    assert "'ExternalId': 'a'" in out


@dataclass
class Installed:
    folder: Path
    bin: Path

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            cwd=self.folder,
            env=_clean_environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _clean_environment() -> dict[str, str]:
    """This process's environment without what would let the checkout leak in."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


def _run(*args: str) -> None:
    # this interpreter for the venv, never one uv would download
    env = {**_clean_environment(), "UV_PYTHON_DOWNLOADS": "never", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(args, check=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    from uv import find_uv_bin

    uv = find_uv_bin()
    folder = tmp_path_factory.mktemp("wheel")
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--wheel-dir",
        str(folder / "dist"),
        str(ROOT),
    )
    (wheel,) = (folder / "dist").glob("calendar_mockserver-*.whl")
    _run(uv, "venv", "--quiet", "--python", sys.executable, str(folder / "venv"))
    python = folder / "venv" / "bin" / "python"
    _run(uv, "pip", "install", "--quiet", "--python", str(python), f"{wheel}[contracts]")
    yield Installed(folder, folder / "venv" / "bin")


def test_the_wheel_is_imported_from_the_venv_not_the_checkout(installed: Installed) -> None:
    where = installed.run(
        "python", "-c", "import mockserver.spec as s; print(s.__file__); print(s.SPECS_DIR)"
    )
    module, specs = where.stdout.split()
    assert module.startswith(str(installed.folder / "venv")) and "site-packages" in specs
    assert sorted(p.name for p in Path(specs).glob("*.yaml")) == [
        f"{api}.yaml" for api in sorted(FIRST_CALLS)
    ]


def test_both_commands_report_their_version(installed: Installed) -> None:
    from mockserver import package_version

    for command in ("mockserver", "contracts"):
        result = installed.run(command, "--version")
        assert result.returncode == 0 and result.stdout.strip() == f"{command} {package_version()}"


def test_the_installed_server_answers_every_api_and_passes_a_contract_run(installed: Installed) -> None:
    import urllib.request

    server = LiveServer.start(
        strict=True, executable=[str(installed.bin / "mockserver")], cwd=installed.folder
    )
    try:
        for api, path in FIRST_CALLS.items():
            request = urllib.request.Request(server.url + path, headers={"Authorization": "Bearer dev-token"})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200, api
        run = installed.run(
            "contracts", "run", "--api", "twelvetwenty", "--base-url", server.url, "--reset",
            "--profile", "quick", "--seed", "1",
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "PASSED" in run.stdout and " 0 failures" in run.stdout
    finally:
        server.stop()


def test_a_client_project_passes_with_the_installed_plugin(installed: Installed) -> None:
    check_client_run(run_client_project(installed.bin / "python", installed.folder / "client"))
