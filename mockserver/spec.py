"""Load an OpenAPI document once and describe its operations."""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mockserver.errors import ConfigurationError

# The vendor documents: the repository's specs/ directory, installed as the package data
# mockserver.specs (pyproject.toml). pip always installs unpacked, so this is a real folder.
SPECS_DIR = Path(str(resources.files("mockserver.specs")))
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    parameters: tuple[Mapping[str, Any], ...]
    request_body: Mapping[str, Any] | None
    responses: Mapping[str, Any]
    security: tuple[Mapping[str, Any], ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def resolve(document: Mapping[str, Any], node: Any) -> Any:
    """Follow ``$ref`` pointers inside ``document`` until a concrete node is reached."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            raise ConfigurationError(f"unsupported or circular $ref: {ref!r}")
        seen.add(ref)
        node = document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# libyaml's loader when PyYAML has it (every wheel does): 8-25x faster than the Python one, the
# same documents (tests/test_specs.py compares them)
YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _file_key(path: str | Path) -> tuple[str, int, int]:
    status = os.stat(path)
    return os.fspath(path), status.st_mtime_ns, status.st_size


@functools.lru_cache(maxsize=32)
def _parsed(path: str, mtime_ns: int, size: int) -> Any:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=YAML_LOADER)


class Spec:
    """An OpenAPI document with its operations listed; loaded once per app."""

    def __init__(self, document: Mapping[str, Any], source: str = "<dict>") -> None:
        self.document = document
        self.source = source
        self.components: Mapping[str, Any] = document.get("components", {})
        self.operations = tuple(self._operations())

    @classmethod
    def from_file(cls, path: str | Path) -> Spec:
        """The document at ``path``, parsed once per process (while the file is unchanged): every
        ``Spec`` gets its own deep copy, so nothing one app does to its document reaches another."""
        try:
            document = copy.deepcopy(_parsed(*_file_key(path)))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"cannot load spec {path}: {exc}") from exc
        return cls(document, str(path))

    def _operations(self) -> list[Operation]:
        found = []
        default_security = tuple(self.document.get("security", ()))
        for path, item in self.document.get("paths", {}).items():
            item = resolve(self.document, item)
            shared = [resolve(self.document, p) for p in item.get("parameters", ())]
            for method in HTTP_METHODS:
                if method in item:
                    found.append(self._operation(path, method, item[method], shared, default_security))
        return found

    def _operation(
        self,
        path: str,
        method: str,
        raw: Mapping[str, Any],
        shared: list[Mapping[str, Any]],
        default_security: tuple[Mapping[str, Any], ...],
    ) -> Operation:
        if "operationId" not in raw:
            raise ConfigurationError(f"{self.source}: {method.upper()} {path} has no operationId")
        own = [resolve(self.document, p) for p in raw.get("parameters", ())]
        keys = {(p["name"], p["in"]) for p in own}
        parameters = tuple(own + [p for p in shared if (p["name"], p["in"]) not in keys])
        body = resolve(self.document, raw["requestBody"]) if "requestBody" in raw else None
        responses = {code: resolve(self.document, r) for code, r in raw.get("responses", {}).items()}
        security = tuple(raw["security"]) if "security" in raw else default_security
        return Operation(raw["operationId"], method.upper(), path, parameters, body, responses, security)

    def served(self, mount: str) -> dict[str, Any]:
        """The document as the mock serves it: ``servers`` point at the mount."""
        document = copy.deepcopy(dict(self.document))
        vendor = [s.get("url") for s in document.get("servers", ())]
        document["servers"] = [{"url": mount or "/", "description": "this mock"}]
        document["x-vendor-servers"] = vendor
        return document
