"""A minimal ASGI app that answers every request through ``faults.deliver`` (tests/test_faults.py).

``/<fault>`` applies that fault (``dribble`` is ``dribble(5,100)``), ``/delay/<ms>`` waits, any
other path answers plainly; the body is JSON of a known size.
"""

from __future__ import annotations

from typing import Any

from mockserver.faults import deliver
from mockserver.prefer import read_fault

BODY = b'{"data":[' + b'{"id":1},' * 50 + b'{"id":2}]}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    parts = scope["path"].strip("/").split("/")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    if parts[0] == "delay":
        await deliver(send, 200, headers, BODY, delay_ms=float(parts[1]))
        return
    fault = read_fault("dribble(5,100)" if parts[0] == "dribble" else parts[0]) if parts[0] != "ok" else None
    await deliver(send, 200, headers, BODY, fault=fault, client=scope.get("client"))
