"""docs/lint-rules.md is generated from the rule modules; every rule is documented."""

from __future__ import annotations

import importlib
import pkgutil

from advisor.lint import docs, registry
from advisor.lint import rules as rules_pkg
from advisor.lint.migration import checks as checks_pkg
from advisor.lint.rule import Documented


def test_docs_file_is_up_to_date() -> None:
    assert docs.DOC_PATH.read_text(encoding="utf-8") == docs.render(), (
        "docs/lint-rules.md is out of date: run python -m advisor.lint.docs"
    )


def test_every_rule_has_a_rationale_and_a_fix() -> None:
    assert docs.missing_docs() == []
    text = docs.render()
    for rule_id in registry.all_ids():
        assert f"### {rule_id}\n" in text


def test_rule_ids_are_unique_and_kebab_case() -> None:
    ids = registry.all_ids()
    assert len(ids) == len(set(ids))
    assert all(i == i.lower() and " " not in i and "_" not in i for i in ids)
    for _, items in registry.documented():
        section = [item.id for item in items]
        assert len(section) == len(set(section))


def test_an_id_is_shared_only_by_a_live_rule_and_its_migration_check() -> None:
    """``timestamp-without-time-zone`` is one question, asked of the live schema and of what a
    migration creates; no other id may appear twice."""
    (_, live_items), (_, checks), (_, pairs) = registry.documented()
    shared = {c.id for c in checks} & {r.id for r in live_items}
    assert shared == {
        "no-primary-key",
        "int-key",
        "money-float-type",
        "money-numeric-unbounded",
        "timestamp-without-time-zone",
        "char-type",
        "fk-without-index",
    }
    assert not {p.id for p in pairs} & ({c.id for c in checks} | {r.id for r in live_items})
    text = docs.render()
    for rule_id in shared:
        assert f"### {rule_id} (in migrations)\n" in text
        assert f"(#{rule_id}-in-migrations)" in text


def test_docs_map_every_squawk_rule_to_a_documented_check() -> None:
    text = docs.render()
    for name, ids in registry.squawk_map().items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        assert all(f"[`{i}`]" in row for i in ids)
    assert "Beyond squawk:" in text and "Not in squawk:" in text


def test_every_rule_module_is_registered() -> None:
    """A rule module that is not in the registry tuple would never run."""
    registered = {type(item) for _, items in registry.documented() for item in items}
    for package in (rules_pkg, checks_pkg):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            defined = [
                v
                for v in vars(module).values()
                if isinstance(v, type)
                and issubclass(v, Documented)
                and v.__module__ == module.__name__
                and "id" in v.__dict__
            ]
            assert all(cls in registered for cls in defined), info.name
