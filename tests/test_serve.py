"""``mockserver serve`` behaves like a server: one listener per port, a prompt clean stop on the
first signal (in a terminal too), one-line errors with exit 2, a config checked by its schema,
a banner that says which tokens work, and an access log a CI system can parse."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pty
import signal
import socket
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from contracts.live import LiveServer, free_port
from mockserver import create_app
from mockserver.cli import banner, main
from mockserver.config import MockConfig, read_config_file
from mockserver.errors import ConfigurationError
from tests.conftest import AUTH

SERVE = [sys.executable, "-m", "mockserver", "serve"]


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code  # type: ignore[assignment]
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mockserver"), captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["serve", "--port", "99999"], "port 99999 is out of range (1-65535)"),
        (["serve", "--port", "0"], "port 0 is out of range"),
        (["serve", "--port", "http"], "not a port number: 'http'"),
        (["serve", "--api", "outlook"], "invalid choice: 'outlook'"),
        (["serve", "--threads", "0"], "must be at least 1"),
        (["serve", "--access-log", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert said in _one_line_exit_2(argv, capsys)


def test_a_port_held_by_another_program_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        line = _one_line_exit_2(["serve", "--port", str(port)], capsys)
    assert line == f"mockserver: port {port} is already in use on 127.0.0.1"


def test_a_second_mockserver_on_a_busy_port_refuses_to_start() -> None:
    first = LiveServer.start(strict=False)
    try:
        port = first.url.rsplit(":", 1)[1]
        second = subprocess.run([*SERVE, "--port", port], capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert second.stderr.strip() == f"mockserver: port {port} is already in use on 127.0.0.1"
    finally:
        first.stop()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("tokens: qa-token\n", 'tokens: "qa-token" is not of type "array" (a list of one is [qa-token])'),
        (
            "tokens:\n  - {token: qa, apis: perscom}\n",
            'tokens[0].apis: "perscom" is not of type "array" (a list of one is [perscom])',
        ),
        ("strict: maybe\n", 'strict: "maybe" is not of type "boolean"'),
        ("journal_size: 0\n", "journal_size: 0 is less than the minimum of 1"),
        ("tokens: [a\nstrict: true\n", "line 2, column 7: expected ',' or ']', but got ':'"),
        ("- just\n- a list\n", "must be a mapping of config keys, got list"),
    ],
)
def test_config_mistakes_name_the_key_or_the_line(
    tmp_path: Path, text: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    line = _one_line_exit_2(["serve", "--config", str(config), "--port", str(free_port())], capsys)
    assert line == f"mockserver: config file {config}: {said}"


def test_malformed_json_config_names_line_and_column(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"tokens": ["a",\n]}')
    with pytest.raises(ConfigurationError, match=r"config\.json: line 2, column 1: Expecting value"):
        read_config_file(config)


def test_a_config_mapping_is_checked_too() -> None:
    with pytest.raises(ConfigurationError, match=r"^config: tokens\[0\]: unknown key 'tok'"):
        create_app({"tokens": [{"tok": "x"}]})
    with pytest.raises(ConfigurationError, match="unknown key 'tokenz'; known keys: "):
        create_app({"tokenz": ["x"]})


def test_the_banner_says_which_tokens_are_accepted() -> None:
    replaced = MockConfig().with_overrides(
        {
            "tokens": [
                "qa-token-123",
                {"token": "ci-secret-999", "apis": ["perscom"], "scopes": ["view:event"]},
            ]
        }
    )
    text = banner(replaced, "127.0.0.1", 8080)
    assert "dev token: off" in text and "Bearer dev-token" not in text
    assert "token qa-t…(12): every API" in text
    assert "token ci-s…(13): apis perscom; scopes view:event" in text
    assert "secret-999" not in text and "token-123" not in text
    assert "dev token: Authorization: Bearer dev-token" in banner(MockConfig(), "127.0.0.1", 8080)


def test_json_access_log_lines_are_journal_entries_without_bodies(caplog: pytest.LogCaptureFixture) -> None:
    client = create_app({"access_log_format": "json"}).test_client()
    with caplog.at_level(logging.INFO, logger="mockserver.access"):
        client.get("/kona/api/calendar_events", headers=AUTH)
        client.get("/__mock/health")
    api, admin = (json.loads(r.getMessage()) for r in caplog.records if r.name == "mockserver.access")
    assert api["operation_id"] == "listCalendarEvents" and api["status"] == 200 and api["seq"] == 1
    assert api["request"]["headers"]["Authorization"] == "Bearer dev-…(9)"
    assert "body" not in api["request"] and "body" not in api["response"] and api["response"]["size"] > 0
    assert admin["path"] == "/__mock/health" and admin["seq"] == 0  # admin calls are logged, not journaled


def _start(port: int, **popen: object) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([*SERVE, "--port", str(port)], **popen)  # type: ignore[call-overload]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("mockserver did not start")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_first_signal_finishes_the_request_in_flight_and_stops_within_2_s(sig: signal.Signals) -> None:
    port = free_port()
    process = _start(port, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        body = b"[]"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            head = (
                f"PUT /twelvetwenty/api/v2/calendar-events/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer dev-token\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            conn.sendall(head.encode() + body[:1])  # the request is in flight: half its body sent
            time.sleep(0.2)
            signalled = time.monotonic()
            process.send_signal(sig)
            time.sleep(0.2)
            conn.sendall(body[1:])
            answer = conn.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        process.wait(timeout=10)
        assert time.monotonic() - signalled < 2.0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ctrl_c_in_a_terminal_stops_it_within_2_s() -> None:
    port = free_port()
    leader, follower = pty.openpty()

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(follower, termios.TIOCSCTTY, 0)

    process = _start(port, stdin=follower, stdout=follower, stderr=follower, preexec_fn=controlling_terminal)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as keep_alive:
            keep_alive.sendall(b"GET /__mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            keep_alive.recv(65536)  # an idle keep-alive connection stays open: it must not hold the stop
            pressed = time.monotonic()
            os.write(leader, b"\x03")  # the terminal sends SIGINT to the whole foreground group
            process.wait(timeout=10)
        assert time.monotonic() - pressed < 2.0
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
        os.close(follower)
