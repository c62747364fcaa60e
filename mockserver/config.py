"""Mock configuration: defaults, a YAML/JSON file, and environment variables.

Every key is one field of ``MockConfig`` declared with ``setting(default, schema, help)``: its
default, the JSON Schema its value must match and what it means. That is the one place a key is
added; the config schema (``CONFIG_SCHEMA``), the check of every file and mapping, and the
``mockserver serve --help`` list of keys are derived from it. A wrong type, an unknown key or a
malformed file is a ``ConfigurationError`` naming the file, the key path (``tokens[1].apis``)
and, for a syntax error, the line and column.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import yaml

from mockserver.errors import ConfigurationError
from mockserver.intake import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY

DEV_TOKEN = "dev-token"
DEV_API_KEY = "dev-api-key"
LOCAL_ORIGINS = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$"
ACCESS_LOG_FORMATS = ("text", "json")


def setting(
    default: Any, schema: Mapping[str, Any], help: str, *, factory: Callable[[], Any] | None = None
) -> Any:
    """A config key: its default (or ``factory`` for a mutable one), its JSON Schema, its meaning."""
    metadata = {"schema": schema, "help": help}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class TokenGrant:
    """A bearer token the mock accepts; ``None`` for apis/scopes means all of them."""

    token: str
    apis: frozenset[str] | None = None
    scopes: frozenset[str] | None = None
    subject: str = "dev"

    def allows_api(self, api: str) -> bool:
        return self.apis is None or api in self.apis


_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}
_TOKEN = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["token"],
            "additionalProperties": False,
            "properties": {
                "token": {"type": "string", "minLength": 1},
                "apis": _NAMES,
                "scopes": {"type": "array", "items": {"type": "string"}},
                "subject": {"type": "string"},
            },
        },
    ]
}
_SIZE = {"type": "integer", "minimum": 1}


@dataclass(frozen=True)
class MockConfig:
    tokens: tuple[TokenGrant, ...] = setting(
        (TokenGrant(DEV_TOKEN),),
        {"type": "array", "items": _TOKEN},
        "accepted bearer tokens: strings or {token, apis, scopes, subject}; replaces [dev-token]",
    )
    # None until create_app fills in each mounted API's own default (ApiDefinition.api_keys)
    api_keys: Mapping[str, tuple[str, ...]] | None = setting(
        None,
        {"type": "object", "additionalProperties": _NAMES},
        f"per API, the keys its token endpoint accepts; null: each API's own development key ({DEV_API_KEY})",
    )
    strict: bool = setting(False, {"type": "boolean"}, "validate every response against the spec")
    cors_origins: tuple[str, ...] = setting(
        (LOCAL_ORIGINS,), {"type": "array", "items": {"type": "string"}}, "origins allowed (regexes or exact)"
    )
    journal_size: int = setting(1000, _SIZE, "entries the request journal keeps")
    journal_bytes: int = setting(16 * 2**20, _SIZE, "bytes of headers and bodies the journal keeps in all")
    journal_body_limit: int = setting(64 * 2**10, _SIZE, "bytes of each request and response body kept")
    root_api: str | None = setting(None, {"type": ["string", "null"]}, "serve this API at / too")
    max_body: int = setting(
        DEFAULT_MAX_BODY, _SIZE, "bytes: a longer request body is refused with 413, unread"
    )
    body_timeout: float = setting(
        DEFAULT_BODY_TIMEOUT,
        {"type": "number", "exclusiveMinimum": 0},
        "seconds to send a whole body, else 408",
    )
    header_timeout: float = setting(
        10.0, {"type": "number", "exclusiveMinimum": 0}, "seconds to send the request line and headers"
    )
    allowed_hosts: tuple[str, ...] = setting(
        (),
        {"type": "array", "items": {"type": "string"}},
        "Host names the admin API and specs answer besides loopback",
    )
    admin_token: str | None = setting(
        None,
        {"type": ["string", "null"], "minLength": 1},
        "required by the admin API when set (generated on a public bind)",
    )
    tokens_per_api: int = setting(
        1000, _SIZE, "minted tokens kept per API (expired ones dropped, then the oldest)"
    )
    # The validating proxy (mockserver.proxy): API name → upstream base URL.
    proxy: Mapping[str, str] = setting(
        None,
        {},  # checked by _check_proxy, which names what a proxy entry must be
        "per API, the upstream base URL its requests are proxied to (checked against the spec)",
        factory=dict,
    )
    proxy_errors: bool = setting(False, {"type": "boolean"}, "answer a response that breaks the spec with 502")
    proxy_timeout: float = setting(
        10.0, {}, "seconds to wait for the upstream"
    )
    violations_header_bytes: int = setting(
        4096, {}, "bytes of the X-Mock-Violations header; 0: no header"
    )
    store: str = setting(
        "memory",
        {"type": "string", "minLength": 1},
        "where the state lives: memory (this process only) or redis://HOST:PORT/DB (shared by every "
        "worker and replica using the same store_prefix)",
    )
    store_prefix: str = setting(
        "mockserver",
        {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
        "Redis key prefix: one per deployment, so several mocks share a Redis without seeing each other",
    )
    log_requests: bool = setting(True, {"type": "boolean"}, "one access-log line per request")
    access_log_format: str = setting(
        "text", {"enum": list(ACCESS_LOG_FORMATS)}, "access log lines: text or json"
    )

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "config") -> MockConfig:
        check_config(overrides, source)
        return replace(self, **_parse_fields(overrides))

    def keys_for(self, api: str) -> tuple[str, ...]:
        """The keys ``api``'s token endpoint accepts."""
        return (self.api_keys or {}).get(api, ())

    def with_api_defaults(self, defaults: Mapping[str, tuple[str, ...]]) -> MockConfig:
        """This config, with ``defaults`` (each API's own keys) unless it names keys itself."""
        return self if self.api_keys is not None else replace(self, api_keys=dict(defaults))

    @property
    def dev_token_on(self) -> bool:
        return any(grant.token == DEV_TOKEN for grant in self.tokens)


CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {f.name: f.metadata["schema"] for f in fields(MockConfig)},
}
_VALIDATOR = jsonschema_rs.validator_for(CONFIG_SCHEMA)


def config_keys_help() -> str:
    """One line per config key with its default, for ``--help``."""
    lines = []
    for f in fields(MockConfig):
        default = f.default_factory() if callable(f.default_factory) else f.default
        lines.append(f"  {f.name}: {f.metadata['help']} (default {_plain(default)})")
    return "\n".join(lines)


def _plain(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, TokenGrant):
        return value.token
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    return "null" if value is None else json.dumps(value) if isinstance(value, bool) else str(value)


def _key_path(parts: list[str | int]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def check_config(raw: Any, source: str = "config") -> None:
    """Raise ConfigurationError for the first thing in ``raw`` the config schema refuses."""
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"{source}: must be a mapping of config keys, got {type(raw).__name__}")
    _check(_VALIDATOR, CONFIG_SCHEMA, dict(raw), [], source)


def _check(validator: Any, schema: Mapping[str, Any], value: Any, at: list[str | int], source: str) -> None:
    for error in validator.iter_errors(value):
        parts = [*at, *error.instance_path]
        path = _key_path(parts)
        where = f"{source}: {path}" if path else source
        kind = error.kind
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            known = f"; known keys: {', '.join(sorted(CONFIG_SCHEMA['properties']))}" if not path else ""
            raise ConfigurationError(f"{where}: unknown key {', '.join(map(repr, kind.unexpected))}{known}")
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.AnyOf):
            # say why the branch of the value's own type refused it (tokens[1].apis: not a list)
            node: Any = schema
            for step in error.schema_path:
                node = node[step]
            for branch in node:
                if _type_matches(branch.get("type"), error.instance):
                    _check(jsonschema_rs.validator_for(branch), branch, error.instance, parts, source)
        message = error.message
        if isinstance(error.instance, str) and 'of type "array"' in message:
            message += f" (a list of one is [{error.instance}])"
        raise ConfigurationError(f"{where}: {message}")


