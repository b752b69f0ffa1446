"""`make bench`: seeds a database, serves Steward with gunicorn as in
production, drives it with wrk, and reports client- and server-side latency,
throughput against a bare Flask app, import speed, memory and page size.

Run it as `python -m bench` from the repository root (the Makefile does);
docs/benchmarks.md explains every figure and the environment variables.
"""
