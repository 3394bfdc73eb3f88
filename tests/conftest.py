"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.bot_api_double import BotApiDouble
from tests.support.databases import database_url_for
from tests.support.workspace import BotProcess


def _backends() -> list[str]:
    """The database engines to run on: `NEWSBOT_TEST_BACKENDS`, default `sqlite,postgresql`."""
    raw = os.environ.get("NEWSBOT_TEST_BACKENDS") or "sqlite,postgresql"
    backends = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = sorted(set(backends) - {"sqlite", "postgresql"})
    if unknown or not backends:
        raise pytest.UsageError(
            f"NEWSBOT_TEST_BACKENDS: unknown backend(s) {unknown}; use sqlite and/or postgresql"
        )
    return backends


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on each backend: SQLite (a temporary file), a fresh PostgreSQL database.

    PostgreSQL legs skip, with the reason, when it does not answer on 127.0.0.1:5432.
    """
    with database_url_for(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file for tests that need a database but not both engines."""
    return f"sqlite:///{tmp_path / 'newsbot.db'}"


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    """The Bot API double, enforcing Telegram's limits, on a loopback port of its own."""
    with BotApiDouble() as double:
        yield double


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """Bot processes started by a test, killed at the end whatever happened."""
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.kill()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A PostgreSQL leg that could not run says so beside the summary, not only under -rs."""
    reasons = [
        str(report.longrepr[2]).removeprefix("Skipped: ")
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and "PostgreSQL on" in str(report.longrepr[2])
    ]
    if reasons:
        terminalreporter.write_line(
            f"PostgreSQL leg NOT RUN: {len(reasons)} test(s) skipped: {reasons[0]}",
            yellow=True,
            bold=True,
        )
