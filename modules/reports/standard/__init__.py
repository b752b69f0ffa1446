"""The contacts reports the reports module ships itself (it requires
contacts): growth over time, by tag and by source, and data quality.
`catalogue.py` declares them; the giving and pipeline reports come from the
pipeline module's manifest."""
