"""The mock's own pages: the landing page, the live dashboard and what they share.

Server-rendered HTML with a little JavaScript from ``static/`` (no build step, no CDN). Every page
answers with a Content-Security-Policy that lets it load and call only this server, so no request
leaves the machine whatever a page (or Swagger UI on the docs page) tries. The dashboard's writes
are same-origin ``fetch`` calls with a JSON body to the admin API, like any other admin client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Blueprint, Response, current_app, render_template, request, url_for

from mockserver.admin import ADMIN_PREFIX, admin_spec
from mockserver.config import DEV_API_KEY, DEV_TOKEN, TokenGrant
from mockserver.masking import mask

if TYPE_CHECKING:
    from mockserver.mock import MockServer

# Only this origin, for everything; Swagger UI sets inline styles and uses data: images (its icons).
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
ADMIN_NAME = "admin"  # the admin API's entry among the documented specs

pages_blueprint = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path=f"{ADMIN_PREFIX}/static",
)


@dataclass(frozen=True)
class Documented:
    """One spec the pages list: a mounted API, or the admin API."""

    name: str
    title: str
    mounts: tuple[str, ...]  # where its requests go: "/perscom", and "/" when it is the root API
    spec_json: str
    spec_yaml: str
    operations: int


def _mock() -> MockServer:
    mock: MockServer = current_app.extensions["mockserver"]
    return mock


def is_page(path: str) -> bool:
    """A page for people (HTML, its scripts and styles) under the admin prefix, not the admin API:
    a browser cannot send the admin token when it opens one, so only the admin calls need it."""
    pages = (f"{ADMIN_PREFIX}/", f"{ADMIN_PREFIX}/ui", f"{ADMIN_PREFIX}/docs")
    return path in pages or path.startswith((f"{ADMIN_PREFIX}/docs/", f"{ADMIN_PREFIX}/static/"))


def documented(mock: MockServer) -> list[Documented]:
    """The mounted APIs in name order, then the admin API."""
    listed = []
    for name in sorted(mock.runtimes):
        spec = mock.runtimes[name].spec
        mounts = (f"/{name}", "/") if mock.config.root_api == name else (f"/{name}",)
        title = str(spec.document.get("info", {}).get("title", name))
        listed.append(
            Documented(
                name, title, mounts, f"/{name}/openapi.json", f"/{name}/openapi.yaml", len(spec.operations)
            )
        )
    admin = admin_spec()
    listed.append(
        Documented(
            ADMIN_NAME,
            str(admin.document["info"]["title"]),
            (ADMIN_PREFIX,),
            f"{ADMIN_PREFIX}/openapi.json",
            f"{ADMIN_PREFIX}/openapi.yaml",
            len(admin.operations),
        )
    )
    return listed


def masked(token: str) -> str:
    """A credential as the landing page shows it: the built-in dev token and API key (printed at
    start-up and in the README) in full, any other masked."""
    return token if token in (DEV_TOKEN, DEV_API_KEY) else mask(token)


def _grant_scope(grant: TokenGrant) -> str:
    apis = ", ".join(sorted(grant.apis)) if grant.apis is not None else "every API"
    scopes = ", ".join(sorted(grant.scopes)) if grant.scopes is not None else "all scopes"
    return f"{apis}; {scopes}"


def landing_url() -> str:
    """Where the landing page is: ``/``, or ``/__mock/`` when one API is mounted at the root."""
    return f"{ADMIN_PREFIX}/" if _mock().config.root_api else "/"


def secure_page(response: Response) -> Response:
    """The headers every page of the mock answers with."""
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


pages_blueprint.after_request(secure_page)


@pages_blueprint.get("/")
@pages_blueprint.get(f"{ADMIN_PREFIX}/")
def landing() -> str:
    mock = _mock()
    base = request.host_url.rstrip("/")
    tokens = [(masked(g.token), _grant_scope(g)) for g in mock.config.tokens]
    keys = {api: [masked(k) for k in keys] for api, keys in sorted((mock.config.api_keys or {}).items())}
    return render_template(
        "landing.html",
        base=base,
        specs=documented(mock),
        admin_name=ADMIN_NAME,
        admin=ADMIN_PREFIX,
        strict=mock.config.strict,
        root_api=mock.config.root_api,
        tokens=tokens,
        api_keys={api: k for api, k in keys.items() if api in mock.runtimes},
        dev_token=DEV_TOKEN if any(g.token == DEV_TOKEN for g in mock.config.tokens) else None,
        journal_size=mock.config.journal_size,
        home=landing_url(),
    )


@pages_blueprint.get(f"{ADMIN_PREFIX}/ui")
def dashboard() -> str:
    mock = _mock()
    operations = {
        name: sorted(op.operation_id for op in runtime.spec.operations)
        for name, runtime in sorted(mock.runtimes.items())
    }
    settings = {
        "admin": ADMIN_PREFIX,
        "apis": sorted(mock.runtimes),
        "operations": operations,
        "journalSize": mock.config.journal_size,
        "docs": url_for("docs.page"),
    }
    return render_template(
        "dashboard.html",
        settings=settings,
        apis=sorted(mock.runtimes),
        operations=operations,
        strict=mock.config.strict,
        admin=ADMIN_PREFIX,
        home=landing_url(),
    )
