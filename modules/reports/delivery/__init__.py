"""Scheduled delivery of saved reports by email: when each is due
(due.py), the run that sends the due ones (run.py), the form (forms.py)."""
