"""Index maintenance measured on a real cluster: what one index entry costs a write."""
