"""Throwaway local PostgreSQL clusters, for the demo, the tests and the benchmarks."""
