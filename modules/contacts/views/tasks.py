"""Being written in this session; see modules/contacts/views/__init__.py."""
