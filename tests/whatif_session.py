"""One advisor session on a test database for the tests that drive the what-if layer or a
selection step directly: the catalog, HypoPG and ``WhatIf`` on one connection, as an analysis
holds them, and statements parsed against that catalog."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from advisor.collect import server as server_mod
from advisor.collect.catalog import Catalog, read_catalog
from advisor.db import session
from advisor.model import ParsedStatement, Statement
from advisor.parse.statement import analyse
from advisor.whatif.costs import WhatIf
from advisor.whatif.explain import Explainer
from advisor.whatif.hypopg import HypoPG


@dataclass(frozen=True)
class WhatIfSession:
    conn: Any
    catalog: Catalog
    hypo: HypoPG
    whatif: WhatIf
    version_num: int

    def parse(
        self, query: str, calls: int = 1, total_ms: float = 0.0, mean_ms: float = 0.0
    ) -> ParsedStatement:
        parsed = analyse(Statement(None, (), query, calls, total_ms, mean_ms), self.catalog)
        assert isinstance(parsed, ParsedStatement), parsed
        return parsed


@contextmanager
def whatif_session(dsn: str, *, statement_timeout_ms: int = 10_000) -> Iterator[WhatIfSession]:
    """The session, HypoPG reset before and after."""
    conn = session.connect(dsn, statement_timeout_ms=statement_timeout_ms, lock_timeout_ms=1_000)
    try:
        server = server_mod.check(conn)
        catalog = read_catalog(conn)
        hypo = HypoPG(conn, server.hypopg_schema, server.info.hypopg_version or "")
        version = server.info.version_num
        hypo.reset()
        yield WhatIfSession(conn, catalog, hypo, WhatIf(hypo, Explainer(conn, version)), version)
        hypo.reset()
    finally:
        conn.close()
