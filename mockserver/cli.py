"""mockserver serve: run the mock on granian, a production WSGI server (one process, so every
request shares the in-memory state)."""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, NoReturn

from mockserver import memory, package_version
from mockserver.apis import API_DEFINITIONS
from mockserver.config import DEV_TOKEN, MockConfig, config_keys_help
from mockserver.errors import ConfigurationError
from mockserver.guard import is_loopback, new_admin_token
from mockserver.masking import mask
from mockserver.oplog import masked
from mockserver.redisserver import LocalRedis
from mockserver.serving import OPTIONS_VARIABLE, options_config, prebuilt_config, prepare

# how long a stop (Ctrl-C, SIGTERM) lets the worker finish what it is answering before it is
# killed: granian's own default is to wait for every open keep-alive connection, i.e. forever
STOP_GRACE_SECONDS = 1
DESCRIPTION = """Serve the mocked calendar APIs (PERSCOM, B2Core, 12Twenty, Kona) over HTTP.

Each API is mounted at /<name>, its spec at /<name>/openapi.json, the mock's own admin API at
/__mock (reset, state, journal, clock). Every API accepts the dev token out of the box:
Authorization: Bearer dev-token."""
SERVE_EPILOG = f"""config file keys (YAML or JSON mapping; all optional):
{config_keys_help()}

environment: MOCKSERVER_CONFIG=FILE, MOCKSERVER_TOKENS=tok1,tok2 (added to the token list),
MOCKSERVER_STRICT=1.

exit status: 0 after a stop (Ctrl-C or SIGTERM: the answers in progress are finished, then the
server stops within {STOP_GRACE_SECONDS + 1} s); 2 for a bad option, config or seed file, or a port in use."""


