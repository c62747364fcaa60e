"""The access log ``serve`` writes directly: the logging layout, every line, in order."""

from __future__ import annotations

import io
import re
import threading

from mockserver.accesslog import BufferedAccessLog

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} mockserver\.access (.*)$")


def test_lines_read_like_the_logging_setup_they_replace() -> None:
    stream = io.StringIO()
    log = BufferedAccessLog(stream, interval=3600)  # flushed by hand here
    log('127.0.0.1 "GET /b2core/api/v2/calendars/events/1" 200 0.4ms b2core')
    assert stream.getvalue() == ""  # buffered until the next flush
    log.flush()
    [line] = stream.getvalue().splitlines()
    found = LINE.match(line)
    assert found and found.group(1) == '127.0.0.1 "GET /b2core/api/v2/calendars/events/1" 200 0.4ms b2core'


def test_every_line_from_many_threads_is_written_once_in_order_per_thread() -> None:
    stream = io.StringIO()
    log = BufferedAccessLog(stream, interval=0.001)  # the background flush runs meanwhile

    def write(thread: int) -> None:
        for n in range(2000):
            log(f"t{thread} {n}")

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.flush()
    messages = [LINE.match(line).group(1) for line in stream.getvalue().splitlines()]  # type: ignore[union-attr]
    assert len(messages) == 8000
    for t in range(4):
        assert [m for m in messages if m.startswith(f"t{t} ")] == [f"t{t} {n}" for n in range(2000)]
