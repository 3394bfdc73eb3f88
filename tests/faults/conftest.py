"""Fixtures of the fault suite: a SQLite workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.workspace import Workspace, make_workspace


@pytest.fixture
def workspace(tmp_path: Path, sqlite_url: str) -> Workspace:
    """A workspace on SQLite (the faults that need PostgreSQL make their own cluster)."""
    return make_workspace(tmp_path, sqlite_url)
