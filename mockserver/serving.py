"""Build the served app from the options ``mockserver serve`` passes through the environment."""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from flask import Flask

from mockserver.accesslog import BufferedAccessLog
from mockserver.app import create_app
from mockserver.config import MockConfig, from_environment, read_config_file
from mockserver.errors import ConfigurationError, StoreUnavailable
from mockserver.faults import FRONT_CAPABILITIES
from mockserver.intake import Intake
from mockserver.store import StateLoadError

OPTIONS_VARIABLE = "MOCKSERVER_SERVE_OPTIONS"
# The app ``mockserver serve`` built (to fail fast) before granian forked its worker, keyed by the
# options JSON: the forked worker serves it instead of building a second copy (half the memory,
# faster start). A worker started any other way (spawn, another server) builds its own.
_prebuilt: tuple[str, Flask] | None = None


def read_seed(path: str | Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read seed file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"seed file {path} must map API names to state")
    return data


def options_config(options: dict[str, Any]) -> MockConfig:
    """The config ``mockserver serve``'s options, config file and environment make (cheap: no app)."""
    config = MockConfig()
    if options.get("config"):
        config = config.with_overrides(
            read_config_file(options["config"]), f"config file {options['config']}"
        )
    config = from_environment(config)
    overrides: dict[str, Any] = {"root_api": options.get("api")}
    if options.get("strict") is not None:
        overrides["strict"] = options["strict"]
    if options.get("max_body") is not None:
        overrides["max_body"] = options["max_body"]
    if options.get("public_admin_token") and config.admin_token is None:
        overrides["admin_token"] = options["public_admin_token"]  # bound beyond loopback, none configured
    for key in ("proxy_errors", "proxy_timeout", "violations_header_bytes", "store", "store_prefix"):
        if options.get(key) is not None:
            overrides[key] = options[key]
    if options.get("proxy"):  # per API, the command line beats the config file
        overrides["proxy"] = {**config.proxy, **options["proxy"]}
    if options.get("access_log") == "off":
        overrides["log_requests"] = False
    elif options.get("access_log"):
        overrides.update(log_requests=True, access_log_format=options["access_log"])
    return config.with_overrides(overrides)


def build_app(options: dict[str, Any]) -> Flask:
    config = options_config(options)
    apis = [options["api"]] if options.get("api") else None
    app = create_app(config, apis=apis)
    if options.get("seed"):
        seed = read_seed(options["seed"])
        store = app.extensions["mockserver"].store
        try:
            if store.fresh():  # a shared store keeps what replicas wrote: the seed starts a new one only
                store.load(seed)
        except StateLoadError as exc:
            raise ConfigurationError(f"seed file {options['seed']}: {exc}") from exc
        except StoreUnavailable as exc:
            raise ConfigurationError(f"seed file {options['seed']}: {exc.message}") from exc
    return app


def prepare(options: dict[str, Any]) -> str:
    """Build the app in the serving command's process; returns the options as the worker reads them."""
    global _prebuilt
    encoded = json.dumps(options)
    _prebuilt = (encoded, build_app(options))
    freeze_startup_heap()
    return encoded


def freeze_startup_heap() -> None:
    """Move what start-up built (modules, specs, compiled validators, the seed) out of the cyclic
    collector's reach: it lives as long as the process, yet every full collection walked it again,
    a pause on whichever request triggered it (bench/README.md, "POST create p99"). Frozen before
    granian forks the worker, the collector also leaves those pages unwritten, shared with the
    supervisor. Only what is alive now is frozen; what a request or a reset leaves behind is
    collected as before."""
    gc.collect()
    gc.freeze()


def prebuilt_config(encoded: str) -> MockConfig:
    """The config of the app ``prepare`` built for these options."""
    assert _prebuilt is not None and _prebuilt[0] == encoded
    config: MockConfig = _prebuilt[1].extensions["mockserver"].config
    return config


def _tune_logging() -> None:
    """Skip what the access log's format never prints (the logging HOWTO's "Optimization"):
    the caller's frame, thread, process and multiprocessing names (~3% of a small request)."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def app_from_environment() -> Flask:
    """The WSGI app of the serving process (the intake front runs it; any WSGI server can too)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    _tune_logging()
    encoded = os.environ.get(OPTIONS_VARIABLE, "{}")
    if _prebuilt is not None and _prebuilt[0] == encoded:
        app = _prebuilt[1]
    else:
        app = build_app(json.loads(encoded))
        freeze_startup_heap()
    mock = app.extensions["mockserver"]
    if mock.config.log_requests:  # this process's logging is ours: the access log goes direct
        mock.access_log = BufferedAccessLog(sys.stderr, prefix=mock.config.access_log_format == "text")
    return app


def intake_from_environment() -> Intake:
    """The ASGI factory granian calls in the serving process: the intake front before the WSGI app."""
    app = app_from_environment()
    mock = app.extensions["mockserver"]
    mock.capabilities = FRONT_CAPABILITIES  # chaos rules may delay and fault: the front carries them out
    config = mock.config
    options = json.loads(os.environ.get(OPTIONS_VARIABLE, "{}"))
    intake = Intake(
        app.wsgi_app,
        max_body=config.max_body,
        body_timeout=config.body_timeout,
        threads=int(options.get("threads") or 1),
    )
    intake.admission = mock.store.admission()  # the Redis store's head check: in the loop, no thread held
    return intake
