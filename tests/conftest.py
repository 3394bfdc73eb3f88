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


# Tests that must not overlap run one after another on one worker (`make test` runs
# pytest-xdist with --dist=loadgroup): path prefix -> group.
GROUPS = {
    # Three bot processes electing a leader over one PostgreSQL, with 75 s windows.
    "tests/drivers/fleet/": "fleet",
}

# Timing-sensitive on a loaded machine (a rate measured by the Bot API double, a bound in
# seconds): `make test` runs these alone, after the parallel run (marker `serial`). A path
# or a test's node id.
SERIAL = (
    "tests/telegram/test_paid_broadcast.py",  # 600 alerts within 10 s
    "tests/telegram/test_delivery_faults.py",  # no Telegram limit broken
    "tests/runtime/test_stories_live.py",  # no Telegram limit broken
    "tests/runtime/test_stop_restart.py",  # a broadcast within the limits across a restart
    # Three bot processes and their broadcast within Telegram's limits across a leader's death.
    "tests/drivers/fleet/test_fleet.py",
    # The event loop ticks at least a fifth of the time while a feed is parsed.
    "tests/sources/test_feed_fetch.py::test_parsing_runs_off_the_event_loop",
    # Send times 100 ms apart to the millisecond: a busy worker's loop delays one send task.
    "tests/delivery/test_sender.py::test_limits_space_messages_per_chat_and_overall",
    # The spec's one second from a seed file written to sendMessage.
    "tests/runtime/test_seeds_live.py::test_new_seed_file_reaches_a_subscriber_within_a_second",
)

# The slow tier (`make check` leaves it out): bot processes and bots at work, PostgreSQL
# clusters and outages, the fleet, the corpus, brute-force agreement.
SLOW = (
    "tests/runtime/",
    "tests/faults/",
    "tests/drivers/fleet/",
    "tests/telegram/",
    "tests/delivery/test_ledger_outage.py",
    "tests/delivery/test_sender_faults.py",
    "tests/delivery/test_story_edits.py",
    "tests/rules/test_rules_property.py",
    "tests/cli/test_backtest_report.py",
    "tests/cli/test_corpus_reading.py",
)


def _is_postgresql_leg(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("database_url") == "postgresql"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its xdist group, `serial` and `slow` as the tables above say."""
    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix()
        for prefix, group in GROUPS.items():
            if path.startswith(prefix):
                item.add_marker(pytest.mark.xdist_group(group))
        if item.nodeid.startswith(SERIAL):
            item.add_marker(pytest.mark.serial)
        if (
            path.startswith(SLOW)
            or item.get_closest_marker("corpus")
            or item.get_closest_marker("postgres")
            or _is_postgresql_leg(item)
        ):
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A PostgreSQL leg that could not run says so in the summary line, not only under -rs."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and "PostgreSQL on" in str(report.longrepr[2])
    ]
    if skipped:
        reason = str(skipped[0].longrepr[2]).removeprefix("Skipped: ")
        terminalreporter.write_line(
            f"PostgreSQL leg NOT RUN: {len(skipped)} test(s) skipped: {reason}",
            yellow=True,
            bold=True,
        )
        # Counted in the summary line itself: "..., 67 skipped, 67 postgresql not run in ...".
        terminalreporter._add_stats("postgresql not run", skipped)
