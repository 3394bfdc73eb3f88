"""Fixtures of the Telegram tests: a lenient Bot API double for conversations, a seed folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.bot_api_double import BotApiDouble


@pytest.fixture
def loose_api() -> Iterator[BotApiDouble]:
    """For conversations: Telegram tolerates short bursts of answers, the strict double not."""
    with BotApiDouble(enforce_limits=False) as double:
        yield double


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """An empty seed folder."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    return folder
