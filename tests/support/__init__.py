"""Helpers shared by the tests and the benchmarks (standard library only, no pytest)."""
