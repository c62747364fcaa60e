"""B2Core Back Office calendar events: pure business rules (no Flask, nothing registered here).

Records are plain dicts shaped like the API's Calendar Event object; dates are kept in the wire
format (RFC 3339 strings exactly as the client sent them) and compared through ``dates``.
"""
