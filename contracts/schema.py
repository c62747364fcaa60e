"""Load a spec for schemathesis, bound to a target (in-process app or live base URL)."""

from __future__ import annotations

import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema

from contracts.target import Target
from mockserver.spec import SPECS_DIR


def load_schema(target: Target) -> OpenApiSchema:
    # Auth goes into schemathesis' own auth config for the spec's bearer scheme, never into
    # call_and_validate(headers=...): negative auth cases stay negative, and checks such as
    # ignored_auth know the token is the configured one (see shared/notes/schemathesis-4.md).
    config = schemathesis.Config.from_dict({"auth": {"openapi": {"bearerAuth": {"bearer": target.token}}}})
    schema = schemathesis.openapi.from_path(SPECS_DIR / f"{target.api}.yaml", config=config)
    schema.config.update(base_url=target.base_url)
    if target.app is not None:
        schema.app = target.app
    return schema
