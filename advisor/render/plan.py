"""An EXPLAIN (FORMAT JSON) plan as a compact tree, the way ``EXPLAIN`` prints it, shortened.

One line per node (type, relation, index, join strategy, costs and estimated rows), then its
conditions indented under it. Meant for a person or a model to read; the JSON plan is the data.
"""

from __future__ import annotations

from typing import Any

# the conditions worth a line of their own, in the order EXPLAIN prints them
_CONDITIONS = (
    "Hash Cond",
    "Merge Cond",
    "Index Cond",
    "Recheck Cond",
    "Join Filter",
    "Filter",
    "Sort Key",
    "Group Key",
    "Presorted Key",
)


def _head(node: dict[str, Any]) -> str:
    kind = str(node.get("Node Type", "?"))
    if node.get("Parallel Aware"):
        kind = f"Parallel {kind}"
    if node.get("Join Type") and kind in ("Nested Loop", "Hash Join", "Merge Join"):
        join = node["Join Type"]
        kind = f"{kind} {join}" if join != "Inner" else kind
    if node.get("Strategy") and kind == "Aggregate":
        kind = {"Hashed": "HashAggregate", "Sorted": "GroupAggregate"}.get(node["Strategy"], kind)
    if node.get("Index Name"):
        kind += f" using {node['Index Name']}"
    if node.get("Relation Name"):
        relation = node["Relation Name"]
        if node.get("Schema"):
            relation = f"{node['Schema']}.{relation}"
        alias = node.get("Alias")
        if alias and alias != node["Relation Name"]:
            relation += f" {alias}"
        kind += f" on {relation}"
    elif node.get("CTE Name"):
        kind += f" on {node['CTE Name']}"
    elif node.get("Function Name"):
        kind += f" on {node['Function Name']}"
    cost = f"cost={node.get('Startup Cost', 0):.2f}..{node.get('Total Cost', 0):.2f}"
    return f"{kind}  ({cost} rows={node.get('Plan Rows', 0):.0f})"


def _condition(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def tree(plan: dict[str, Any]) -> str:
    """``plan`` (the ``"Plan"`` node of EXPLAIN's JSON) as indented lines."""
    lines: list[str] = []
    stack: list[tuple[dict[str, Any], int]] = [(plan, 0)]
    while stack:
        node, depth = stack.pop()
        pad = "  " * depth
        arrow = "-> " if depth else ""
        lines.append(f"{pad}{arrow}{_head(node)}")
        inner = pad + ("     " if depth else "  ")
        lines += [f"{inner}{key}: {_condition(node[key])}" for key in _CONDITIONS if key in node]
        stack += [(child, depth + 1) for child in reversed(node.get("Plans", ()))]
    return "\n".join(lines)
