"""The contact list: its query, filters, full-text search, saved segments,
bulk actions and export, and the per-tag counts the contacts-by-tag report reads."""
