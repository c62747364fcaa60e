"""Where the one access-log line per request goes.

By default it is the ``mockserver.access`` logger, so an embedding application, ``caplog`` or a
logging config decides what happens to it. ``mockserver serve`` owns its process's logging and
swaps in ``BufferedAccessLog``: the same line as its logging setup would print, but built with
an f-string and written in batches by a background thread. Through ``logging`` the line cost
~21 µs of the request thread's time plus a handler lock that the worker threads queued on
(25-30% of the throughput of a small request, ``bench/README.md``); here a request appends a
string to a deque.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from typing import TextIO

ACCESS_LOGGER = "mockserver.access"
_logger = logging.getLogger(ACCESS_LOGGER)


def log_access(line: str) -> None:
    """The default sink: one INFO record on the ``mockserver.access`` logger."""
    _logger.info("%s", line)


class BufferedAccessLog:
    """Writes ``<asctime> mockserver.access <line>`` to ``stream``, ``interval`` seconds at a time.

    The timestamp is ``logging``'s default ``asctime`` (local time, comma, milliseconds), so the
    lines read like every other line ``serve`` logs. A line reaches the stream within
    ``interval`` seconds; ``flush`` runs at exit too, so a stopped server loses nothing it logged.
    """

    def __init__(self, stream: TextIO, interval: float = 0.1, *, prefix: bool = True) -> None:
        self.stream = stream
        self.prefix = prefix  # off for JSON lines: each line is one object and nothing else
        self.interval = interval
        self._pending: deque[str] = deque()
        self._stamp = (-1, "")  # (second, its asctime): one tuple, so threads read a matching pair
        self._lock = threading.Lock()  # one flush at a time (the thread's and the one at exit)
        threading.Thread(target=self._run, name="access-log", daemon=True).start()
        atexit.register(self.flush)

    def __call__(self, line: str) -> None:
        if not self.prefix:
            self._pending.append(line + "\n")
            return
        now = time.time()
        second = int(now)
        stamp = self._stamp
        if stamp[0] != second:
            stamp = self._stamp = (second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)))
        self._pending.append(f"{stamp[1]},{int((now - second) * 1000):03d} {ACCESS_LOGGER} {line}\n")

    def flush(self) -> None:
        with self._lock:
            lines = []
            pending = self._pending
            while pending:
                lines.append(pending.popleft())
            if lines:
                self.stream.write("".join(lines))
                self.stream.flush()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.flush()
            except (OSError, ValueError):  # the stream went away (closed pipe, shutdown)
                return
