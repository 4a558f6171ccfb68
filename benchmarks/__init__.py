"""Benchmarks: run as modules, e.g. `python -m benchmarks.search` (not collected by pytest)."""
