"""Load a spec for schemathesis, bound to a target (in-process app or live base URL)."""

from __future__ import annotations

import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema

from contracts.target import Target
from mockserver.spec import SPECS_DIR


def load_schema(target: Target) -> OpenApiSchema:
    schema = schemathesis.openapi.from_path(SPECS_DIR / f"{target.api}.yaml")
    # Auth goes into the config, never into call_and_validate(headers=...): negative auth cases
    # must stay negative (see shared/notes/schemathesis-4.md, trap 1).
    schema.config.update(headers={"Authorization": f"Bearer {target.token}"}, base_url=target.base_url)
    if target.app is not None:
        schema.app = target.app
    return schema
