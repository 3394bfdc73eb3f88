"""Fixtures of the fault suite: a SQLite workspace, bot processes killed whatever happened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.support import OIL, BotProcess, Workspace


def make_workspace(root: Path, database_url: str) -> Workspace:
    """Rules with one topic (oil), an empty seed folder, no feeds."""
    space = Workspace(root, database_url)
    space.rules.mkdir()
    space.seeds.mkdir()
    (space.rules / "oil.yaml").write_text(OIL)
    space.feeds_file.write_text("feeds: []\n")
    return space


@pytest.fixture
def workspace(tmp_path: Path, sqlite_url: str) -> Workspace:
    """A workspace on SQLite (the faults that need PostgreSQL make their own cluster)."""
    return make_workspace(tmp_path, sqlite_url)


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """Bot processes started by a test, killed at the end whatever happened."""
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.kill()
