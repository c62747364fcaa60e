"""Contract suites: schemathesis runs and scenario tests against the mock or a live URL.

PYTEST_DONT_REWRITE: the package registers a pytest plugin (pytest11), so pytest marks its
modules for assertion rewriting; the ``contracts`` command imports them before pytest starts,
and that marker keeps pytest from warning (an error under filterwarnings) that it cannot.
"""
