"""Fixtures for the feed tests: the loopback server, an HTTP client, the shared corpus."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.sources.fetch import make_client
from tests.support.databases import CORPUS
from tests.support.feed_server import FeedServer


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A fresh loopback HTTP server on 127.0.0.1, stopped after the test."""
    with FeedServer() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The feed HTTP client as the bot makes it, with a short time-out for tests."""
    async with make_client(timeout=2.0) as http:
        yield http


@pytest.fixture
def corpus() -> Path:
    """The shared real-data corpus beside the repository; skips the test when absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (it sits beside the repository checkout)")
    return CORPUS
