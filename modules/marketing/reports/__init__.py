"""The standard marketing reports contributed to the reports module
(app/reporting/standard.py): `catalogue.py` declares them (imported with
the manifest), `campaigns.py` computes them."""
