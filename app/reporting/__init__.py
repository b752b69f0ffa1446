"""The contracts through which modules contribute to reports: typed results
(results.py), report sources for the builder and standard reports. They live
in the core because the modules that own the data (contacts, pipeline,
marketing, helpdesk) must not import the reports module."""
