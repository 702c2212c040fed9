-- HypoPG's estimate of a hypothetical index's size, in bytes.
SELECT {hypopg}.hypopg_relation_size(%s)
