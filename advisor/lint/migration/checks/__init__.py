"""The migration checks, one module each: per-statement checks, then the up/down pair checks."""

from __future__ import annotations

from advisor.lint.migration.check import MigrationCheck
from advisor.lint.migration.checks.add_check_validates import AddCheckValidates
from advisor.lint.migration.checks.add_column_not_null import AddColumnNotNullWithoutDefault
from advisor.lint.migration.checks.add_foreign_key_validates import AddForeignKeyValidates
from advisor.lint.migration.checks.concurrently_in_transaction import ConcurrentlyInTransaction
from advisor.lint.migration.checks.create_index_not_concurrently import (
    CreateIndexNotConcurrently,
)
from advisor.lint.migration.checks.down_incomplete import DownIncomplete
from advisor.lint.migration.checks.down_missing import DownMissing
from advisor.lint.migration.checks.drop_column import DropColumn
from advisor.lint.migration.checks.drop_constraint import DropConstraint
from advisor.lint.migration.checks.drop_table import DropTable
from advisor.lint.migration.checks.missing_lock_timeout import MissingLockTimeout
from advisor.lint.migration.checks.rename import Rename
from advisor.lint.migration.checks.set_not_null_scan import SetNotNullScan
from advisor.lint.migration.checks.type_change_rewrite import TypeChangeRewrite
from advisor.lint.migration.checks.unique_constraint_without_index import (
    UniqueConstraintWithoutIndex,
)
from advisor.lint.migration.checks.volatile_default import VolatileDefault
from advisor.lint.rule import Documented

CHECKS: tuple[MigrationCheck, ...] = (
    DropColumn(),
    DropTable(),
    DropConstraint(),
    Rename(),
    TypeChangeRewrite(),
    AddColumnNotNullWithoutDefault(),
    VolatileDefault(),
    CreateIndexNotConcurrently(),
    ConcurrentlyInTransaction(),
    AddForeignKeyValidates(),
    AddCheckValidates(),
    SetNotNullScan(),
    UniqueConstraintWithoutIndex(),
    MissingLockTimeout(),
)
PAIR_CHECKS: tuple[Documented, ...] = (DownMissing(), DownIncomplete())
