"""Who may use the admin API and read the served specs: the defences a local mock needs.

A web page the developer visits can send a "simple" cross-site request (a form post, a
``text/plain`` fetch) without a CORS preflight, and a DNS-rebinding page can read answers under
its own host name. So, for ``/__mock/*`` and the served specs:

- the ``Host`` header must be a loopback name or address, or one of ``allowed_hosts``
  (a request carrying the admin token passes too: a rebinding page cannot know it);
- a write (POST, PUT, PATCH, DELETE) with an ``Origin`` must come from an origin the CORS
  settings allow, and one with a body must declare it JSON or YAML (a browser can send neither
  without a preflight the CORS rules refuse); a bodyless write without ``Content-Type`` from a
  tool (curl, the harness) carries no ``Origin`` and stays allowed;
- with an ``admin_token`` configured (always when bound to anything but loopback), every admin
  request but ``/__mock/health`` needs ``Authorization: Bearer <admin_token>``.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from typing import Any

from flask_cors.core import get_cors_origins
from werkzeug.datastructures import Headers

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DOCUMENT_TYPES = ("application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
OPEN_PATHS = frozenset({"/__mock/health"})  # start-up probes; names the mounted APIs, nothing else
REDACTED = "<redacted>"


def is_loopback(host: str) -> bool:
    """``localhost``, ``*.localhost``, 127.0.0.0/8 or ::1 (a bare name or address, no port)."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The name part of a ``Host`` header: ``[::1]:8080`` -> ``[::1]``, ``a.b:80`` -> ``a.b``."""
    if host_header.startswith("["):
        return host_header[: host_header.find("]") + 1]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def new_admin_token() -> str:
    return secrets.token_urlsafe(24)


class AdminGuard:
    """Checks one request to the admin API or a served spec; ``refusal`` says why it is refused."""

    def __init__(self, cors: Any, allowed_hosts: Iterable[str], admin_token: str | None) -> None:
        self.cors = cors  # flask-cors' resolved options: the origins CORS allows
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.admin_token = admin_token

    def refusal(
        self, method: str, path: str, headers: Headers, has_body: bool, admin: bool
    ) -> tuple[int, str] | None:
        """(status, message) when the request must be refused, else None."""
        authorized = self.admin_token is not None and secrets.compare_digest(
            headers.get("Authorization", "").encode(), f"Bearer {self.admin_token}".encode()
        )
        if admin and self.admin_token is not None and not authorized and path not in OPEN_PATHS:
            return 401, "the admin API needs Authorization: Bearer <admin token> (see the start-up banner)"
        host = host_name(headers.get("Host", ""))
        if not authorized and not is_loopback(host) and host.lower() not in self.allowed_hosts:
            return 403, (
                f"Host {host[:100]!r} is neither a loopback name nor one of the configured "
                "allowed_hosts (DNS-rebinding defence)"
            )
        if not admin or method not in WRITES:
            return None
        origin = headers.get("Origin")
        if origin is not None and not get_cors_origins(self.cors, origin):
            return (
                403,
                f"admin writes from origin {origin[:100]!r} are refused: the CORS settings do not allow it",
            )
        content_type = headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if (has_body or content_type) and content_type not in DOCUMENT_TYPES:
            return 403, (
                f"admin writes need a JSON or YAML Content-Type, not {content_type[:100] or 'none'!r} "
                "(a web page can send text/plain or a form to any site without asking)"
            )
        return None


def redact(data: Any, secret_keys: frozenset[str]) -> Any:
    """``data`` with the value under each of ``secret_keys`` replaced by ``REDACTED`` (a mapping
    under such a key keeps its values, its keys, which are the secrets, are numbered instead)."""
    if isinstance(data, list):
        return [redact(item, secret_keys) for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key not in secret_keys:
            out[key] = redact(value, secret_keys)
        elif isinstance(value, dict):
            out[key] = {f"{REDACTED} {n}": redact(v, secret_keys) for n, v in enumerate(value.values(), 1)}
        else:
            out[key] = REDACTED
    return out
