"""The standard helpdesk reports contributed to the reports module
(app/reporting/standard.py): `catalogue.py` declares them (imported with
the manifest), `volume.py`, `times.py` and `satisfaction.py` compute them."""
