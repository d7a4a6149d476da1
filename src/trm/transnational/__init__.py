"""Transnational referral workflows: cases travel between national nodes over trm/1."""
