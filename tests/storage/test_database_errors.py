"""A database that cannot be opened: one line naming NEWSBOT_DATABASE_URL, exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot.config import ConfigError
from bot.errors import NewsbotError, Outage
from bot.storage.db import DatabaseUnavailable, open_database
from tests.support.databases import postgres_unavailable


def _newsbot(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    """`newsbot run --once` in an empty folder (no .env), alerts to the terminal."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NEWSBOT_") and key != "TELEGRAM_BOT_TOKEN"
    }
    env["NEWSBOT_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--once"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_an_unreachable_server_is_one_line_and_exit_2(tmp_path: Path) -> None:
    run = _newsbot(tmp_path, "postgresql://postgres:s3cret@127.0.0.1:1/nope")
    assert run.returncode == 2, run.stderr
    lines = (run.stdout + run.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("newsbot: cannot open the database NEWSBOT_DATABASE_URL=")
    assert "postgresql://postgres:***@127.0.0.1:1/nope" in lines[0]
    assert "refused" in lines[0].lower()
    assert "s3cret" not in lines[0]


@pytest.mark.slow
def test_a_database_missing_on_a_running_server_is_one_line(tmp_path: Path) -> None:
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    name = f"newsbot_missing_{uuid.uuid4().hex[:8]}"
    run = _newsbot(tmp_path, f"postgresql://postgres@127.0.0.1:5432/{name}")
    assert run.returncode == 2, run.stderr
    lines = (run.stdout + run.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert "NEWSBOT_DATABASE_URL" in lines[0] and f'database "{name}" does not exist' in lines[0]


def test_a_sqlite_file_in_a_missing_folder_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match=r"NEWSBOT_DATABASE_URL=sqlite:///.*unable"):
        open_database(f"sqlite:///{tmp_path / 'no' / 'such' / 'newsbot.db'}")


def test_a_database_that_does_not_answer_is_an_outage_not_a_bad_setting(tmp_path: Path) -> None:
    with pytest.raises(NewsbotError) as raised:
        open_database(f"sqlite:///{tmp_path / 'no' / 'such' / 'newsbot.db'}")
    # Callers that retry an outage must not take it for a setting no retry fixes.
    assert isinstance(raised.value, Outage)
    assert not isinstance(raised.value, ConfigError)
