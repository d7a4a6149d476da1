"""Tamper-evident audit log: every read and write of case data, chained by hash."""
