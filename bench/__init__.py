"""Benchmarks: each bench_*.py module exposes run() returning printable result lines."""
