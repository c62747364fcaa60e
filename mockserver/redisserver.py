"""A throwaway ``redis-server`` on a free loopback port: for ``serve --store redis`` without a URL,
the tests and the benchmarks. Nothing is written to disk (no RDB, no AOF), its files live in a
temporary directory removed on stop, and on Linux it dies with the process that started it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from mockserver.errors import ConfigurationError

INSTALL_HINT = "install Debian's redis-server (`apt-get install redis-server`; python3 dev.py test does it)"


def redis_binary() -> str | None:
    """``redis-server``: $MOCKSERVER_REDIS_SERVER, else on PATH, else Debian's /usr/bin one."""
    named = os.environ.get("MOCKSERVER_REDIS_SERVER")
    if named:
        return named
    return shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: SIGTERM the server when the process that started it dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class LocalRedis:
    """A running ``redis-server``; ``url`` names its database 0."""

    process: subprocess.Popen[bytes]
    port: int
    directory: Path
    stopped: bool = field(default=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def socket_url(self) -> str:
        """The same server over its Unix socket (a round trip ~30% shorter than loopback TCP)."""
        return f"unix://{self.directory / 'redis.sock'}?db=0"

    @classmethod
    def start(cls, port: int | None = None, timeout: float = 10) -> LocalRedis:
        binary = redis_binary()
        if binary is None:
            raise ConfigurationError(f"--store redis needs a Redis server: {INSTALL_HINT}, or give redis://HOST:PORT/DB")
        port = port or free_port()
        directory = Path(tempfile.mkdtemp(prefix="mockserver-redis-"))
        args = [
            binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(directory), "--logfile", str(directory / "redis.log"), "--daemonize", "no",
            "--unixsocket", str(directory / "redis.sock"), "--unixsocketperm", "700",
        ]  # fmt: skip
        process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )
        server = cls(process, port, directory)
        server._wait(timeout)
        return server

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.log()
                self.stop()
                raise ConfigurationError(f"redis-server exited at start-up: {log[-500:]}")
            if self.ping():
                return
            time.sleep(0.02)
        self.stop()
        raise ConfigurationError(f"redis-server did not answer within {timeout}s on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def log(self) -> str:
        try:
            return (self.directory / "redis.log").read_text(errors="replace")
        except OSError:
            return ""

    def restart(self, timeout: float = 10) -> None:
        """Start the server again on the same port (after ``kill``), empty."""
        fresh = LocalRedis.start(self.port, timeout)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.process, self.directory, self.stopped = fresh.process, fresh.directory, False

    def kill(self) -> None:
        """Stop the server at once (SIGKILL), keeping the port for ``restart``."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)
