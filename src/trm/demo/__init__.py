"""Synthetic demo data and the demo launcher. Nothing here is real personal data."""
