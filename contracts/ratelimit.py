"""The run-wide rate limit of live requests (``--rate-limit``)."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """At most ``rate`` requests per second, spaced evenly, across every thread of the run."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("the rate limit must be a positive number of requests per second")
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)
