"""The migration checks, one module each: per-statement checks, then the up/down pair checks.

A check that asks a live rule's question of the objects a migration creates shares the live
rule's id (``--disable timestamp-without-time-zone`` silences both).
"""

from __future__ import annotations

from advisor.lint.migration.check import MigrationCheck
from advisor.lint.migration.checks.add_check_validates import AddCheckValidates
from advisor.lint.migration.checks.add_column_not_null import AddColumnNotNullWithoutDefault
from advisor.lint.migration.checks.add_foreign_key_validates import AddForeignKeyValidates
from advisor.lint.migration.checks.alter_domain_add_constraint import AlterDomainAddConstraint
from advisor.lint.migration.checks.char_type import CharColumn
from advisor.lint.migration.checks.concurrently_in_transaction import ConcurrentlyInTransaction
from advisor.lint.migration.checks.create_index_not_concurrently import (
    CreateIndexNotConcurrently,
)
from advisor.lint.migration.checks.detach_partition_not_concurrently import (
    DetachPartitionNotConcurrently,
)
from advisor.lint.migration.checks.domain_with_constraint import DomainWithConstraint
from advisor.lint.migration.checks.down_incomplete import DownIncomplete
from advisor.lint.migration.checks.down_missing import DownMissing
from advisor.lint.migration.checks.drop_column import DropColumn
from advisor.lint.migration.checks.drop_constraint import DropConstraint
from advisor.lint.migration.checks.drop_database import DropDatabase
from advisor.lint.migration.checks.drop_index_not_concurrently import DropIndexNotConcurrently
from advisor.lint.migration.checks.drop_not_null import DropNotNull
from advisor.lint.migration.checks.drop_table import DropTable
from advisor.lint.migration.checks.fk_without_index import ForeignKeyWithoutIndex
from advisor.lint.migration.checks.int_key import IntKeyColumn
from advisor.lint.migration.checks.missing_lock_timeout import MissingLockTimeout
from advisor.lint.migration.checks.missing_statement_timeout import MissingStatementTimeout
from advisor.lint.migration.checks.money_float_type import MoneyFloatColumn
from advisor.lint.migration.checks.money_numeric_unbounded import MoneyNumericColumn
from advisor.lint.migration.checks.no_primary_key import NewTableWithoutPrimaryKey
from advisor.lint.migration.checks.not_rerunnable import NotRerunnable
from advisor.lint.migration.checks.prefer_identity import PreferIdentity
from advisor.lint.migration.checks.prefer_text import PreferText
from advisor.lint.migration.checks.reindex_not_concurrently import ReindexNotConcurrently
from advisor.lint.migration.checks.rename import Rename
from advisor.lint.migration.checks.scan_under_held_lock import ScanUnderHeldLock
from advisor.lint.migration.checks.set_not_null_scan import SetNotNullScan
from advisor.lint.migration.checks.timestamp_without_time_zone import TimestampColumn
from advisor.lint.migration.checks.transaction_nesting import TransactionNesting
from advisor.lint.migration.checks.truncate_cascade import TruncateCascade
from advisor.lint.migration.checks.type_change_rewrite import TypeChangeRewrite
from advisor.lint.migration.checks.unique_constraint_without_index import (
    UniqueConstraintWithoutIndex,
)
from advisor.lint.migration.checks.volatile_default import VolatileDefault
from advisor.lint.rule import Documented

CHECKS: tuple[MigrationCheck, ...] = (
    # data and running code: not additive
    DropDatabase(),
    DropTable(),
    DropColumn(),
    TruncateCascade(),
    DropConstraint(),
    DropNotNull(),
    Rename(),
    # transactions
    ConcurrentlyInTransaction(),
    TransactionNesting(),
    ScanUnderHeldLock(),
    NotRerunnable(),
    # locks held while the table is scanned or rewritten
    TypeChangeRewrite(),
    AddColumnNotNullWithoutDefault(),
    VolatileDefault(),
    CreateIndexNotConcurrently(),
    DropIndexNotConcurrently(),
    ReindexNotConcurrently(),
    DetachPartitionNotConcurrently(),
    AddForeignKeyValidates(),
    AddCheckValidates(),
    SetNotNullScan(),
    UniqueConstraintWithoutIndex(),
    AlterDomainAddConstraint(),
    MissingLockTimeout(),
    MissingStatementTimeout(),
    # the schema checklist, for what the migration creates
    NewTableWithoutPrimaryKey(),
    IntKeyColumn(),
    MoneyFloatColumn(),
    MoneyNumericColumn(),
    TimestampColumn(),
    CharColumn(),
    ForeignKeyWithoutIndex(),
    PreferIdentity(),
    PreferText(),
    DomainWithConstraint(),
)
PAIR_CHECKS: tuple[Documented, ...] = (DownMissing(), DownIncomplete())
