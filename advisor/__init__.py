"""pg advisor: workload-driven PostgreSQL index advice, proven with HypoPG."""

__version__ = "0.1.0"
