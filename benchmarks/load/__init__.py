"""pgbench on a throwaway cluster, with and without ``advisor analyze`` running (issue 10)."""
