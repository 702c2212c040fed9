"""What column and table names suggest: money, currency, person names, emails, audit trails.

Names are split into words at underscores; word lists and the head word decide, so
``total_count`` and ``vat_rate`` are not money while ``total_amount`` and ``unit_price`` are, and
``price_currency`` is a currency.
"""

from __future__ import annotations

from collections.abc import Collection

from advisor.lint.catalog import TableInfo

MONEY_WORDS = frozenset(
    {
        "amount",
        "price",
        "total",
        "subtotal",
        "fee",
        "fees",
        "cost",
        "balance",
        "vat",
        "tax",
        "discount",
        "refund",
        "salary",
        "payout",
    }
)
NOT_MONEY_WORDS = frozenset(
    {
        "rate",
        "percent",
        "pct",
        "ratio",
        "count",
        "qty",
        "quantity",
        "number",
        "id",
        "currency",
        "type",
        "kind",
        "code",
        "unit",
        "units",
    }
)
NUMBER_TYPES = frozenset({"int2", "int4", "int8", "numeric", "float4", "float8", "money"})
AUDIT_NAME_WORDS = frozenset({"audit", "audits", "history", "log", "logs", "trail", "changes"})
ENTITY_TABLE_COLUMNS = ("entity_table", "entity_type", "table_name", "auditable_type")
ENTITY_ID_COLUMNS = ("entity_id", "record_id", "auditable_id")


def words(name: str) -> list[str]:
    return [w for w in name.lower().split("_") if w]


def is_currency_column(name: str) -> bool:
    return "currency" in words(name) or name.lower() in ("ccy", "currency_code")


def is_money_name(name: str, columns: Collection[str] = ()) -> bool:
    """Money by its name or by a ``<name>_currency`` column among ``columns``.

    The head word decides what the name is about: the last word, or the last before ``per``
    (``unit_price`` and ``price_per_unit`` are money, ``price_unit`` and ``vat_rate`` are not).
    """
    if f"{name}_currency" in columns:
        return True
    parts = words(name)
    if "per" in parts[1:]:
        parts = parts[: parts.index("per")]
    if not parts:
        return False
    return bool(set(parts) & MONEY_WORDS) and parts[-1] not in NOT_MONEY_WORDS


def is_money_column(table: TableInfo, name: str) -> bool:
    """Money by its name (``amount``, ``price``, ``vat``...) or by a ``<name>_currency`` column."""
    return is_money_name(name, {c.name for c in table.columns})


def money_columns(table: TableInfo) -> list[str]:
    """Numeric columns of the table that hold money, by the rules above."""
    return [
        c.name
        for c in table.columns
        if c.type_name in NUMBER_TYPES and c.type_kind == "b" and is_money_column(table, c.name)
    ]


def is_person_name_column(name: str) -> bool:
    lowered = name.lower()
    if lowered in ("username", "user_name", "login_name", "file_name", "filename"):
        return False
    return lowered in ("name", "surname", "firstname", "lastname", "fullname") or (
        lowered.endswith("_name")
    )


def is_email_column(name: str) -> bool:
    return "email" in words(name)


def is_audit_table(table: TableInfo) -> bool:
    return bool(set(words(table.ref.name)) & AUDIT_NAME_WORDS) or table.column("action") is not None


def entity_columns(table: TableInfo) -> tuple[str, str] | None:
    """The (entity table, entity id) pair of an audit-like table, if it has both columns."""
    kind = next((c for c in ENTITY_TABLE_COLUMNS if table.column(c) is not None), None)
    ident = next((c for c in ENTITY_ID_COLUMNS if table.column(c) is not None), None)
    return (kind, ident) if kind and ident else None
