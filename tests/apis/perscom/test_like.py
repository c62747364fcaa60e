"""SQL LIKE: the compiled matcher against the character-by-character one it replaced."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.apis.perscom.sql import _MANY, _ONE, _like_tokens, like


def reference(tokens: list[str], subject: str) -> bool:
    """The previous implementation: wildcard matching with one backtrack point."""
    pos = index = 0
    star, mark = -1, 0
    while pos < len(subject):
        if index < len(tokens) and tokens[index] in (_ONE, subject[pos]):
            pos, index = pos + 1, index + 1
        elif index < len(tokens) and tokens[index] == _MANY:
            star, mark, index = index, pos, index + 1
        elif star >= 0:
            mark += 1
            pos, index = mark, star + 1
        else:
            return False
    return all(token == _MANY for token in tokens[index:])


@settings(max_examples=3000, deadline=None)
@given(pattern=st.text("ab%_\\.\n", max_size=8), subject=st.text("abAB%_\\.\n", max_size=10))
def test_like_matches_as_before(pattern: str, subject: str) -> None:
    assert like(subject, pattern) is reference(_like_tokens(pattern), subject)
    assert like(subject, pattern, case_sensitive=False) is reference(
        _like_tokens(pattern.lower()), subject.lower()
    )


def test_like_examples() -> None:
    assert like("Weekly drill", "%drill%") and not like("Weekly Drill", "%drill%")
    assert like("Weekly Drill", "%drill%", case_sensitive=False)
    assert like("abc", "a_c") and not like("abbc", "a_c")
    assert like("50% off", "50\\% %") and not like("50 off", "50\\%%")
    assert like("a" * 5000 + "b", "%a%a%a%a%a%b") and not like("a" * 5000, "%a%a%a%a%a%b")
    # parts between % may not overlap: each is looked for after the end of the one before it
    assert not like("abab", "%ab%ba%") and like("ababa", "%ab%ba%") and not like("aXa", "%aXa%Xa%")
    assert like("drill", "drill") and not like("drill ", "drill") and like("", "%") and like("x", "%%")
