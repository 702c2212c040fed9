SELECT {hypopg}.hypopg_reset()
