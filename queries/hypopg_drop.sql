SELECT {hypopg}.hypopg_drop_index(%s)
