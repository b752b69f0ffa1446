"""Duplicate contacts: finding likely pairs and merging them."""
