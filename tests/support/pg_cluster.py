"""A throw-away PostgreSQL cluster a test can stop (crash) and start again on the same port.

    with PgCluster.create() as cluster:   # skips the test, with the reason, where it cannot run
        engine = open_database(cluster.url)
        cluster.stop(mode="immediate")     # the database is gone: connections refused
        cluster.start()                    # back on the same port, data intact

Runs `initdb`/`pg_ctl` from /usr/lib/postgresql/*/bin as the `postgres` user (via `runuser` when
the tests run as root), trust authentication, listening on 127.0.0.1 only.
"""

from __future__ import annotations

import getpass
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import pytest

_SERVER_USER = "postgres"


def _binaries() -> Path | None:
    """The newest PostgreSQL server's bin directory, or None."""
    found = sorted(
        (Path(path).parent for path in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unavailable() -> str | None:
    """Why a throw-away cluster cannot be made here, or None."""
    if _binaries() is None:
        return "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
    me = getpass.getuser()
    if me == _SERVER_USER:
        return None
    if os.geteuid() != 0:
        return f"a throw-away cluster needs to run as root or {_SERVER_USER} (running as {me})"
    try:
        pwd.getpwnam(_SERVER_USER)
    except KeyError:
        return f"no {_SERVER_USER} user to run the server as"
    if shutil.which("runuser") is None:
        return "runuser is missing"
    return None


class PgCluster:
    """One PostgreSQL server in a temporary directory, on a free loopback port."""

    def __init__(self, root: Path, bin_dir: Path, port: int) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.port = port
        self._bin = bin_dir

    @classmethod
    def create(cls) -> PgCluster:
        """initdb a new cluster and start it (skips the calling test where that cannot work)."""
        reason = unavailable()
        if reason:
            pytest.skip(reason)
        bin_dir = _binaries()
        assert bin_dir is not None
        root = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        if getpass.getuser() != _SERVER_USER:
            account = pwd.getpwnam(_SERVER_USER)
            os.chown(root, account.pw_uid, account.pw_gid)
        cluster = cls(root, bin_dir, _free_port())
        try:
            cluster._run(
                "initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "--no-sync"
            )
            cluster.start()
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    @property
    def url(self) -> str:
        """The cluster's `postgres` database, as NEWSBOT_DATABASE_URL takes it."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server (again) on its port and wait until it takes connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `immediate` is a crash: sessions cut, no checkpoint."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        """Stop the server if it runs and delete its files."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.destroy()

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self._bin / program), *args]
        if getpass.getuser() != _SERVER_USER:
            command = ["runuser", "-u", _SERVER_USER, "--", *command]
        return command

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            self._command(program, *args), capture_output=True, text=True, check=False, cwd="/"
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}): "
                f"{result.stderr.strip()}\n{log}"
            )
