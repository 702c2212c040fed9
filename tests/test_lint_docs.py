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
