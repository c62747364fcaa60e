"""schemathesis' collector for ``@schema_test`` functions, with each operation's test built when
its item runs instead of at collection.

schemathesis builds an operation's Hypothesis test, coverage-phase cases included, as it collects
the item: about 6 s of CPU for the four suites, paid again by every process of a parallel run
(pytest-xdist has each worker collect every item) and for every item a ``-k`` leaves out. Here an
item is collected with a stand-in of the test's signature (what pytest reads to give it its
fixtures) and :func:`build` puts the real test in its place in the item's setup, before Hypothesis
and schemathesis look at it. The same test is built from the same arguments, so the cases, their
seeds and the checks are the ones schemathesis' own collector would run.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator
from typing import Any

import pytest
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Ok
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.pytest.plugin import SchemathesisCase, SchemathesisFunction

_BUILD = pytest.StashKey[Callable[[], Callable[..., Any]]]()


class DeferredCase(SchemathesisCase):
    """One item per operation, as :class:`SchemathesisCase` makes them, built on first run."""

    def _gen_items(self, result: Any, feedback: FeedbackSources) -> Generator[SchemathesisFunction, None, None]:
        if self.is_invalid_test or not isinstance(result, Ok):
            yield from super()._gen_items(result, feedback)
            return
        operation = result.ok()
        build: Callable[[], Callable[..., Any]] = functools.partial(
            build_operation_test,
            config=self.schema.config,
            operation=operation,
            test_func=self.test_function,
            given_kwargs=self.given_kwargs,
            feedback=feedback,
        )
        stand_in = _stand_in(self.test_function, self.given_kwargs)
        for item in self._make_items(stand_in, self._get_test_name(operation), operation.label, operation.tags):
            item.stash[_BUILD] = build
            yield item


def build(item: pytest.Item) -> None:
    """Give a deferred item its real test (called first in the item's setup); a definition the
    test cannot be built from fails the item as schemathesis' collector would have failed it."""
    make = item.stash.get(_BUILD, None)
    if make is None or not isinstance(item, pytest.Function):
        return
    del item.stash[_BUILD]
    try:
        item.obj = make()
    except InvalidSchema as exc:
        item.obj = exc.as_failing_test_function()


def _stand_in(test: Callable[..., Any], given: dict[str, Any]) -> Callable[..., Any]:
    """A function with ``test``'s signature less the parameters schemathesis fills (``case``):
    the signature of the test it builds, so pytest gives the item the same fixtures."""
    signature = inspect.signature(test)
    kept = [parameter for name, parameter in signature.parameters.items() if name not in {"case", *given}]

    def not_built(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a deferred schema test ran before its setup built it")

    not_built.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    not_built.__name__ = test.__name__
    not_built.__module__ = test.__module__
    if hasattr(test, "pytestmark"):  # marks the item takes from its function
        not_built.pytestmark = test.pytestmark  # type: ignore[attr-defined]
    return not_built
