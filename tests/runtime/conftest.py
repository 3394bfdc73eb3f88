"""Fixtures of the runtime tests: a workspace of real files on each database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.workspace import Workspace, make_workspace


@pytest.fixture
def workspace(tmp_path: Path, database_url: str) -> Workspace:
    """Rules with one topic (oil), an empty seed folder, no feeds; SQLite and PostgreSQL."""
    return make_workspace(tmp_path, database_url)
