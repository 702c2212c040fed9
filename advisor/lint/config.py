"""Lint settings: defaults, then the config file, then the command line.

The config file is ``advisor.toml`` (table ``[lint]``) or ``pyproject.toml`` (table
``[tool.advisor.lint]``), found in the current directory or the nearest parent that has one; or
the file given with ``--config``. Keys are written as on the command line::

    [tool.advisor.lint]
    disable = ["enum-type", "char-type"]           # rule ids
    ignore = ["fk-nullable:public.orders.coupon_id", "no-primary-key:legacy.*"]
    fail-on = "warning"                             # info | warning | error | never
    sequence-threshold = 0.5                        # fraction of the int range used
    partition-threshold = "10GB"                    # append-only tables bigger than this
    max-blocking-size = "10MB"      # migrations: a scan or rewrite blocking writes: an error
    small-table = "64kB"            # migrations: below this, a note (default 0: off)
    migration-format = "flyway"     # sql | golang-migrate | flyway | alembic | django
    pg-version = 14                 # migrations without --dsn: the server's major version

``large-table`` is the older name of ``max-blocking-size`` and still read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from advisor.errors import UsageError
from advisor.lint.model import Severity
from advisor.settings import parse_size

FAIL_ON_CHOICES = ("info", "warning", "error", "never")


@dataclass(frozen=True)
class Silence:
    """``rule:pattern``: findings of ``rule`` (or ``*``) on objects matching ``pattern`` (glob)."""

    rule: str
    pattern: str

    @classmethod
    def parse(cls, text: str) -> Silence:
        rule, sep, pattern = text.partition(":")
        if not sep or not rule.strip() or not pattern.strip():
            raise UsageError(
                f"cannot read ignore entry {text!r}",
                "write RULE:OBJECT, e.g. fk-nullable:public.orders.coupon_id",
            )
        return cls(rule.strip(), pattern.strip())


@dataclass(frozen=True)
class LintConfig:
    """Everything that tunes a lint run. Defaults are what a careful schema architect would pick."""

    disable: frozenset[str] = frozenset()
    ignore: tuple[Silence, ...] = ()
    fail_on: str = "error"
    sequence_threshold: float = 0.5
    partition_threshold_bytes: int = 10 * 1024**3
    append_only_ratio: float = 0.01
    name_min_length: int = 64
    email_min_length: int = 254
    max_blocking_bytes: int = 10 * 1024**2
    small_table_bytes: int = 0
    migration_format: str = "sql"
    pg_version: int | None = None  # major version when there is no DSN to ask
    statement_timeout_ms: int = 10_000
    lock_timeout_ms: int = 1_000
    min_stats_age_s: float = 7 * 86_400.0  # younger index statistics call no index unused
    source: Path | None = None  # the config file read, if any

    @property
    def fail_level(self) -> Severity | None:
        return None if self.fail_on == "never" else Severity(self.fail_on)


MIGRATION_FORMATS = ("sql", "golang-migrate", "flyway", "alembic", "django")
_SIZE_KEYS = {"partition-threshold", "small-table", "large-table", "max-blocking-size"}
_KEYS = {
    "disable": "disable",
    "ignore": "ignore",
    "fail-on": "fail_on",
    "sequence-threshold": "sequence_threshold",
    "partition-threshold": "partition_threshold_bytes",
    "append-only-ratio": "append_only_ratio",
    "name-min-length": "name_min_length",
    "email-min-length": "email_min_length",
    "small-table": "small_table_bytes",
    "max-blocking-size": "max_blocking_bytes",
    "large-table": "max_blocking_bytes",  # the older name
    "migration-format": "migration_format",
    "pg-version": "pg_version",
}


def find_config(start: Path) -> Path | None:
    """The nearest ``advisor.toml``, or ``pyproject.toml`` with ``[tool.advisor]``, upwards."""
    for directory in (start.resolve(), *start.resolve().parents):
        own = directory / "advisor.toml"
        if own.is_file():
            return own
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "advisor" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise UsageError(f"cannot read config {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config {path} is not valid TOML: {exc}") from None


def _section(path: Path) -> dict[str, Any]:
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        section = data.get("tool", {}).get("advisor", {}).get("lint", {})
    else:
        section = data.get("lint", {})
    if not isinstance(section, dict):
        raise UsageError(f"config {path}: the lint section must be a table")
    return section


def _value(path: Path, key: str, raw: Any) -> Any:
    where = f"config {path}: {key}"
    if key in ("disable", "ignore"):
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise UsageError(f"{where} must be a list of strings")
        if key == "disable":
            return frozenset(split_ids(raw))
        return tuple(Silence.parse(x) for x in raw)
    if key in _SIZE_KEYS:
        return parse_size(str(raw))
    if key == "fail-on":
        if raw not in FAIL_ON_CHOICES:
            raise UsageError(f"{where} must be one of {', '.join(FAIL_ON_CHOICES)}")
        return raw
    if key == "migration-format":
        return check_migration_format(str(raw), where)
    if key == "pg-version":
        return check_pg_version(raw, where)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise UsageError(f"{where} must be a number")
    return int(raw) if key.endswith("length") else float(raw)


def check_migration_format(name: str, where: str = "--migration-format") -> str:
    if name not in MIGRATION_FORMATS:
        raise UsageError(f"{where} must be one of {', '.join(MIGRATION_FORMATS)}, not {name!r}")
    return name


def check_pg_version(raw: Any, where: str = "--pg-version") -> int:
    """A major version (13, 16, ...); ``16.4`` and ``"16"`` are read as 16."""
    try:
        major = int(float(str(raw)))
    except ValueError:
        major = 0
    if isinstance(raw, bool) or not 9 <= major <= 99:
        raise UsageError(f"{where} must be a PostgreSQL major version such as 16, not {raw!r}")
    return major


def split_ids(values: list[str]) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``: ids may be given comma-separated."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def load(path: Path | None, start: Path | None = None) -> LintConfig:
    """The config from ``path`` (``--config``), else from the nearest config file, else defaults."""
    if path is not None and not path.is_file():
        raise UsageError(f"config file {path} not found")
    found = path or find_config(start or Path.cwd())
    if found is None:
        return LintConfig()
    values: dict[str, Any] = {}
    for key, raw in _section(found).items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise UsageError(f"config {found}: unknown key {key!r}", f"known keys: {known}")
        values[_KEYS[key]] = _value(found, key, raw)
    return replace(LintConfig(), source=found, **values)


def override(config: LintConfig, **changes: Any) -> LintConfig:
    """Command-line values over the config: ``None`` keeps the config's; lists add to it."""
    known = {f.name for f in fields(LintConfig)}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in known:
            raise TypeError(f"unknown lint setting {name}")
        if value is None:
            continue
        if name == "disable":
            value = config.disable | frozenset(value)
        elif name == "ignore":
            value = config.ignore + tuple(value)
        values[name] = value
    return replace(config, **values)
