"""``mockserver serve``: run the mock on granian, a production WSGI server."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from mockserver import package_version
from mockserver.apis import API_DEFINITIONS
from mockserver.config import DEV_TOKEN
from mockserver.errors import ConfigurationError
from mockserver.guard import is_loopback, new_admin_token
from mockserver.serving import OPTIONS_VARIABLE, prebuilt_config, prepare


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
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
        help="threads running requests (default 1: fastest; slow clients never hold one, their "
        "bodies are read in the event loop; more only help with slow handlers: see bench/README.md)",
    )
    serve.add_argument(
        "--max-body",
        type=int,
        default=None,
        metavar="BYTES",
        help="largest request body accepted, else 413 without reading it (default 10 MB; config max_body)",
    )
    proxy = serve.add_argument_group(
        "validating proxy",
        "forward an API's requests to a real deployment; check request and response against the spec",
    )
    proxy.add_argument(
        "--proxy",
        action="append",
        metavar="API=URL",
        help="forward API's requests (with the client's credentials) to the upstream base URL (repeatable)",
    )
    proxy.add_argument(
        "--proxy-errors",
        action="store_true",
        default=None,
        help="answer 502 listing the violations when the upstream's response breaks the spec",
    )
    proxy.add_argument(
        "--proxy-timeout", type=float, metavar="SECONDS", help="upstream timeout; 502 after it (default 10)"
    )
    proxy.add_argument(
        "--violations-header-bytes",
        type=int,
        metavar="N",
        help="bound of the X-Mock-Violations header (default 4096; 0 turns the header off)",
    )
    proxy.add_argument(
        "--no-violations-header",
        dest="violations_header_bytes",
        action="store_const",
        const=0,
        help="no X-Mock-Violations header (the journal keeps the violations)",
    )
    return parser


def proxy_pairs(values: Sequence[str] | None) -> dict[str, str]:
    """``["kona=https://…", …]`` → ``{"kona": "https://…"}``; a clear error for anything else."""
    upstreams: dict[str, str] = {}
    for value in values or ():
        api, sep, url = value.partition("=")
        if not sep or not url:
            raise ConfigurationError(f"--proxy wants API=URL, got {value!r}")
        if api not in API_DEFINITIONS:
            raise ConfigurationError(
                f"--proxy {api}: unknown API (known: {', '.join(sorted(API_DEFINITIONS))})"
            )
        if api in upstreams:
            raise ConfigurationError(f"--proxy {api} given twice")
        upstreams[api] = url
    return upstreams


def _banner(options: dict[str, object], host: str, port: int) -> str:
    names = [options["api"]] if options.get("api") else sorted(API_DEFINITIONS)
    lines = [f"mockserver on http://{host}:{port}"]
    lines += [f"  /{name}  (spec: http://{host}:{port}/{name}/openapi.json)" for name in names]
    if options.get("api"):
        lines.append(f"  /  serves {options['api']} too")
    for name, url in dict(options.get("proxy") or {}).items():  # type: ignore[call-overload]
        lines.append(f"  /{name}  proxied to {url}, checked against the spec (violations: /__mock/journal)")
    home = "/__mock/" if options.get("api") else "/"
    lines += [
        f"  overview: http://{host}:{port}{home}  docs: /__mock/docs  dashboard: /__mock/ui",
        f"  admin: http://{host}:{port}/__mock/health",
        f"  dev token: Authorization: Bearer {DEV_TOKEN}",
    ]
    return "\n".join(lines)


def _public_warning(host: str, admin_token: str | None) -> str:
    return (
        f"mockserver: WARNING: bound to {host}, not loopback: anyone who can reach this port can call the "
        "mocked APIs with the dev credentials. The admin API (/__mock) needs\n"
        f"  Authorization: Bearer {admin_token}\n"
        "(set admin_token in the config or MOCKSERVER_ADMIN_TOKEN to choose it), and the admin API and "
        "specs answer only loopback Host names or the config's allowed_hosts."
    )


def serve(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    options = {
        "api": args.api,
        "config": args.config,
        "seed": args.seed,
        "strict": args.strict,
        "max_body": args.max_body,
        "threads": args.threads,
        # reachable from other machines: the admin API needs a token (generated unless configured)
        "public_admin_token": None if is_loopback(args.host) else new_admin_token(),
        "proxy_errors": args.proxy_errors,
        "proxy_timeout": args.proxy_timeout,
        "violations_header_bytes": args.violations_header_bytes,
    }
    try:
        options["proxy"] = proxy_pairs(args.proxy)
        # fail fast, in this process, on a bad spec, config or seed; the forked worker reuses it
        os.environ[OPTIONS_VARIABLE] = encoded = prepare(options)
    except ConfigurationError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    config = prebuilt_config(encoded)
    print(_banner(options, args.host, args.port), flush=True)
    if options["public_admin_token"]:
        print(_public_warning(args.host, config.admin_token), file=sys.stderr, flush=True)
    server = Granian(
        "mockserver.serving:intake_from_environment",
        address=args.host,
        port=args.port,
        # the intake front (mockserver/intake.py) reads bodies in the event loop, then runs the WSGI app
        interface=Interfaces.RSGI,
        factory=True,
        workers=1,  # one process: the in-memory state must be shared by every request
        http1_settings=HTTP1Settings(header_read_timeout=int(config.header_timeout * 1000)),
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
