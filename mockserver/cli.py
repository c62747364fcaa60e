"""``mockserver serve``: run the mock on granian, a production WSGI server."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from mockserver.apis import API_DEFINITIONS
from mockserver.config import DEV_TOKEN
from mockserver.errors import ConfigurationError
from mockserver.serving import OPTIONS_VARIABLE, prepare


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mocked APIs over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--api", choices=sorted(API_DEFINITIONS), help="serve only this API, also at /")
    serve.add_argument("--config", help="YAML or JSON config file (tokens, api_keys, cors_origins ...)")
    serve.add_argument("--seed", help="YAML or JSON state to load at start-up ({api: state})")
    serve.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="validate every response against the spec (default off)",
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=1,
        help="WSGI threads (default 1: fastest, fair to every client; more let a slow upload wait "
        "without holding up other requests, at the cost of tail latency: see bench/README.md)",
    )
    return parser


def _banner(options: dict[str, object], host: str, port: int) -> str:
    names = [options["api"]] if options.get("api") else sorted(API_DEFINITIONS)
    lines = [f"mockserver on http://{host}:{port}"]
    lines += [f"  /{name}  (spec: http://{host}:{port}/{name}/openapi.json)" for name in names]
    if options.get("api"):
        lines.append(f"  /  serves {options['api']} too")
    lines += [
        f"  admin: http://{host}:{port}/__mock/health",
        f"  dev token: Authorization: Bearer {DEV_TOKEN}",
    ]
    return "\n".join(lines)


def serve(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    options = {"api": args.api, "config": args.config, "seed": args.seed, "strict": args.strict}
    try:
        # fail fast, in this process, on a bad spec, config or seed; the forked worker reuses it
        os.environ[OPTIONS_VARIABLE] = prepare(options)
    except ConfigurationError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    print(_banner(options, args.host, args.port), flush=True)
    server = Granian(
        "mockserver.serving:app_from_environment",
        address=args.host,
        port=args.port,
        interface=Interfaces.WSGI,
        factory=True,
        workers=1,  # one process: the in-memory state must be shared by every request
        blocking_threads=args.threads,
        log_access=False,  # the app logs one line per request itself
        websockets=False,
    )
    server.serve()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return serve(args)


if __name__ == "__main__":
    raise SystemExit(main())
