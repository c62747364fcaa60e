"""12Twenty as the harness sees it beyond its spec."""

from __future__ import annotations

from contracts.resources import Resources
from contracts.variables import PREFIX, Variable

RESOURCES = Resources(
    # The batch answers one result per item; a successful one carries the ExternalId.
    created={"upsertCalendarEvents": "/*/ExternalId"},
    delete=None,
    client_keys="/*/ExternalId",
    wrote=lambda body: isinstance(body, list) and all(item.get("IsSuccessful") for item in body),
)

VARIABLES = (
    Variable("twelvetwenty", "API_KEY", "dev-api-key", "the API key generateAuthenticationToken accepts"),
    Variable("twelvetwenty", "USER", "124", "a student of the school (the events' UserId)"),
    Variable("twelvetwenty", "OTHER_USER", "20100323", "a second student, who does not own the first's events"),
)
# the name the suite's API key had before the one pattern
RENAMED = {f"{PREFIX}API_KEY_TWELVETWENTY": f"{PREFIX}TWELVETWENTY_API_KEY"}
