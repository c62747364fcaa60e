"""The bare-server ceiling: a minimal WSGI app on granian with the settings ``mockserver serve`` uses.

Usage: .venv/bin/python bench/ceiling.py --port PORT [--front]

Answers every request with the same 22-byte JSON body and reads nothing, so what wrk measures is
the server alone (its HTTP parsing, the hop into Python and back) on this machine and load: no
mock can be faster on it. ``--front`` serves the same app behind the mock's intake front
(``mockserver.intake.Intake`` over granian's RSGI interface, as ``serve`` runs), which shows what
the front itself costs. ``bench/peers.py`` starts both and reports the mock's GET and list
figures as fractions of the bare one, measured in the same runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

BODY = b'{"ceiling":"granian"}\n'  # 22 bytes, as in issue 16's measurement
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]


def front() -> Any:
    """granian's factory for ``--front``: the intake front (body cap and deadline) before ``app``."""
    from mockserver.intake import Intake

    return Intake(app)


def main() -> None:
    from granian import Granian
    from granian.constants import Interfaces

    from mockserver.cli import granian_settings
    from mockserver.config import MockConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--front", action="store_true", help="behind the mock's intake front (RSGI)")
    args = parser.parse_args()
    settings = granian_settings("127.0.0.1", args.port, MockConfig().header_timeout)
    if args.front:
        server = Granian("ceiling:front", interface=Interfaces.RSGI, factory=True, **settings)
    else:
        server = Granian("ceiling:app", interface=Interfaces.WSGI, **settings)
    server.serve()


if __name__ == "__main__":
    main()
