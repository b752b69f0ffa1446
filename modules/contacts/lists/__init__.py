"""The contact list: its query, filters, full-text search, saved segments, bulk actions and export."""
