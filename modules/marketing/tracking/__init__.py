"""Measuring results: click tracking (signed redirects to the campaign's own
links), open tracking (a pixel, with human and machine opens told apart),
the campaign's counts, and what the contact timeline and the filter builder
read of them (docs/marketing.md, "Measuring results")."""
