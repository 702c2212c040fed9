"""``advisor mcp``: the advisor's engine for AI assistants, over the Model Context Protocol.

``server`` wires the official SDK's server: the tools (``tools``, each a thin wrapper over the
library call of one ``advisor`` command, returning its JSON with a ``summary``), the tables as
resources (``resources``) and a prompt (``prompts``). ``inputs`` bounds and checks every input;
``explain`` plans one statement, before and after hypothetical indexes, read-only by
construction. The ``mcp`` command is ``advisor.cli.mcp``.
"""
