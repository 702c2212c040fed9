"""Candidates that lead with the columns of a row-level security policy.

Under RLS every statement silently carries its policy's predicate, typically
``tenant_id = current_setting('app.tenant')::int``. An index that does not lead with the tenant
column leaves that filter to the heap. For tables with RLS enabled, each B-tree shape of the
statement is also proposed behind the policy's equality columns. The plans prove it only when the
analysis plans as a role the policy applies to (``--role``): the table's owner bypasses RLS.
"""

from __future__ import annotations

from advisor.collect.catalog import Catalog
from advisor.db.ddl import display
from advisor.model import IndexKey, IndexSpec, ParsedStatement, Policy, Role
from advisor.parse import syntax
from advisor.parse.syntax import Unparsable
from advisor.settings import Settings

from .btree import key_shapes, uses_by_table

MAX_SHAPES = 4


def policy_keys(policy: Policy, catalog: Catalog) -> tuple[IndexKey, ...]:
    """The columns a policy's USING predicate compares for equality."""
    from advisor.parse.predicates import extract  # the same walker the statements go through

    if not policy.using_sql:
        return ()
    where = policy.using_sql
    text = f"SELECT 1 FROM {display(policy.table.schema, policy.table.name)} WHERE {where}"
    try:
        node = syntax.parse(text)[0].stmt
    except Unparsable:
        return ()
    if node is None:
        return ()
    found = extract(node, catalog)
    return tuple(
        dict.fromkeys(
            u.key
            for u in found.uses
            if u.table == policy.table and u.role in (Role.EQUALITY, Role.IN_LIST)
        )
    )


def generate(parsed: ParsedStatement, catalog: Catalog, settings: Settings) -> list[IndexSpec]:
    specs = []
    for ref, uses in uses_by_table(parsed).items():
        table = catalog.tables[ref]
        if not table.row_security:
            continue
        for policy in catalog.policies.get(ref, ()):
            if not policy.applies_to_select:
                continue
            lead = policy_keys(policy, catalog)
            if not lead:
                continue
            specs.append(IndexSpec(ref, lead[: settings.max_key_columns]))
            for keys in key_shapes(table, uses, settings.max_key_columns)[:MAX_SHAPES]:
                combined = tuple(dict.fromkeys((*lead, *keys)))[: settings.max_key_columns]
                specs.append(IndexSpec(ref, combined))
    return specs
