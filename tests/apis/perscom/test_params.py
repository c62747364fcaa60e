from __future__ import annotations

import pytest

from mockserver.apis.perscom.params import (
    Trashed,
    check_version,
    flag,
    requested_includes,
    top_level_relations,
    trash_mode,
    visible,
)
from mockserver.apis.perscom.rules import UnsupportedVersion


@pytest.mark.parametrize("version", ["v1", "v2"], ids=["v1", "v2"])
def test_known_versions_pass(version: str) -> None:
    assert check_version(version) == version


@pytest.mark.parametrize("version", ["v3", "V2", "", "latest"], ids=["v3", "uppercase", "empty", "word"])
def test_other_versions_are_400(version: str) -> None:
    with pytest.raises(UnsupportedVersion) as caught:
        check_version(version)
    assert caught.value.status == 400
    assert caught.value.error_type == "HttpException"
    assert caught.value.message == (
        "The provided API version is not valid. The currently available versions are: v1, v2"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, []),
        (["author", "calendar"], ["author", "calendar"]),
        (["tags", "tags", "author.*"], ["tags", "author.*"]),
    ],
    ids=["absent", "list", "dedup"],
)
def test_requested_includes(raw: list[str] | None, expected: list[str]) -> None:
    assert requested_includes(raw) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
        ("maybe", False),
        (None, False),
    ],
)
def test_flags_read_as_php_filter_var_reads_them(value: str | None, expected: bool) -> None:
    assert flag(value) is expected


def test_top_level_relations() -> None:
    assert top_level_relations(["author.rank", "tags", "author"]) == ["author", "tags"]


@pytest.mark.parametrize(
    ("with_trashed", "only_trashed", "mode", "live_visible", "trashed_visible"),
    [
        (None, None, Trashed.WITHOUT, True, False),
        (True, None, Trashed.WITH, True, True),
        (None, True, Trashed.ONLY, False, True),
        (True, True, Trashed.WITH, True, True),
    ],
    ids=["default", "with", "only", "with-wins"],
)
def test_trash_modes(
    with_trashed: bool | None,
    only_trashed: bool | None,
    mode: Trashed,
    live_visible: bool,
    trashed_visible: bool,
) -> None:
    assert trash_mode(with_trashed, only_trashed) is mode
    assert visible(None, mode) is live_visible
    assert visible("2024-01-01T00:00:00Z", mode) is trashed_visible
