"""Contract suites: schemathesis runs and scenario tests against the mock or a live URL."""
