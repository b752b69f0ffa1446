"""A contact's record and what hangs on it: links, phones, custom values, the edit form, privacy."""
