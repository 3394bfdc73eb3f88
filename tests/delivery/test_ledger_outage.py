"""The sender outlives its database: PostgreSQL crashed mid-broadcast, SQLite on a full disk."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from telegram import Bot

from bot.article import Article
from bot.delivery.ledger import ledger_counts
from bot.delivery.limiter import TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.pipeline import Ingested
from bot.pipeline.ledger import enqueue_deliveries
from bot.rules import Match, Topic
from bot.storage import subscriptions as subs
from bot.storage.db import open_database
from bot.telegram.transport import TelegramTransport
from tests.support.bot_api_double import BotApiDouble
from tests.support.pg_cluster import PgCluster

TOPICS = {"oil": Topic("oil", "Oil", "Crude", "🛢", "rules/oil.yaml")}
OIL = Match("oil", "crude", "high", "active", ("crude",))
CHATS = list(range(5001, 5301))
OUTAGE = 12.0  # seconds the database is gone, mid-broadcast


@dataclass
class Outcome:
    """What a broadcast through an outage did, as the chats and the ledger saw it."""

    messages: int
    chats_reached: int
    sent_while_down: int
    ledger_sent: int
    outage_errors: int
    recoveries: int


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble() as double:
        yield double


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=f"{api.url}/bot") as client:
        yield client


def _queue_broadcast(engine: Engine) -> None:
    article = Article(
        id="https://example.com/outage",
        title="Crude story during an outage",
        link="https://example.com/outage",
        published=datetime(2025, 2, 12, tzinfo=UTC),
    )
    with engine.begin() as connection:
        for chat_id in CHATS:
            subs.remember_chat(connection, chat_id, "private")
            subs.subscribe(connection, chat_id, "topic", ["oil"])
        assert enqueue_deliveries(connection, [Ingested(article, (OIL,))], topics=TOPICS) == 300


async def _until(condition: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _broadcast_through_outage(
    engine: Engine,
    api: BotApiDouble,
    bot: Bot,
    caplog: pytest.LogCaptureFixture,
    *,
    break_ledger: Callable[[], None],
    mend_ledger: Callable[[], None],
) -> Outcome:
    """Send to 300 chats; after 60 messages the ledger breaks for OUTAGE seconds."""
    caplog.set_level(logging.INFO, logger="bot.delivery")
    _queue_broadcast(engine)
    sender = Sender(engine, TelegramTransport(bot), TokenBucketLimiter())
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        await _until(lambda: len(api.messages()) >= 60, "the broadcast to start", 20)
        await asyncio.to_thread(break_ledger)
        before = len(api.messages())
        await asyncio.sleep(OUTAGE)
        sent_while_down = len(api.messages()) - before
        assert not task.done(), "the sender stopped during the outage"
        assert sender.failing_since is not None and sender.unrecorded > 0  # its health shows it
        await asyncio.to_thread(mend_ledger)
        reached = lambda: len({m["chat_id"] for m in api.messages()}) == len(CHATS)  # noqa: E731
        await _until(reached, "every chat to get its alert", 60)
        recorded = lambda: ledger_counts(engine)["sent"] == len(CHATS)  # noqa: E731
        await _until(recorded, "every alert to be marked sent", 20)
        assert not task.done(), "the sender stopped"
        assert sender.failing_since is None and sender.unrecorded == 0
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    records = [r for r in caplog.records if r.name.startswith("bot.delivery.")]
    return Outcome(
        messages=len(api.messages()),
        chats_reached=len({m["chat_id"] for m in api.messages()}),
        sent_while_down=sent_while_down,
        ledger_sent=ledger_counts(engine)["sent"],
        outage_errors=sum(
            "does not answer" in r.getMessage() for r in records if r.levelno >= logging.ERROR
        ),
        recoveries=sum("answers again" in r.getMessage() for r in records),
    )


def _assert_survived(outcome: Outcome) -> None:
    print(f"\n{outcome}")
    assert outcome.chats_reached == len(CHATS)
    assert outcome.messages <= len(CHATS) + 1  # at most one in-flight duplicate
    assert outcome.ledger_sent == len(CHATS)
    assert outcome.sent_while_down > 0  # sends in hand went on without the database
    assert outcome.outage_errors == 1  # logged once, with its cause, not once a retry
    assert outcome.recoveries == 1


async def test_postgresql_crash_mid_broadcast(
    api: BotApiDouble, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with PgCluster.create() as cluster:
        engine = open_database(cluster.url)
        try:
            outcome = await _broadcast_through_outage(
                engine,
                api,
                bot,
                caplog,
                break_ledger=lambda: cluster.stop(mode="immediate"),
                mend_ledger=cluster.start,
            )
        finally:
            engine.dispose()
    _assert_survived(outcome)
    assert "Connection refused" in caplog.text or "connection" in caplog.text.lower()


@contextlib.contextmanager
def _small_filesystem(size: str = "16m") -> Iterator[Path]:
    """A tmpfs of `size` (skips the test where mounting is not allowed)."""
    where = Path(tempfile.mkdtemp(prefix="newsbot-full-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a small tmpfs: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        where.rmdir()


def _fill(path: Path) -> None:
    """Write to `path` until the filesystem has no room left."""
    chunk = b"\0" * 16384
    with path.open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(chunk)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error


async def test_sqlite_on_a_full_disk_mid_broadcast(
    api: BotApiDouble, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with _small_filesystem() as disk:
        engine = open_database(f"sqlite:///{disk / 'newsbot.db'}")
        filler = disk / "filler"
        try:
            outcome = await _broadcast_through_outage(
                engine,
                api,
                bot,
                caplog,
                break_ledger=lambda: _fill(filler),
                mend_ledger=filler.unlink,
            )
        finally:
            engine.dispose()
    _assert_survived(outcome)
    assert "full" in caplog.text
