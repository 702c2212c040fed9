"""The live-catalog rules, one module each, listed here in the order they are reported."""

from __future__ import annotations

from advisor.lint.rule import Rule
from advisor.lint.rules.audit_without_entity_index import AuditWithoutEntityIndex
from advisor.lint.rules.char_type import CharType
from advisor.lint.rules.enum_type import EnumType
from advisor.lint.rules.fk_nullable import FkNullable
from advisor.lint.rules.fk_on_delete_undecided import FkOnDeleteUndecided
from advisor.lint.rules.fk_without_index import FkWithoutIndex
from advisor.lint.rules.index_review import IndexReview
from advisor.lint.rules.insert_omits_not_null import InsertOmitsNotNull
from advisor.lint.rules.int_key import IntKey
from advisor.lint.rules.int_sequence_exhaustion import IntSequenceExhaustion
from advisor.lint.rules.large_append_only_unpartitioned import LargeAppendOnlyUnpartitioned
from advisor.lint.rules.money_float_type import MoneyFloatType
from advisor.lint.rules.money_numeric_unbounded import MoneyNumericUnbounded
from advisor.lint.rules.money_without_currency import MoneyWithoutCurrency
from advisor.lint.rules.no_primary_key import NoPrimaryKey
from advisor.lint.rules.rls_commands_uncovered import RlsCommandsUncovered
from advisor.lint.rules.rls_per_row_function import RlsPerRowFunction
from advisor.lint.rules.rls_permissive_overlap import RlsPermissiveOverlap
from advisor.lint.rules.rls_without_policy import RlsWithoutPolicy
from advisor.lint.rules.soft_delete_without_partial_index import SoftDeleteWithoutPartialIndex
from advisor.lint.rules.timestamp_without_time_zone import TimestampWithoutTimeZone
from advisor.lint.rules.varchar_too_short import VarcharTooShort

RULES: tuple[Rule, ...] = (
    NoPrimaryKey(),
    IntSequenceExhaustion(),
    IntKey(),
    MoneyFloatType(),
    MoneyNumericUnbounded(),
    MoneyWithoutCurrency(),
    TimestampWithoutTimeZone(),
    VarcharTooShort(),
    CharType(),
    FkWithoutIndex(),
    FkOnDeleteUndecided(),
    FkNullable(),
    IndexReview(),
    SoftDeleteWithoutPartialIndex(),
    AuditWithoutEntityIndex(),
    LargeAppendOnlyUnpartitioned(),
    RlsWithoutPolicy(),
    RlsCommandsUncovered(),
    RlsPerRowFunction(),
    RlsPermissiveOverlap(),
    EnumType(),
    InsertOmitsNotNull(),
)
