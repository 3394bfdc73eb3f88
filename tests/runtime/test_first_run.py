"""A newcomer's first run: no token, no network; what the log says."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from tests.support.workspace import NEWSBOT, Workspace, make_workspace


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_once(
    tmp_path: Path, sqlite_url: str, space: Workspace, seeds: Path
) -> subprocess.CompletedProcess[str]:
    """`newsbot run --once` on the workspace without a token, seeds read from `seeds`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
    env = {
        **keep,
        "NEWSBOT_DATABASE_URL": sqlite_url,
        "NEWSBOT_RULES_DIR": str(space.rules),
        "NEWSBOT_SEEDS_DIR": str(seeds),
        "NEWSBOT_FEEDS_FILE": str(space.feeds_file),
    }
    return subprocess.run(
        [str(NEWSBOT), "run", "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_an_offline_first_run_says_once_that_feeds_are_unreachable(
    tmp_path: Path, sqlite_url: str
) -> None:
    space = make_workspace(tmp_path, sqlite_url)
    port = _closed_port()
    feeds = "".join(
        f"  - name: feed{n}\n    url: http://127.0.0.1:{port}/feed{n}.xml\n" for n in range(8)
    )
    space.feeds_file.write_text(f"feeds:\n{feeds}")
    done = _run_once(tmp_path, sqlite_url, space, space.seeds)
    log = done.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, log  # not one ConnectError per feed
    assert "feeds cannot be reached (no network?)" in warnings[0]
    assert "retried" in warnings[0]
    # README: without a token the terminal "stands for one chat subscribed to every topic".
    assert "alerts are printed here, for one chat subscribed to every topic" in log


def test_a_seed_folder_that_does_not_exist_is_said_at_start(
    tmp_path: Path, sqlite_url: str
) -> None:
    space = make_workspace(tmp_path, sqlite_url)
    done = _run_once(tmp_path, sqlite_url, space, tmp_path / "sedes")  # misspelt
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]
    assert any("sedes does not exist (NEWSBOT_SEEDS_DIR)" in line for line in warnings), warnings
