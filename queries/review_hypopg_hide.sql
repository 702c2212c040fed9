-- Hide an existing index from this backend's planner (HypoPG 1.4 or newer).
SELECT {hypopg}.hypopg_hide_index(%s)
