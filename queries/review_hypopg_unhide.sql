-- Show an index hidden with hypopg_hide_index to this backend's planner again.
SELECT {hypopg}.hypopg_unhide_index(%s)
