"""Match request paths to spec operations.

All of an API's path templates are compiled into one regular expression, tried in Werkzeug's
order: at the first segment where two templates differ, a literal segment wins over a parameter
(``/{version}/events/search`` before ``/{version}/events/{event}``). A parameter matches one
non-empty segment (``[^/]+``, after percent-decoding, so an encoded newline stays inside it);
leading slashes are ignored and one trailing slash is allowed, as Werkzeug's ``Map`` with
``strict_slashes=False`` does. ``tests/test_routing.py`` checks this against such a ``Map``;
this one is ~10x faster, and routing runs on every request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from mockserver.errors import MethodNotAllowed, RouteNotFound
from mockserver.spec import Operation

_PARAM = re.compile(r"\{([^}/]+)\}")
MEMO_ENTRIES = 1024  # (path, method) pairs matched before, remembered; past that the memo starts over
MEMO_PATH_CHARS = 256  # a longer path is matched every time, never kept


def _priority(template: str) -> tuple[int, ...]:
    """Sort key: literal segments (0) before segments holding a parameter (1), left to right."""
    return tuple(1 if _PARAM.search(segment) else 0 for segment in template.strip("/").split("/"))


def _pattern(template: str, group: str, names: list[str]) -> str:
    """``/events/{event-id}`` → ``/events/(?P<g3_0>[^/]+)``; ``names`` gets the spec's names."""
    parts: list[str] = []
    last = 0
    for found in _PARAM.finditer(template):
        parts.append(re.escape(template[last : found.start()]))
        parts.append(f"(?P<{group}_{len(names)}>[^/]+)")
        names.append(found.group(1))
        last = found.end()
    parts.append(re.escape(template[last:]))
    return f"(?P<{group}>{''.join(parts).rstrip('/')})"


class Router:
    """Finds the operation for (path, method); 404 and 405 are raised as ApiErrors."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._by_path: dict[str, dict[str, Operation]] = {}
        for operation in operations:
            self._by_path.setdefault(operation.path, {})[operation.method] = operation
        self._templates = sorted(self._by_path, key=_priority)
        # per template's group name: (template, ((parameter name, its group name), ...))
        self._groups: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
        alternatives = []
        for index, template in enumerate(self._templates):
            names: list[str] = []
            alternatives.append(_pattern("/" + template.lstrip("/"), f"t{index}", names))
            self._groups[f"t{index}"] = (template, tuple((n, f"t{index}_{i}") for i, n in enumerate(names)))
        self._regex = re.compile(f"(?:{'|'.join(alternatives)})/?", re.DOTALL)
        # (path, method) -> (operation, path arguments) of the requests matched so far: a client
        # asks for the same paths again and again; what does not match (404, 405) is not kept
        self._memo: dict[tuple[str, str], tuple[Operation, dict[str, str]]] = {}

    def allowed(self, path_template: str) -> list[str]:
        methods = set(self._by_path[path_template])
        if "GET" in methods:
            methods.add("HEAD")  # every GET answers HEAD too (RFC 9110 §9.3.2)
        return sorted(methods)

    def _find(self, path: str) -> tuple[str, dict[str, str]] | None:
        found = self._regex.fullmatch("/" + path.lstrip("/"))
        if found is None:
            return None
        template, params = self._groups[found.lastgroup or ""]
        return template, {name: found[group] for name, group in params}

    def match(self, path: str, method: str) -> tuple[Operation, dict[str, str]]:
        known = self._memo.get((path, method))
        if known is not None:
            return known[0], known[1].copy()
        operation, path_args = self._match(path, method)
        if len(path) <= MEMO_PATH_CHARS:
            if len(self._memo) >= MEMO_ENTRIES:
                self._memo.clear()
            self._memo[(path, method)] = (operation, path_args.copy())
        return operation, path_args

    def _match(self, path: str, method: str) -> tuple[Operation, dict[str, str]]:
        found = self._find(path)
        if found is None:
            raise RouteNotFound(path)
        template, path_args = found
        operations: Mapping[str, Operation] = self._by_path[template]
        if method == "HEAD" and "HEAD" not in operations and "GET" in operations:
            method = "GET"  # the caller drops the body
        if method not in operations:
            raise MethodNotAllowed(self.allowed(template), method)
        return operations[method], path_args

    def template_for(self, path: str) -> str | None:
        found = self._find(path)
        return None if found is None else found[0]
