"""A spec-driven mock server for four calendar-event APIs.

PYTEST_DONT_REWRITE: the package registers a pytest plugin (pytest11), so pytest marks its
modules for assertion rewriting; the ``contracts`` command imports them before pytest starts,
and that marker keeps pytest from warning (an error under filterwarnings) that it cannot.
"""

from __future__ import annotations

from mockserver.app import create_app

__all__ = ["create_app", "package_version"]
DISTRIBUTION = "calendar-mockserver"


def package_version() -> str:
    """The installed distribution's version (pyproject.toml's, in a checkout's editable install)."""
    from importlib import metadata  # here: ~25 ms of imports (email, zipfile) no start needs

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
        return "0+unknown"