_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str, "object": Mapping, "array": list, "boolean": bool, "integer": int, "number": (int, float),
}  # fmt: skip


def _type_matches(declared: Any, value: Any) -> bool:
    return isinstance(declared, str) and isinstance(value, _JSON_TYPES.get(declared, ()))


def _parse_tokens(raw: Any) -> tuple[TokenGrant, ...]:
    grants = []
    for item in raw:
        if isinstance(item, str):
            grants.append(TokenGrant(item))
            continue
        apis, scopes = item.get("apis"), item.get("scopes")
        grants.append(
            TokenGrant(
                token=str(item["token"]),
                apis=frozenset(apis) if apis is not None else None,
                scopes=frozenset(scopes) if scopes is not None else None,
                subject=str(item.get("subject", "dev")),
            )
        )
    return tuple(grants)


def _parse_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    parsed = dict(raw)
    if "tokens" in parsed:
        parsed["tokens"] = _parse_tokens(parsed["tokens"])
    if "api_keys" in parsed:
        parsed["api_keys"] = {k: tuple(v) for k, v in parsed["api_keys"].items()}
    if "cors_origins" in parsed:
        parsed["cors_origins"] = tuple(parsed["cors_origins"])
    if "allowed_hosts" in parsed:
        parsed["allowed_hosts"] = tuple(str(h) for h in parsed["allowed_hosts"])
    _check_proxy(parsed)
    return parsed


MIN_VIOLATIONS_HEADER = 256  # room for a few violations and the "N more" note


def _check_proxy(parsed: Mapping[str, Any]) -> None:
    upstreams = parsed.get("proxy", {})
    if not isinstance(upstreams, Mapping):
        raise ConfigurationError("proxy must map API names to upstream URLs")
    for api, url in upstreams.items():
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ConfigurationError(
                f"proxy {api}: {url!r} is not an http(s) base URL like https://host/path"
            )
    timeout = parsed.get("proxy_timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise ConfigurationError(f"proxy_timeout must be a number of seconds in (0, 600], not {timeout!r}")
    size = parsed.get("violations_header_bytes", 0)
    if (
        isinstance(size, bool)
        or not isinstance(size, int)
        or (size and not MIN_VIOLATIONS_HEADER <= size <= 65536)
    ):
        raise ConfigurationError(
            f"violations_header_bytes must be 0 (off) or {MIN_VIOLATIONS_HEADER}..65536, not {size!r}"
        )


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON config file into a mapping of MockConfig fields, checked by the schema."""
    source = f"config file {path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read {source}: {exc}") from exc
    data = parse_document(text, source, as_json=str(path).endswith(".json"))
    if data is None:
        return {}
    check_config(data, source)
    return dict(data)


def parse_document(text: str, source: str, *, as_json: bool = False) -> Any:
    """A YAML (or JSON) document; a syntax error names its line and column (1-based)."""
    if as_json:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{source}: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigurationError(f"{source}: {where}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{source}: {exc}") from None


def from_environment(base: MockConfig | None = None) -> MockConfig:
    """Apply MOCKSERVER_CONFIG (a file), MOCKSERVER_TOKENS, MOCKSERVER_ADMIN_TOKEN and MOCKSERVER_STRICT."""
    config = base or MockConfig()
    if path := os.environ.get("MOCKSERVER_CONFIG"):
        config = config.with_overrides(read_config_file(path), f"config file {path}")
    if tokens := os.environ.get("MOCKSERVER_TOKENS"):
        extra = _parse_tokens(t.strip() for t in tokens.split(",") if t.strip())
        config = replace(config, tokens=config.tokens + extra)
    if admin_token := os.environ.get("MOCKSERVER_ADMIN_TOKEN"):
        config = replace(config, admin_token=admin_token)
    if strict := os.environ.get("MOCKSERVER_STRICT"):
        config = replace(config, strict=strict.lower() in {"1", "true", "yes", "on"})
    return config


def build_config(config: MockConfig | Mapping[str, Any] | None) -> MockConfig:
    if isinstance(config, MockConfig):
        return config
    return MockConfig().with_overrides(config or {})
