"""The standard giving and pipeline reports pipeline contributes to the
reports module (app/reporting/standard.py). `catalogue.py` declares them
(imported by the manifest, so it imports nothing else); one file per family
computes them."""
