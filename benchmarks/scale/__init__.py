"""A generated workload of 5,000 statements over 500 tables: time, memory, EXPLAIN calls."""
