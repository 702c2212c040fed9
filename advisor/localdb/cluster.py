"""Start and stop a throwaway PostgreSQL cluster with pg_stat_statements preloaded.

``initdb`` refuses to run as root, so when we are root every server binary runs as the
``postgres`` OS user (Debian's packages create it) and the data directory belongs to it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError

DEFAULT_SETTINGS: dict[str, str] = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "top",
    "pg_stat_statements.max": "10000",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
    "shared_buffers": "256MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "4GB",
    "log_min_messages": "warning",
    "jit": "off",
}


def find_bindir() -> Path:
    """The server binaries: ``$ADVISOR_PG_BIN``, else the newest Debian install, else pg_config."""
    env = os.environ.get("ADVISOR_PG_BIN")
    candidates: list[Path] = [Path(env)] if env else []
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = sorted(
            (p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True
        )
        candidates += [v / "bin" for v in versions]
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    for path in candidates:
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    raise AdvisorError(
        "no PostgreSQL server binaries found",
        "on Debian: apt-get install postgresql-15 postgresql-15-hypopg, or set ADVISOR_PG_BIN",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalCluster:
    """A cluster in its own directory; ``start()`` runs initdb on first use."""

    base_dir: Path
    port: int = field(default_factory=free_port)
    bindir: Path = field(default_factory=find_bindir)
    settings: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return f"host={self.socket_dir} port={self.port} user={user} dbname={dbname}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise AdvisorError(f"{args[0]} failed: {detail[-1] if detail else proc.returncode}")
        return proc

    def _prepare_dir(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            try:
                pg = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise AdvisorError(
                    "running as root but there is no postgres OS user for initdb",
                    "install Debian's postgresql-15 package, or run as an ordinary user",
                ) from exc
            os.chown(self.base_dir, pg.pw_uid, pg.pw_gid)
            # The postgres user must be able to reach the directory.
            for parent in self.base_dir.parents:
                if str(parent) in ("/", ""):
                    break
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)

    def init(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self._prepare_dir()
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        lines = [f"{k} = '{v}'" for k, v in self.settings.items()]
        lines += [f"port = {self.port}", "listen_addresses = ''"]
        lines.append(f"unix_socket_directories = '{self.socket_dir}'")
        with (self.data_dir / "postgresql.auto.conf").open("a") as conf:
            conf.write("\n".join(lines) + "\n")

    def start(self) -> LocalCluster:
        self.init()
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "start")
        return self

    def is_running(self) -> bool:
        """Whether a postmaster serves the data directory (``pg_ctl status``)."""
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "status"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, check=False).returncode == 0

    def stop(self, mode: str = "fast") -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        # -l as in start(): without it the new postmaster inherits our output pipes, and
        # capturing them waits for the server to exit
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-m", "fast", "-w",
            "restart",
        )  # fmt: skip

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = subprocess.run(
                [str(self.bindir / "pg_isready"), "-h", str(self.socket_dir), "-p", str(self.port)],
                capture_output=True,
                check=False,
            )
            if proc.returncode == 0:
                return
            time.sleep(0.2)
        raise AdvisorError("local cluster did not become ready", f"see {self.log_file}")


@contextlib.contextmanager
def throwaway_cluster(
    keep: bool = False, *, prefix: str = "advisor-pg-", settings: dict[str, str] | None = None
) -> Iterator[LocalCluster]:
    """A fresh cluster in a temporary directory, removed afterwards unless ``keep``;
    ``settings`` override ``DEFAULT_SETTINGS``."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    cluster = LocalCluster(base_dir=base, settings={**DEFAULT_SETTINGS, **(settings or {})})
    try:
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop("immediate")
        finally:
            if not keep:
                shutil.rmtree(base, ignore_errors=True)


def reset_statistics(conn: Any) -> None:
    """Start both statistics (pg_stat_statements and the table counters) afresh, now.

    A backend flushes its table counters lazily (PostgreSQL 15+: at most once a second), so a
    bulk load's inserts could land after a reset; force the flush first.
    """
    if conn.info.server_version >= 150000:
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT 1")
    else:
        time.sleep(1.0)
    with conn.transaction():
        # untracked until the commit (superuser): the resets themselves would otherwise be the
        # first entries of the fresh statistics, and show in every analysis as skipped statements
        conn.execute("SELECT pg_catalog.set_config('pg_stat_statements.track', 'none', true)")
        conn.execute(  # this database's statements only: the reset is cluster-wide otherwise
            "SELECT pg_stat_statements_reset(0, d.oid, 0) FROM pg_database d"
            " WHERE d.datname = current_database()"
        )
        conn.execute("SELECT pg_stat_reset()")
