"""``/__mock/docs``: Swagger UI over every mounted API's spec and the admin API's, offline.

Swagger UI's files come from the flask-swagger-ui package (it bundles the built distribution), so
the page needs no network and no build step. The page is ours: one selector for all the specs, the
dev token pre-authorised (``static/docs.js``), the online validator badge off, and the pages'
Content-Security-Policy, which lets the page reach only this server. Each spec is the one the mock
serves, whose ``servers`` point at the mock's mount, so "Try it out" calls the mock.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory
from werkzeug.exceptions import NotFound

from mockserver.admin import ADMIN_PREFIX
from mockserver.config import DEV_TOKEN
from mockserver.pages import documented, landing_url, secure_page

if TYPE_CHECKING:
    from mockserver.mock import MockServer

docs_blueprint = Blueprint("docs", __name__, url_prefix=f"{ADMIN_PREFIX}/docs")
docs_blueprint.after_request(secure_page)
SWAGGER_UI = str(resources.files("flask_swagger_ui") / "dist")
# What the page loads from the distribution (the rest of it, the OAuth2 redirect page and the
# unbundled build, is not served: the page has no OAuth2 flow and needs one bundle).
ASSETS = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "favicon-16x16.png",
        "favicon-32x32.png",
    }
)


def entry_name(title: str, operations: int) -> str:
    """A spec's name in the selector (what ``urls.primaryName`` matches)."""
    return f"{title} ({operations} operations)"


@docs_blueprint.get("", strict_slashes=False)
def page() -> str:
    mock: MockServer = current_app.extensions["mockserver"]
    specs = documented(mock)
    urls = [{"url": s.spec_json, "name": entry_name(s.title, s.operations)} for s in specs]
    wanted = request.args.get("api")
    primary = next((u["name"] for s, u in zip(specs, urls, strict=True) if s.name == wanted), urls[0]["name"])
    accepted = any(grant.token == DEV_TOKEN for grant in mock.config.tokens)
    config = {
        "urls": urls,
        "primary": primary,
        "devToken": DEV_TOKEN if accepted else None,
        "admin": ADMIN_PREFIX,
    }
    return render_template(
        "docs.html", config=config, home=landing_url(), admin=ADMIN_PREFIX, strict=mock.config.strict
    )


@docs_blueprint.get("/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        raise NotFound(f"no Swagger UI file {name!r} here")
    return send_from_directory(SWAGGER_UI, name)
