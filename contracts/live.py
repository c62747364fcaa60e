"""Start and stop a real ``mockserver serve`` process on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# extra `mockserver serve` options for the server --live-server starts (shell words)
LIVE_SERVER_ARGS = "CONTRACTS_LIVE_SERVER_ARGS"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @classmethod
    def start(
        cls,
        *,
        strict: bool = True,
        extra: list[str] | None = None,
        timeout: float = 30,
        executable: list[str] | None = None,
        cwd: Path | None = None,
    ) -> LiveServer:
        """``executable``: how to run ``mockserver`` (default this interpreter's ``-m mockserver``)."""
        port = free_port()
        log = Path(f"/tmp/mockserver-{port}.log")
        args = [*(executable or [sys.executable, "-m", "mockserver"]), "serve", "--port", str(port)]
        args += ["--strict"] if strict else []
        args += extra or []
        with log.open("wb") as sink:
            process = subprocess.Popen(args, stdout=sink, stderr=subprocess.STDOUT, cwd=cwd)
        server = cls(process, f"http://127.0.0.1:{port}", log)
        server._wait(timeout)
        return server

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mockserver exited early:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/__mock/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"mockserver did not answer within {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
