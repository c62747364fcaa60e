"""Mock configuration: defaults, a YAML/JSON file, and environment variables."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from mockserver.errors import ConfigurationError
from mockserver.intake import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY

DEV_TOKEN = "dev-token"
DEV_API_KEY = "dev-api-key"
LOCAL_ORIGINS = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$"


@dataclass(frozen=True)
class TokenGrant:
    """A bearer token the mock accepts; ``None`` for apis/scopes means all of them."""

    token: str
    apis: frozenset[str] | None = None
    scopes: frozenset[str] | None = None
    subject: str = "dev"

    def allows_api(self, api: str) -> bool:
        return self.apis is None or api in self.apis


@dataclass(frozen=True)
class MockConfig:
    tokens: tuple[TokenGrant, ...] = (TokenGrant(DEV_TOKEN),)
    api_keys: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {"twelvetwenty": (DEV_API_KEY,)})
    strict: bool = False
    cors_origins: tuple[str, ...] = (LOCAL_ORIGINS,)
    journal_size: int = 1000  # entries
    journal_bytes: int = 16 * 2**20  # bodies and headers kept, all entries together
    journal_body_limit: int = 64 * 2**10  # bytes of each request and response body kept
    root_api: str | None = None
    max_body: int = DEFAULT_MAX_BODY  # bytes: a longer request body is refused with 413, unread
    body_timeout: float = DEFAULT_BODY_TIMEOUT  # seconds to send a whole body, else 408
    header_timeout: float = 10.0  # seconds to send the request line and headers (granian cuts them)
    allowed_hosts: tuple[str, ...] = ()  # Host names the admin API and specs answer besides loopback
    tokens_per_api: int = 1000  # minted tokens kept per API (expired ones dropped, then the oldest)
    admin_token: str | None = None  # required by the admin API when set (generated on a public bind)
    log_requests: bool = True
    # The validating proxy (mockserver.proxy): API name → upstream base URL.
    proxy: Mapping[str, str] = field(default_factory=dict)
    proxy_errors: bool = False
    proxy_timeout: float = 10.0
    violations_header_bytes: int = 4096  # 0: no X-Mock-Violations header

    def with_overrides(self, overrides: Mapping[str, Any]) -> MockConfig:
        return replace(self, **_parse_fields(overrides))


def _parse_tokens(raw: Any) -> tuple[TokenGrant, ...]:
    grants = []
    for item in raw:
        if isinstance(item, str):
            grants.append(TokenGrant(item))
            continue
        if not isinstance(item, Mapping) or "token" not in item:
            raise ConfigurationError(f"a token entry needs a 'token' key: {item!r}")
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
    known = set(MockConfig.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ConfigurationError(f"unknown config keys: {', '.join(sorted(unknown))}")
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
    """Read a YAML or JSON config file into a mapping of MockConfig fields."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read config file {path}: {exc}") from exc
    data = yaml.safe_load(text) if not str(path).endswith(".json") else json.loads(text)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"config file {path} must hold a mapping")
    return dict(data)


def from_environment(base: MockConfig | None = None) -> MockConfig:
    """Apply MOCKSERVER_CONFIG (a file), MOCKSERVER_TOKENS, MOCKSERVER_ADMIN_TOKEN and MOCKSERVER_STRICT."""
    config = base or MockConfig()
    if path := os.environ.get("MOCKSERVER_CONFIG"):
        config = config.with_overrides(read_config_file(path))
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
