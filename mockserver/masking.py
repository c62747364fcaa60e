"""How a secret is shown where people read it (the journal, the access log, the start-up banner).

A secret keeps its first characters, so a reader can tell ``dev-token`` from ``qa-token``, and
loses the rest: ``dev-token`` → ``dev-…(9)``. A secret shorter than eight characters is hidden
whole (``…(5)``). In an ``Authorization`` header the scheme stays readable (``Bearer dev-…(9)``).
"""

from __future__ import annotations

SHOWN = 4  # leading characters of a secret that stay readable
SHORTEST_SHOWN = 8  # a shorter secret shows none
# request headers whose values are credentials (lower case); any name holding "token",
# "secret" or "api-key" is masked too
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_SECRET_WORDS = ("token", "secret", "api-key", "apikey", "password")


def mask(secret: str) -> str:
    if len(secret) < SHORTEST_SHOWN:
        return f"…({len(secret)})"
    return f"{secret[:SHOWN]}…({len(secret)})"


def mask_header(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered not in SECRET_HEADERS and not any(word in lowered for word in _SECRET_WORDS):
        return value
    if lowered.endswith("authorization"):
        scheme, sep, credentials = value.partition(" ")
        if sep and credentials:
            return f"{scheme} {mask(credentials.strip())}"
    return mask(value)
