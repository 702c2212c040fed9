"""Which table a migration statement works on, and which lock it takes there.

Lock modes as PostgreSQL's documentation lists them per command ("Explicit Locking"): most
``ALTER TABLE`` forms take ACCESS EXCLUSIVE, adding a foreign key SHARE ROW EXCLUSIVE (on both
tables), validating a constraint SHARE UPDATE EXCLUSIVE, ``CREATE INDEX`` SHARE and its
``CONCURRENTLY`` form SHARE UPDATE EXCLUSIVE.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
EXCLUSIVE = "EXCLUSIVE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE = "SHARE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
ROW_EXCLUSIVE = "ROW EXCLUSIVE"

STRENGTH = {
    ROW_EXCLUSIVE: 3,
    SHARE_UPDATE_EXCLUSIVE: 4,
    SHARE: 5,
    SHARE_ROW_EXCLUSIVE: 6,
    EXCLUSIVE: 7,
    ACCESS_EXCLUSIVE: 8,
}
BLOCKS = {
    ACCESS_EXCLUSIVE: "blocks reads and writes",
    EXCLUSIVE: "blocks writes",
    SHARE_ROW_EXCLUSIVE: "blocks writes",
    SHARE: "blocks writes",
    SHARE_UPDATE_EXCLUSIVE: "blocks other schema changes and vacuum, not reads or writes",
    ROW_EXCLUSIVE: "blocks schema changes",
}

_WEAK_SUBCOMMANDS = {
    AlterTableType.AT_ValidateConstraint: SHARE_UPDATE_EXCLUSIVE,
    AlterTableType.AT_SetStatistics: SHARE_UPDATE_EXCLUSIVE,
    AlterTableType.AT_ClusterOn: SHARE_UPDATE_EXCLUSIVE,
    AlterTableType.AT_DropCluster: SHARE_UPDATE_EXCLUSIVE,
    AlterTableType.AT_AttachPartition: SHARE_UPDATE_EXCLUSIVE,
    AlterTableType.AT_EnableTrig: SHARE_ROW_EXCLUSIVE,
    AlterTableType.AT_DisableTrig: SHARE_ROW_EXCLUSIVE,
}


def blocks_traffic(mode: str | None) -> bool:
    """A lock that makes ordinary reads or writes wait (SHARE and stronger)."""
    return mode is not None and STRENGTH[mode] >= STRENGTH[SHARE]


def strongest(modes: list[str]) -> str | None:
    return max(modes, key=STRENGTH.__getitem__, default=None)


def _subcommand_lock(cmd: ast.AlterTableCmd) -> str:
    if cmd.subtype in _WEAK_SUBCOMMANDS:
        return _WEAK_SUBCOMMANDS[cmd.subtype]
    definition = cmd.def_
    if (
        cmd.subtype == AlterTableType.AT_AddConstraint
        and isinstance(definition, ast.Constraint)
        and definition.contype == ConstrType.CONSTR_FOREIGN
    ):
        return SHARE_ROW_EXCLUSIVE
    if cmd.subtype == AlterTableType.AT_DetachPartition and getattr(
        definition, "concurrent", False
    ):
        return SHARE_UPDATE_EXCLUSIVE
    return ACCESS_EXCLUSIVE


def lock_of(node: ast.Node) -> str | None:
    """The lock the statement takes on the table it works on; None when it takes none there."""
    if isinstance(node, ast.AlterTableStmt):
        return strongest(
            [_subcommand_lock(c) for c in node.cmds or () if isinstance(c, ast.AlterTableCmd)]
        )
    if isinstance(node, ast.IndexStmt):
        return SHARE_UPDATE_EXCLUSIVE if node.concurrent else SHARE
    if isinstance(node, ast.ReindexStmt):
        concurrent = any(getattr(p, "defname", None) == "concurrently" for p in node.params or ())
        return SHARE_UPDATE_EXCLUSIVE if concurrent else SHARE
    if isinstance(node, ast.DropStmt):
        if node.removeType == ObjectType.OBJECT_INDEX and node.concurrent:
            return SHARE_UPDATE_EXCLUSIVE
        return ACCESS_EXCLUSIVE
    if isinstance(node, ast.RenameStmt):
        if node.renameType == ObjectType.OBJECT_INDEX:
            return SHARE_UPDATE_EXCLUSIVE
        return ACCESS_EXCLUSIVE
    if isinstance(node, ast.TruncateStmt | ast.ClusterStmt):
        return ACCESS_EXCLUSIVE
    if isinstance(node, ast.VacuumStmt):
        full = any(getattr(o, "defname", None) == "full" for o in node.options or ())
        return ACCESS_EXCLUSIVE if full else SHARE_UPDATE_EXCLUSIVE
    if isinstance(node, ast.CreateTrigStmt):
        return SHARE_ROW_EXCLUSIVE
    if isinstance(node, ast.CreatePolicyStmt | ast.AlterPolicyStmt):
        return ACCESS_EXCLUSIVE
    if isinstance(node, ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt):
        return ROW_EXCLUSIVE
    if isinstance(node, ast.AlterDomainStmt):
        return _domain_lock(node)
    return None


def _domain_lock(node: ast.AlterDomainStmt) -> str | None:
    """ALTER DOMAIN locks the tables that use the domain while it checks their columns."""
    con = node.def_
    if node.subtype == "C" and isinstance(con, ast.Constraint) and not con.skip_validation:
        return SHARE
    return SHARE if node.subtype in ("O", "V") else None


def target(node: ast.Node) -> ast.RangeVar | None:
    """The table the statement works on, as written (None for a table-less statement)."""
    if isinstance(node, ast.DropStmt):
        if node.removeType != ObjectType.OBJECT_TABLE or not node.objects:
            return None
        names = [getattr(s, "sval", None) for s in node.objects[0]]
        if not names or names[-1] is None:
            return None
        return ast.RangeVar(schemaname=names[-2] if len(names) > 1 else None, relname=names[-1])
    relation = getattr(node, "relation", None)
    if isinstance(node, ast.CreatePolicyStmt | ast.AlterPolicyStmt):
        relation = node.table
    if isinstance(node, ast.TruncateStmt):
        relation = (node.relations or (None,))[0]
    return relation if isinstance(relation, ast.RangeVar) else None


_SCANNING_SUBCOMMANDS = {
    AlterTableType.AT_AlterColumnType,
    AlterTableType.AT_SetNotNull,
    AlterTableType.AT_SetTableSpace,
    AlterTableType.AT_SetLogged,
    AlterTableType.AT_SetUnLogged,
    AlterTableType.AT_SetAccessMethod,
}
_COLUMN_WORK = {
    ConstrType.CONSTR_CHECK,
    ConstrType.CONSTR_FOREIGN,
    ConstrType.CONSTR_UNIQUE,
    ConstrType.CONSTR_PRIMARY,
    ConstrType.CONSTR_IDENTITY,
    ConstrType.CONSTR_GENERATED,
}
_SERIALS = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}


def _column_work(col: ast.ColumnDef) -> bool:
    """Does adding this column scan or rewrite the table (whatever its default)?"""
    names = [getattr(n, "sval", "") for n in (col.typeName.names if col.typeName else ()) or ()]
    return (names[-1:] and names[-1].lower() in _SERIALS) or any(
        isinstance(c, ast.Constraint) and c.contype in _COLUMN_WORK for c in col.constraints or ()
    )


def _subcommand_work(cmd: ast.AlterTableCmd) -> bool:
    if cmd.subtype in _SCANNING_SUBCOMMANDS:
        return True
    definition = cmd.def_
    if cmd.subtype == AlterTableType.AT_AddColumn and isinstance(definition, ast.ColumnDef):
        return bool(_column_work(definition))
    if cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(definition, ast.Constraint):
        if definition.contype in (ConstrType.CONSTR_CHECK, ConstrType.CONSTR_FOREIGN):
            return not definition.skip_validation
        return (
            definition.contype
            in (
                ConstrType.CONSTR_UNIQUE,
                ConstrType.CONSTR_PRIMARY,
                ConstrType.CONSTR_EXCLUSION,
            )
            and not definition.indexname
        )
    return False


def scans_or_rewrites(node: ast.Node) -> bool:
    """Does the statement read or rewrite the whole table (or build an index of it) while it
    holds its lock, so that the lock lasts as long as the table is big?"""
    if isinstance(node, ast.AlterTableStmt):
        return any(_subcommand_work(c) for c in node.cmds or () if isinstance(c, ast.AlterTableCmd))
    if isinstance(node, ast.IndexStmt):
        # ON ONLY is the idiom of a partitioned parent, whose index has no storage: nothing
        # is read (on a plain table ONLY changes nothing, but no one writes it there)
        only = node.relation is not None and node.relation.inh is False
        return not node.concurrent and not only
    if isinstance(node, ast.ReindexStmt):
        return not any(getattr(p, "defname", None) == "concurrently" for p in node.params or ())
    if isinstance(node, ast.ClusterStmt):
        return True
    if isinstance(node, ast.VacuumStmt):
        return any(getattr(o, "defname", None) == "full" for o in node.options or ())
    if isinstance(node, ast.AlterDomainStmt):
        return _domain_lock(node) is not None
    return False
