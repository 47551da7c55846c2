"""Benchmarks (`make bench`): each module's `run()` returns tables that are printed.

Benchmarks measure; they never fail a build. Targets are printed next to the numbers.
"""
