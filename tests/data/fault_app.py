"""A minimal ASGI + RSGI app answering every request through ``faults.deliver`` (tests/test_faults.py).

``/<fault>`` applies that fault (``dribble`` is ``dribble(5,100)``), ``/delay/<ms>`` waits, ``/ok``
answers plainly; the body is JSON of a known size.
"""

from __future__ import annotations

from typing import Any

from mockserver.faults import AsgiWriter, RsgiWriter, Writer, deliver
from mockserver.prefer import read_fault

BODY = b'{"data":[' + b'{"id":1},' * 50 + b'{"id":2}]}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


async def _answer(writer: Writer, path: str, client: Any) -> None:
    parts = path.strip("/").split("/")
    if parts[0] == "delay":
        await deliver(writer, 200, HEADERS, BODY, delay_ms=float(parts[1]))
        return
    fault = None if parts[0] == "ok" else read_fault("dribble(5,100)" if parts[0] == "dribble" else parts[0])
    await deliver(writer, 200, HEADERS, BODY, fault=fault, client=client)


class App:
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await _answer(AsgiWriter(send), scope["path"], scope.get("client"))

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        await _answer(RsgiWriter(proto), scope.path, scope.client)


app = App()
