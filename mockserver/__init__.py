"""A spec-driven mock server for four calendar-event APIs."""

from __future__ import annotations

from importlib import metadata

from mockserver.app import create_app

__all__ = ["create_app", "package_version"]
DISTRIBUTION = "calendar-mockserver"


def package_version() -> str:
    """The installed distribution's version (pyproject.toml's, in a checkout's editable install)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
        return "0+unknown"
