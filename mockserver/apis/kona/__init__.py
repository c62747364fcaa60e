"""Kona calendar events: pure business-rule helpers (dates, recurrence, records, listing)."""
