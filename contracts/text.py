"""Text the harness prints or writes: control characters escaped, so a fuzzed value can never
move the cursor, clear the terminal or break a report line."""

from __future__ import annotations

import re

# C0 controls but newline, DEL, C1 controls, and the Unicode line/paragraph separators and
# bidirectional overrides, which reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NEWLINE = re.compile("\n")


def escaped(text: str, *, newlines: bool = False) -> str:
    """``text`` with every control character shown as a Python escape (``\\x1b``, ``\\u202e``);
    newlines are kept when ``newlines`` is true, else escaped too."""
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    return text if newlines else _NEWLINE.sub("\\\\n", text)