class OneLineParser(argparse.ArgumentParser):
    """Prints a usage mistake as one line (``mockserver: --port: ...``) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Plain text as written, and every option's default (an option without one says so itself)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and action.option_strings:
            text += " (default: %(default)s)"
        return text


def _whole_number(text: str, noun: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a {noun}: {text!r}") from None


def port_number(text: str) -> int:
    port = _whole_number(text, "port number")
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (1-65535)")
    return port


def positive(text: str) -> int:
    number = _whole_number(text, "whole number")
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="mockserver", description=DESCRIPTION, formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser
    )
    serve = commands.add_parser(
        "serve",
        help="serve the mocked APIs over HTTP",
        description=DESCRIPTION,
        epilog=SERVE_EPILOG,
        formatter_class=HelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (loopback unless told otherwise)")
    serve.add_argument("--port", type=port_number, default=8080, help="TCP port to listen on (1-65535)")
    serve.add_argument(
        "--api",
        choices=sorted(API_DEFINITIONS),
        metavar="NAME",
        help=f"serve only this API, at /NAME and at / ({', '.join(sorted(API_DEFINITIONS))}; default: all)",
    )
    serve.add_argument("--config", metavar="FILE", help="YAML or JSON config file (keys below)")
    serve.add_argument(
        "--seed",
        metavar="FILE",
        help="YAML or JSON state loaded at start-up ({api: state}, as GET /__mock/state)",
    )
    serve.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="validate every response against the spec; a mismatch answers 500 (default: the config's strict, off)",
    )
    serve.add_argument(
        "--threads",
        type=positive,
        default=1,
        help="threads running requests: 1 is fastest; slow clients never hold one, their bodies are "
        "read in the event loop; more only help with slow handlers (bench/README.md)",
    )
    shared = serve.add_argument_group(
        "shared state",
        "several worker processes, or several replicas behind a load balancer, on one Redis",
    )
    shared.add_argument(
        "--store",
        metavar="memory|redis|redis://HOST:PORT/DB",
        help="where the state lives: memory (this process only); redis://HOST:PORT/DB (shared with "
        "every worker and replica of the same --store-prefix); redis: start a private redis-server "
        "on a free loopback port, stopped with the mock (default: the config's store, memory)",
    )
    shared.add_argument(
        "--store-prefix",
        metavar="NAME",
        help="Redis key prefix of this deployment (default: the config's store_prefix, mockserver)",
    )
    shared.add_argument(
        "--workers",
        type=positive,
        default=1,
        help="server processes; more than 1 needs a shared store (--store redis...)",
    )
    serve.add_argument(
        "--max-body",
        type=positive,
        default=None,
        metavar="BYTES",
        help="largest request body accepted, else 413 without reading it (default: the config's max_body, 10 MB)",
    )
    serve.add_argument(
        "--access-log",
        choices=["text", "json", "off"],
        default=None,
        help="one line per request on stderr: text, json (one object per line: the journal "
        "entry's fields without bodies) or off (default: the config's log_requests and "
        "access_log_format, text)",
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


def banner(config: MockConfig, host: str, port: int) -> str:
    names = [config.root_api] if config.root_api else sorted(API_DEFINITIONS)
    lines = [f"mockserver {package_version()} on http://{host}:{port}"]
    lines += [f"  /{name}  (spec: http://{host}:{port}/{name}/openapi.json)" for name in names]
    if config.root_api:
        lines.append(f"  /  serves {config.root_api} too")
    for name, url in config.proxy.items():
        lines.append(f"  /{name}  proxied to {url}, checked against the spec (violations: /__mock/journal)")
    home = "/__mock/" if config.root_api else "/"
    lines += [
        f"  overview: http://{host}:{port}{home}  docs: /__mock/docs  dashboard: /__mock/ui",
        f"  admin: http://{host}:{port}/__mock/health",
    ]
    if config.store != "memory":
        lines.append(f"  state: shared through {masked(config.store)} (prefix {config.store_prefix})")
    if config.dev_token_on:
        lines.append(f"  dev token: Authorization: Bearer {DEV_TOKEN}")
    else:
        lines.append(f"  dev token: off (the config's token list replaces {DEV_TOKEN})")
    others = [grant for grant in config.tokens if grant.token != DEV_TOKEN]
    for grant in others:
        scope = f"apis {', '.join(sorted(grant.apis))}" if grant.apis is not None else "every API"
        if grant.scopes is not None:
            scope += f"; scopes {', '.join(sorted(grant.scopes)) or 'none'}"
        lines.append(f"  token {mask(grant.token)}: {scope}")
    if not config.tokens:
        lines.append("  no bearer token is accepted (tokens: [])")
    return "\n".join(lines)


def _public_warning(host: str, admin_token: str | None) -> str:
    return (
        f"mockserver: WARNING: bound to {host}, not loopback: anyone who can reach this port can call the "
        "mocked APIs with the dev credentials. The admin API (/__mock) needs\n"
        f"  Authorization: Bearer {admin_token}\n"
        "(set admin_token in the config or MOCKSERVER_ADMIN_TOKEN to choose it), and the admin API and "
        "specs answer only loopback Host names or the config's allowed_hosts."
    )


def port_taken(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served, or None. granian binds with SO_REUSEPORT, so a second
    server on a busy port would start and split the traffic; this probe binds without it."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot resolve --host {host}: {exc.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a TIME_WAIT leftover is fine
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is already in use on {host}"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def serve(args: argparse.Namespace) -> int:
    memory.configure_server()  # before granian (and its allocator) is loaded (_run imports it)
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
        "store": args.store,
        "store_prefix": args.store_prefix,
    }
    if args.access_log is not None:
        options["access_log"] = args.access_log
    with ExitStack() as stack:
        try:
            options["proxy"] = proxy_pairs(args.proxy)
            if args.workers > 1 and args.store != "redis" and options_config(options).store == "memory":
                raise ConfigurationError(
                    f"--workers {args.workers} needs a shared store: with the memory store each worker "
                    "would keep its own state (use --store redis or --store redis://HOST:PORT/DB)"
                )
            if args.store == "redis":  # a private redis-server, stopped when the mock stops
                options["store"] = stack.enter_context(local_redis()).socket_url
            # fail fast, in this process, on a bad spec, config or seed; the forked worker reuses it
            os.environ[OPTIONS_VARIABLE] = encoded = prepare(options)
            config = prebuilt_config(encoded)
        except ConfigurationError as exc:
            print(f"mockserver: {exc}", file=sys.stderr)
            return 2
        problem = port_taken(args.host, args.port)
        if problem:
            print(f"mockserver: {problem}", file=sys.stderr)
            return 2
        _run(args, options, config)
    return 0


@contextmanager
def local_redis() -> Iterator[LocalRedis]:
    server = LocalRedis.start()
    print(f"mockserver: started redis-server on 127.0.0.1:{server.port} (stopped with the mock)", flush=True)
    try:
        yield server
    finally:
        server.stop()


def _run(args: argparse.Namespace, options: dict[str, object], config: MockConfig) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    print(banner(config, args.host, args.port), flush=True)
    if options["public_admin_token"]:
        print(_public_warning(args.host, config.admin_token), file=sys.stderr, flush=True)
    # the intake front (mockserver/intake.py) reads bodies in the event loop, then runs the WSGI app
    server = Granian(
        "mockserver.serving:intake_from_environment",
        interface=Interfaces.RSGI,
        factory=True,
        **granian_settings(args.host, args.port, config.header_timeout),
        # one process on the memory store; several share a Redis store's operation log
        workers=args.workers,
        respawn_failed_workers=args.workers > 1,  # a worker killed mid-write is replaced
    )
    server.serve()


def granian_settings(host: str, port: int, header_timeout: float) -> dict[str, Any]:
    """The server settings ``serve`` runs granian with (bench/ceiling.py serves a bare app on them)."""
    from granian.http import HTTP1Settings

    return {
        "address": host,
        "port": port,
        "http1_settings": HTTP1Settings(header_read_timeout=int(header_timeout * 1000)),
        "log_access": False,  # the app logs one line per request itself
        "websockets": False,
        "workers_kill_timeout": STOP_GRACE_SECONDS,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return serve(args)


if __name__ == "__main__":
    raise SystemExit(main())
