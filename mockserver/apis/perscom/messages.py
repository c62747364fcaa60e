"""PERSCOM's fixed texts.

Sources: /work/shared/api-notes/perscom.md ("Errors" table, "Search"), laravel-orion 2.23
(``ParamsValidator``, ``WhitelistedField``) and Laravel 11 ``lang/en/validation.php``.
"""

from __future__ import annotations

# --- error envelope: api-notes "Errors" table (APP bootstrap/app.php) --------------------------
VERSION_INVALID = "The provided API version is not valid. The currently available versions are: v1, v2"
UNAUTHENTICATED = (
    "You are not authenticated. Please provide a valid API key that contains your PERSCOM ID to continue."
)
PAYMENT_REQUIRED = "A valid subscription is required to complete this request."
FORBIDDEN = (
    "The API key provided does not have the correct permissions and/or scopes "
    "to perform the requested action."
)
NOT_FOUND = "The requested resource could not be found."
RATE_LIMITED = "You have exceeded the API rate limit. Please wait a minute before trying again."
SERVER_ERROR = "There was a server error with your last request. Please try again."
MAINTENANCE = "The API is currently down for maintenance. Please check back later."

TYPE_HTTP = "HttpException"
TYPE_UNAUTHENTICATED = "AuthenticationException"
TYPE_NOT_FOUND = "NotFoundHttpException"
TYPE_VALIDATION = "ValidationException"
TYPE_THROTTLE = "ThrottleRequestsException"

# --- search: api-notes "Search" (ORION ParamsValidator, WhitelistedField) ---------------------
MAX_NESTED_DEPTH = "Max nested depth {depth} is exceeded"
NOT_WHITELISTED = "The {value} field is not whitelisted."

# --- Laravel 11 validation lines (api-notes "Errors": 422 = first message + summary) -----------
REQUIRED = "The {attribute} field is required."
REQUIRED_WITH = "The {attribute} field is required when {values} is present."
REQUIRED_WITHOUT = "The {attribute} field is required when {values} is not present."
MUST_BE_STRING = "The {attribute} field must be a string."
MUST_BE_INTEGER = "The {attribute} field must be an integer."
MUST_BE_NUMBER = "The {attribute} field must be a number."
MUST_BE_BOOLEAN = "The {attribute} field must be true or false."
MUST_BE_ARRAY = "The {attribute} field must be an array."
MUST_BE_DATE = "The {attribute} field must be a valid date."
MUST_BE_EMAIL = "The {attribute} field must be a valid email address."
SELECTED_INVALID = "The selected {attribute} is invalid."
FORMAT_INVALID = "The {attribute} field format is invalid."
MAX_STRING = "The {attribute} field must not be greater than {limit} characters."
MIN_STRING = "The {attribute} field must be at least {limit} characters."
MAX_ARRAY = "The {attribute} field must not have more than {limit} items."
MIN_ARRAY = "The {attribute} field must have at least {limit} items."
MAX_NUMBER = "The {attribute} field must not be greater than {limit}."
MIN_NUMBER = "The {attribute} field must be at least {limit}."
INVALID = "The {attribute} field is invalid."
GIVEN_DATA_INVALID = "The given data was invalid."
SUMMARY_ONE_MORE = "{message} (and 1 more error)"
SUMMARY_MORE = "{message} (and {count} more errors)"
