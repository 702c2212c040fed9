"""TPC-H benchmark of the advisor: ``python -m benchmarks.tpch.run`` (docs/benchmarks.md)."""
