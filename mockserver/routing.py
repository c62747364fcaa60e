"""Match request paths to spec operations with a Werkzeug map built from the spec's paths."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.routing import Map, Rule

from mockserver.errors import MethodNotAllowed, NotFound
from mockserver.spec import Operation

_PARAM = re.compile(r"\{([^}/]+)\}")


def werkzeug_rule(path: str) -> tuple[str, dict[str, str]]:
    """``/events/{event-id}`` → ``/events/<p0>`` plus the map back to the spec's names."""
    names: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        alias = f"p{len(names)}"
        names[alias] = match.group(1)
        return f"<{alias}>"

    return _PARAM.sub(replace, path), names


class Router:
    """Finds the operation for (path, method); 404 and 405 are raised as ApiErrors."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._by_path: dict[str, dict[str, Operation]] = {}
        self._names: dict[str, dict[str, str]] = {}
        rules = []
        for operation in operations:
            if operation.path not in self._by_path:
                rule, names = werkzeug_rule(operation.path)
                self._names[operation.path] = names
                rules.append(Rule(rule, endpoint=operation.path))
            self._by_path.setdefault(operation.path, {})[operation.method] = operation
        self._map = Map(rules, strict_slashes=False, merge_slashes=False)
        self._adapter = self._map.bind("mock")

    def allowed(self, path_template: str) -> list[str]:
        return sorted(self._by_path[path_template])

    def match(self, path: str, method: str) -> tuple[Operation, dict[str, str]]:
        try:
            template, args = self._adapter.match(path or "/", method="GET")
        except WerkzeugNotFound:
            raise NotFound("Not found", path=path) from None
        operations: Mapping[str, Operation] = self._by_path[template]
        names = self._names[template]
        path_args = {names[k]: v for k, v in args.items()}
        if method not in operations:
            raise MethodNotAllowed(self.allowed(template), method)
        return operations[method], path_args

    def template_for(self, path: str) -> str | None:
        try:
            template, _ = self._adapter.match(path or "/", method="GET")
        except WerkzeugNotFound:
            return None
        return str(template)
