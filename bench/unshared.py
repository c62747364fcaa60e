"""The scaling control of ``shared_store.py``: the mock as ``serve --workers N`` runs it (the same
app, intake front, granian settings and worker processes), on the memory store, so each worker
keeps its own copy of the seed and no request sends anything to anyone.

Usage: .venv/bin/python bench/unshared.py --port PORT --workers N --seed FILE

``mockserver serve`` refuses ``--workers`` on the memory store, rightly: a write would reach one
worker's copy only. For read-only workloads (a GET, a list) every copy answers alike, so what two
such workers get over one is what this server, client and machine allow a second worker at best;
the Redis store's ratio is read against it in the same run. Never a way to serve a mock.
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    from mockserver import memory

    memory.configure_server()  # as serve does, before granian is loaded
    from granian import Granian
    from granian.constants import Interfaces

    from mockserver.cli import granian_settings
    from mockserver.config import MockConfig
    from mockserver.serving import OPTIONS_VARIABLE, prepare

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", required=True, help="the state every worker starts from (as serve --seed)")
    args = parser.parse_args()
    os.environ[OPTIONS_VARIABLE] = prepare({"seed": args.seed, "access_log": "off", "store": "memory"})
    server = Granian(
        "mockserver.serving:intake_from_environment",
        interface=Interfaces.RSGI,
        factory=True,
        workers=args.workers,
        **granian_settings("127.0.0.1", args.port, MockConfig().header_timeout),
    )
    server.serve()


if __name__ == "__main__":
    main()
