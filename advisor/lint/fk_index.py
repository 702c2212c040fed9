"""The lint rules' name for the one foreign-key check, ``advisor.catalog.foreign_keys``."""

from __future__ import annotations

from advisor.catalog.foreign_keys import covering_index
from advisor.catalog.foreign_keys import serves as serves_foreign_key

__all__ = ["covering_index", "serves_foreign_key"]
