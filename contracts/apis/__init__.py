"""What the harness knows of each API beyond its spec, one module per API
(``contracts/apis/<name>.py``: its :class:`~contracts.resources.Resources` and its suite's
variables), for every API of ``mockserver.apis``, the one list of APIs: a new API there needs a
module here, or the harness does not import.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import ModuleType

from contracts.resources import Resources
from contracts.variables import Variable
from mockserver.apis import API_DEFINITIONS

APIS: tuple[str, ...] = tuple(API_DEFINITIONS)


def _module(api: str) -> ModuleType:
    return import_module(f"{__name__}.{api}")


_MODULES = {api: _module(api) for api in APIS}
# operationId tables of every API's records (contracts.guard, contracts.checks, contracts.suite)
RESOURCES: Mapping[str, Resources] = {api: module.RESOURCES for api, module in _MODULES.items()}
# per-suite variables, CONTRACTS_<API>_<NAME> (contracts.options)
VARIABLES: tuple[Variable, ...] = tuple(v for module in _MODULES.values() for v in module.VARIABLES)
# variable names an API's suite used before the one pattern → the name to use now
RENAMED_VARIABLES: Mapping[str, str] = {
    old: new for module in _MODULES.values() for old, new in getattr(module, "RENAMED", {}).items()
}
