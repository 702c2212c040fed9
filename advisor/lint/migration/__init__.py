"""Migration linting: parse migration files with pglast and flag what is not additive or not
safe online. ``source`` reads a file into steps, ``checks/`` holds one check per module,
``locks`` says which lock a statement takes, ``down`` compares an up migration with its down
migration, and ``run`` wires them, with table sizes from the live database when a DSN is given.
"""
