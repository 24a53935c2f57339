"""Benchmarks: load generator, bare relay baseline, scenarios and report (``make bench``).

Not part of the test run. ``python -m bench.run`` measures the bare relay and the
chat server in the same run and writes ``docs/benchmarks.md``.
"""
