"""A throwaway PostgreSQL server for the persistence tests.

The session fixture :func:`postgres_url` finds ``initdb`` and ``pg_ctl`` (on ``PATH`` or
in ``/usr/lib/postgresql/*/bin``), creates a cluster in a temporary directory, starts it
on a free port of 127.0.0.1 with its unix socket inside that directory, creates a
database and yields a SQLAlchemy URL for it. The cluster is stopped and removed
afterwards. PostgreSQL refuses to run as root, so when the tests run as root the server
runs as the ``postgres`` system user (``runuser -u postgres --``).

Without server binaries (or, as root, without a ``postgres`` user) the tests that need
it skip with the reason; under ``CI=true`` they fail instead, because CI installs the
server (``.ci/run``) and a skipped database test there would hide a broken setup.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

DATABASE = "supportflow_test"
SERVER_USER = "postgres"


def in_ci() -> bool:
    """Whether the suite runs in CI, where every PostgreSQL test must run."""
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail under ``CI=true``."""
    if in_ci():
        pytest.fail(f"PostgreSQL tests must run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def find_server_binaries() -> tuple[str, str] | None:
    """``(initdb, pg_ctl)`` paths, preferring ``PATH``, then the newest Debian version."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl

    def major(bin_dir: str) -> int:
        version = Path(bin_dir).parent.name
        return int(version) if version.isdigit() else 0

    for bin_dir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=major, reverse=True):
        initdb, pg_ctl = os.path.join(bin_dir, "initdb"), os.path.join(bin_dir, "pg_ctl")
        if os.access(initdb, os.X_OK) and os.access(pg_ctl, os.X_OK):
            return initdb, pg_ctl
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Cluster:
    """One temporary PostgreSQL cluster, run as ``user`` (None: the current user)."""

    def __init__(self, initdb: str, pg_ctl: str, user: str | None) -> None:
        self.initdb = initdb
        self.pg_ctl = pg_ctl
        self.user = user
        self.root = Path(tempfile.mkdtemp(prefix="supportflow-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self.started = False
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def run(self, *command: str, timeout: float = 60) -> None:
        argv = list(command)
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", *argv]
        result = subprocess.run(
            argv,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(argv)} exited with {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}\n{log}"
            )

    def start(self) -> None:
        self.run(
            self.initdb,
            "--pgdata",
            str(self.data),
            "--username",
            SERVER_USER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        # A free port can be taken between the probe and the start: try a few.
        for attempt in range(3):
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=50"
            )
            try:
                self.run(
                    self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                    "-o", options, "start",
                )  # fmt: skip
            except RuntimeError:
                if attempt == 2:
                    raise
                continue
            self.started = True
            return

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def dsn(self, database: str) -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            if self.started:
                self.run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL (``postgresql+psycopg://...``) of a fresh database on a private server."""
    binaries = find_server_binaries()
    if binaries is None:
        unavailable(
            "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in "
            "/usr/lib/postgresql/*/bin; install Debian's postgresql package to run these tests"
        )
    user: str | None = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            unavailable(
                "running as root and there is no 'postgres' system user to run the server "
                "(PostgreSQL refuses to run as root)"
            )
        user = SERVER_USER
    cluster = Cluster(*binaries, user=user)
    try:
        cluster.start()
        cluster.create_database(DATABASE)
        yield "postgresql+psycopg://" + cluster.dsn(DATABASE).removeprefix("postgresql://")
    finally:
        cluster.stop()
