"""Regular expressions shared by ``specs/b2core.yaml`` and the helpers (tests keep them equal).

Written with ``[0-9]`` and no lookarounds so ECMA-262, Rust and Python read them alike; use them
with ``re.fullmatch``.
"""

from __future__ import annotations

import re

_TIME = "T(?:[0-9]+H(?:[0-9]+M)?(?:[0-9]+S)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)"
_DATE = "(?:[0-9]+Y(?:[0-9]+M)?(?:[0-9]+D)?|[0-9]+M(?:[0-9]+D)?|[0-9]+D)"

# ISO 8601 duration with whole-number components: PT2H, P1D, P1DT12H, P2W (not P, PT, P1.5D).
DURATION_PATTERN = f"^P(?:[0-9]+W|{_DATE}(?:{_TIME})?|{_TIME})$"

# filter[recipients]: one or more comma-separated "local@domain" items.
RECIPIENTS_FILTER_PATTERN = "^[^,@]+@[^,@]+(?:,[^,@]+@[^,@]+)*$"

DURATION = re.compile(DURATION_PATTERN)
RECIPIENTS_FILTER = re.compile(RECIPIENTS_FILTER_PATTERN)
