"""Controlled vocabularies.

Pick-lists follow the IOM Human Trafficking Case Data Standard (HTCDS) v2.0,
(c) IOM, licensed CC BY 4.0 (https://github.com/UNMigration/HTCDS); TRM adds a few
values where the region's practice needs them, marked as additions.
"""
