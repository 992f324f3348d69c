"""A throwaway Redis server for the Celery tests.

The session fixture :func:`redis_url` finds ``redis-server`` (on ``PATH`` or in
``/usr/bin``, Debian's ``redis-server`` package), starts it on a free port of 127.0.0.1
with its files in a temporary directory and persistence off, waits until it answers,
and yields a ``redis://`` URL. The server is stopped and its directory removed
afterwards. Without the binary the tests skip with the reason, or fail under
``CI=true`` (``.ci/run`` installs it), as the PostgreSQL tests do.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from postgres import free_port, in_ci


def find_server() -> str | None:
    """The path of ``redis-server``, or None."""
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


def answers(port: int) -> bool:
    """Whether a Redis server on 127.0.0.1:``port`` replies to PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def options(port: int, root: Path) -> list[str]:
    """Command-line options: our port and folder, no persistence, log to a file."""
    settings = {
        "port": str(port),
        "bind": "127.0.0.1",
        "dir": str(root),
        "save": "",
        "appendonly": "no",
        "daemonize": "no",
        "logfile": str(root / "redis.log"),
    }
    return [item for name, value in settings.items() for item in (f"--{name}", value)]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """``redis://127.0.0.1:PORT/0`` of a private server started for this test session."""
    binary = find_server()
    if binary is None:
        reason = "no redis-server on PATH; install Debian's redis-server package"
        if in_ci():
            pytest.fail(f"Redis tests must run under CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="supportflow-redis-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(3):  # a free port can be taken before the server binds it
            port = free_port()
            process = subprocess.Popen(
                [binary, *options(port, root)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _tick in range(200):
                if answers(port) or process.poll() is not None:
                    break
                time.sleep(0.05)
            if answers(port):
                yield f"redis://127.0.0.1:{port}/0"
                return
            process.kill()
            process.wait()
        log = (root / "redis.log").read_text(errors="replace")
        raise RuntimeError(f"redis-server did not start:\n{log}")
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
