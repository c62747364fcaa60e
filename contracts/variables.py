"""The ``CONTRACTS_*`` variables: their prefix, and a per-suite variable's declaration."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "CONTRACTS_"


@dataclass(frozen=True)
class Variable:
    """A value a suite's scenarios need from the target (ids that exist there, a second key)."""

    api: str
    name: str  # CONTRACTS_<API>_<name>
    default: str | None
    meaning: str

    @property
    def env(self) -> str:
        return f"{PREFIX}{self.api.upper()}_{self.name}"
