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
    return None


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
    return relation if isinstance(relation, ast.RangeVar) else None
