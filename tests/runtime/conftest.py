"""Fixtures of the runtime tests: a workspace, the Bot API double, bot processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.support import OIL, BotProcess, Workspace


@pytest.fixture
def workspace(tmp_path: Path, database_url: str) -> Workspace:
    """Rules with one topic (oil), an empty seed folder, no feeds; SQLite and PostgreSQL."""
    space = Workspace(tmp_path, database_url)
    space.rules.mkdir()
    space.seeds.mkdir()
    (space.rules / "oil.yaml").write_text(OIL)
    space.feeds_file.write_text("feeds: []\n")
    return space


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """Bot processes started by a test, killed at the end whatever happened."""
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.kill()
