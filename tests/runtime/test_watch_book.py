"""The watch book of a process follows the `watches` table that other processes change."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.article import Article
from bot.rules import RuleBook
from bot.runtime.watch_book import LiveWatches
from bot.storage import watches as store
from bot.storage.db import make_engine, open_database

TANKERS = Article(id="a1", title="Tankers avoid Hormuz as crude jumps", tickers=frozenset({"USO"}))


@pytest.fixture
def engines(database_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two processes' engines on one database: one follows, the other writes."""
    first = open_database(database_url)
    second = make_engine(database_url)
    yield first, second
    first.dispose()
    second.dispose()


def _write(engine: Engine, *work: tuple[str, str | None]) -> None:
    with engine.begin() as connection:
        for name, query in work:
            if query is None:
                store.remove_watches(connection, 77, [name])
            else:
                store.put_watch(connection, 77, name, query, limit=20)


def _matched(live: LiveWatches) -> list[tuple[str, tuple[str, ...]]]:
    return [(m.rule, m.terms) for m in live.book.match(TANKERS)]


async def _within(seconds: float, condition: object, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:g}s: {what}")
        await asyncio.sleep(0.01)


async def test_changes_of_another_process_are_live_within_a_second(
    engines: tuple[Engine, Engine],
) -> None:
    follower, writer = engines
    _write(writer, ("old", "Hormuz"))
    live = LiveWatches(follower, RuleBook.empty)
    stop = asyncio.Event()
    following = asyncio.create_task(live.follow(stop))
    try:
        await _within(5, lambda: _matched(live) == [("old", ("Hormuz",))], "the stored watch")
        await asyncio.to_thread(_write, writer, ("hormuz", "Hormuz ($USO OR crude)"))
        await _within(1, lambda: len(_matched(live)) == 2, "a new watch")
        assert ("hormuz", ("Hormuz", "$USO", "crude")) in _matched(live)
        await asyncio.to_thread(_write, writer, ("hormuz", "Hormuz NOT crude"))
        await _within(1, lambda: [m[0] for m in _matched(live)] == ["old"], "a replaced watch")
        await asyncio.to_thread(_write, writer, ("old", None))
        await _within(1, lambda: _matched(live) == [], "a removed watch")
        # Folded into the big book, the same watches hold.
        await asyncio.to_thread(_write, writer, ("back", "tanker*"))
        await _within(1, lambda: len(_matched(live)) == 1, "another new watch")
        await asyncio.to_thread(live.merge)
        assert _matched(live) == [("back", ("tanker*",))]
        assert live.book.recent.rule_count == 0 and not live.book.hidden
    finally:
        stop.set()
        await following


def test_a_watch_an_operator_broke_is_left_out_and_the_rest_match(
    engines: tuple[Engine, Engine],
) -> None:
    follower, writer = engines
    _write(writer, ("gone", "Hormuz @no_such_list"), ("fine", "Hormuz"))
    live = LiveWatches(follower, RuleBook.empty)
    live.load()
    assert _matched(live) == [("fine", ("Hormuz",))]
    assert list(live.problems) == [(77, "gone")]
    assert "unknown set" in live.problems[(77, "gone")].reason


def test_merges_wait_for_a_quiet_minute_or_many_changes(engines: tuple[Engine, Engine]) -> None:
    follower, writer = engines
    live = LiveWatches(follower, RuleBook.empty, merge_at=2)
    live.load()
    _write(writer, ("one", "Hormuz"))
    live.poll()
    assert not live.merge_due()
    _write(writer, ("two", "crude"))
    live.poll()
    assert live.merge_due()


async def test_a_failure_while_following_is_reported_retried_and_outlived(
    engines: tuple[Engine, Engine], caplog: pytest.LogCaptureFixture
) -> None:
    follower, writer = engines
    _write(writer, ("old", "Hormuz"))
    failures = ["rule book not readable"] * 2

    def rulebook() -> RuleBook:
        """The operators' rule book, which fails twice (as a bug would) and then is read."""
        if failures:
            raise RuntimeError(failures.pop())
        return RuleBook.empty()

    live = LiveWatches(follower, rulebook)
    stop = asyncio.Event()
    following = asyncio.create_task(live.follow(stop))
    try:
        await _within(2, lambda: live.health()[0] is not None, "the failure shown")
        assert "RuntimeError: rule book not readable" in (live.health()[1] or "")
        await _within(5, lambda: _matched(live) == [("old", ("Hormuz",))], "the watches loaded")
        assert live.health() == (None, None)
        await asyncio.to_thread(_write, writer, ("new", "tanker*"))
        await _within(1, lambda: len(_matched(live)) == 2, "a later watch")
    finally:
        stop.set()
        await following
    assert "watches not followed (RuntimeError: rule book not readable)" in caplog.text
