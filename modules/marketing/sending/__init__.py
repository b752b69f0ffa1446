"""Sending campaigns: owned by the sending engine (its own branch)."""
