"""``advisor demo``: a kept cluster is reused, never destroyed without --reset, and the next steps
it prints run as printed (pasted into a shell, without ``advisor`` on PATH)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from advisor.demo import run as demo_run
from advisor.localdb.cluster import LocalCluster


def _demo(base: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", "demo", *args],
        env={**os.environ, "ADVISOR_DEMO_DIR": str(base)},
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip


def _shell(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A printed command, pasted into bash as it is."""
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )


def _next_steps(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith("Next:"))
    return [line.strip() for line in lines[start + 1 :] if line.startswith("  ")]


def _cluster_dir() -> Path:
    """A fresh directory outside pytest's: when root runs the tests, the cluster runs as the
    postgres user, and a concurrent pytest run resets pytest's own base directory to 0700."""
    return Path(tempfile.mkdtemp(prefix="advisor-demo-test-")) / "cluster"


@pytest.fixture(scope="module")
def kept() -> Iterator[tuple[Path, str]]:
    """One ``advisor demo --keep`` run (a small workload replay); stopped at the end."""
    base = _cluster_dir()
    proc = _demo(base, "--keep", "--scale", "0.1")
    try:
        assert proc.returncode == 0, proc.stderr
        yield base, proc.stderr
    finally:
        _demo(base, "--stop")
        shutil.rmtree(base.parent, ignore_errors=True)


def test_kept_demo_prints_next_steps_that_run_as_printed(
    kept: tuple[Path, str], tmp_path: Path
) -> None:
    base, stderr = kept
    steps = _next_steps(stderr)
    assert len(steps) == 5
    analyze, save, apply, again, stop = steps
    assert "advisor analyze --dsn" in analyze and str(base) in analyze
    assert again.endswith("# analyse it again, as it is now")
    assert stop.endswith("# stop it and remove its files") and "demo --stop" in stop
    done = _shell(analyze, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Index advice for demo")
    # the demo's own statistics resets are not part of the workload it shows
    assert " 0 skipped, " in done.stdout.split("\n\n")[1]
    findings = [line for line in done.stdout.splitlines() if line.startswith("fk_without_index")]
    assert findings and not any(" 0 B " in line for line in findings)  # no index, no size
    saved = _shell(save, tmp_path)
    assert saved.returncode == 0, saved.stderr
    assert (tmp_path / "plan.json").exists()
    # what --save-plan prints runs too: the same apply command, with the plan's path
    printed = saved.stderr.strip().splitlines()[-1].split("build its indexes with: ")[1]
    assert printed == apply
    built = _shell(apply, tmp_path)
    # 6: built, but the planner uses one of them for none of its statements (a finding of the
    # advice, not of how the command was printed)
    assert built.returncode in (0, 6), built.stderr
    assert built.stdout.startswith("created public.") or built.stdout.startswith("created billing.")


def test_demo_again_reuses_the_kept_cluster_as_it_is(kept: tuple[Path, str]) -> None:
    """The indexes apply built in the kept cluster are still there on the next run."""
    base, _ = kept
    port = (base / demo_run.KEPT).read_text().strip()
    cluster = LocalCluster(base_dir=base, port=int(port))
    with psycopg.connect(cluster.dsn("demo"), autocommit=True) as conn:
        before = conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%idx'")
        built = before.fetchone()
    proc = _demo(base)
    assert proc.returncode == 0, proc.stderr
    assert f"reusing the demo cluster kept in {base} (port {port})" in proc.stderr
    assert "loading the demo application" not in proc.stderr
    assert cluster.is_running() and (base / demo_run.KEPT).read_text().strip() == port
    with psycopg.connect(cluster.dsn("demo"), autocommit=True) as conn:
        after = conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%idx'")
        assert after.fetchone() == built
    assert "demo --stop" in _next_steps(proc.stderr)[-1]


def test_reset_replaces_a_kept_cluster_and_stop_removes_it() -> None:
    """Without the demo's data (the decision alone): kept -> reused; --reset -> a new one."""
    base = _cluster_dir()
    said: list[str] = []
    first, reused = demo_run.open_cluster(base, reset=False, say=said.append)
    try:
        assert not reused
        demo_run.mark_kept(first)
        (first.data_dir / "witness").write_text("kept")
        first.stop()  # a reboot: the kept cluster is started again, on its port
        again, reused = demo_run.open_cluster(base, reset=False, say=said.append)
        assert reused and again.port == first.port and again.is_running()
        assert (again.data_dir / "witness").exists()
        fresh, reused = demo_run.open_cluster(base, reset=True, say=said.append)
        assert not reused and not (fresh.data_dir / "witness").exists()
        assert any(s.startswith("--reset: replacing the demo cluster kept in") for s in said)
        assert demo_run.kept_cluster(base) is None  # not kept until a --keep run marks it
    finally:
        demo_run.remove(base)
    assert not base.exists()
    shutil.rmtree(base.parent, ignore_errors=True)
