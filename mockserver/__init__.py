"""A spec-driven mock server for four calendar-event APIs."""

from __future__ import annotations

from mockserver.app import create_app

__all__ = ["create_app"]
