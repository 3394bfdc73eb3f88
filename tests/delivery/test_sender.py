"""The sender against a scripted in-process transport: ledger states, retries, limits."""

from __future__ import annotations

import asyncio
import io
import itertools
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.article import Article
from bot.delivery.ledger import ledger_counts
from bot.delivery.limiter import Limits, NoLimits, TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.delivery.transports import (
    ChatGone,
    ChatMoved,
    RateLimited,
    Rejected,
    TerminalTransport,
    Transient,
)
from bot.pipeline import Ingested
from bot.pipeline.ledger import enqueue_deliveries
from bot.rules import Match, Topic
from bot.storage import subscriptions as subs
from bot.storage.db import open_database
from bot.storage.models import deliveries
from tests.support.articles import make_article
from tests.support.books import ingest_matching
from tests.support.scripted_transport import ScriptedTransport

TOPICS = {"oil": Topic("oil", "Oil", "Crude", "🛢", "rules/oil.yaml")}
OIL = Match("oil", "crude", "high", "active", ("crude",))


def _article(n: int) -> Article:
    return make_article(n, summary="crude", tickers=frozenset({"USO"}))


def _setup(url: str, chats: list[int], topic: str = "oil"):  # type: ignore[no-untyped-def]
    engine = open_database(url)
    with engine.begin() as connection:
        for chat_id in chats:
            subs.remember_chat(connection, chat_id, "group" if chat_id < 0 else "private")
            subs.subscribe(connection, chat_id, "topic", [topic])
    return engine


def _enqueue(engine, *articles: Article) -> int:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        return enqueue_deliveries(
            connection, [Ingested(a, (OIL,)) for a in articles], topics=TOPICS
        )


def _states(engine) -> dict[tuple[str, int], str]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return {(r.article_id, r.chat_id): r.state for r in connection.execute(select(deliveries))}


async def test_fan_out_sends_once_and_restart_resends_nothing(database_url: str) -> None:
    engine = _setup(database_url, [1, 2, 3, -4])
    assert _enqueue(engine, _article(1)) == 4
    assert _enqueue(engine, _article(1)) == 0  # unique per (article, chat)
    transport = ScriptedTransport()
    assert await Sender(engine, transport).drain() == 4
    assert await Sender(engine, transport).drain() == 0
    assert sorted(chat for chat, _, _ in transport.sent) == [-4, 1, 2, 3]
    assert ledger_counts(engine)["sent"] == 4


async def test_claimed_but_unsent_rows_survive_a_crash(sqlite_url: str) -> None:
    engine = _setup(sqlite_url, [1, 2])
    _enqueue(engine, _article(1))
    from bot.storage import deliveries as store

    with engine.begin() as connection:  # a sender claimed them, then the process died
        assert len(store.claim(connection, owner="dead", limit=10, lease=600)) == 2
    transport = ScriptedTransport()
    assert await Sender(engine, transport).drain() == 2
    assert await Sender(engine, ScriptedTransport(), exclusive=False).drain() == 0


async def test_faults_each_handled(database_url: str) -> None:
    engine = _setup(database_url, [10, 11, -12, -13, 14])
    transport = ScriptedTransport()
    transport.script[10] = [ChatGone("Forbidden: bot was blocked by the user")]
    transport.script[11] = [RateLimited("Too Many Requests: retry after 1", 0.3)]
    transport.script[-12] = [ChatMoved("group chat was upgraded", -10012)]
    transport.script[-13] = [Rejected("Bad Request: can't parse entities")]
    transport.script[14] = [Transient("Bad Gateway"), Transient("timed out")]
    _enqueue(engine, _article(1))
    sender = Sender(engine, transport, random_source=lambda: 0.0)  # back-off 1s, then 2s
    started = time.monotonic()
    assert await sender.drain(max_wait=5) == 3
    assert time.monotonic() - started >= 2.5
    states = _states(engine)
    assert states[(_article(1).id, 10)] == "cancelled"
    assert states[(_article(1).id, 11)] == "sent"
    assert states[(_article(1).id, -10012)] == "sent"
    assert states[(_article(1).id, -13)] == "failed"
    assert states[(_article(1).id, 14)] == "sent"
    with engine.connect() as connection:
        assert subs.chat_subscriptions(connection, 10) == []
        assert subs.chat_subscriptions(connection, -12) == []
        assert subs.chat_subscriptions(connection, -10012) == [("topic", "oil")]
        row = connection.execute(select(deliveries).where(deliveries.c.chat_id == 14)).one()
        assert row.attempts == 3


async def test_limits_space_messages_per_chat_and_overall(sqlite_url: str) -> None:
    engine = _setup(sqlite_url, [1, 2, 3])
    _enqueue(engine, *(_article(n) for n in range(3)))
    transport = ScriptedTransport()
    limits = Limits(overall_per_second=10, chat_per_second=4, headroom=1, overall_slack=1)
    limiter = TokenBucketLimiter(limits)
    assert await Sender(engine, transport, limiter).drain() == 9
    times = [t for _, _, t in transport.sent]
    assert all(b - a >= 0.099 for a, b in itertools.pairwise(times))
    for chat in (1, 2, 3):
        mine = [t for c, _, t in transport.sent if c == chat]
        assert all(b - a >= 0.249 for a, b in itertools.pairwise(mine))
        # one chat's alerts arrive in ledger order
        texts = [text for c, text, _ in transport.sent if c == chat]
        assert [int(t.split("Crude story ")[1].split("<")[0]) for t in texts] == [0, 1, 2]


async def test_run_wakes_at_once_on_enqueue(sqlite_url: str) -> None:
    engine = _setup(sqlite_url, [1])
    transport = ScriptedTransport()
    sender = Sender(engine, transport, poll_interval=30)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    await asyncio.sleep(0.2)
    ingest = ingest_matching(engine, TOPICS, OIL)
    ingest.wake = sender.wake
    started = time.monotonic()
    await ingest.off_loop([_article(1)])
    while not transport.sent and time.monotonic() - started < 5:
        await asyncio.sleep(0.005)
    assert transport.sent and transport.sent[0][2] - started < 0.25
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_terminal_chat_gets_plain_text(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    with engine.begin() as connection:
        test_only = Match("oil", "draft", "critical", "test", ())
        items = [Ingested(_article(1), (OIL,)), Ingested(_article(2), (test_only,))]
        assert enqueue_deliveries(connection, items, topics=TOPICS, terminal=True) == 1
    out = io.StringIO()
    assert await Sender(engine, TerminalTransport(out), NoLimits()).drain() == 1
    assert "🛢 Oil — ⚠️ high priority\nCrude story 1" in out.getvalue()
    assert "<b>" not in out.getvalue()
    # the Telegram sender never takes the terminal's rows, nor the reverse
    assert await Sender(engine, ScriptedTransport()).drain() == 0


async def test_mute_holds_all_but_critical(sqlite_url: str) -> None:
    engine = _setup(sqlite_url, [1])
    with engine.begin() as connection:
        subs.set_muted_until(connection, 1, datetime(2999, 1, 1, tzinfo=UTC))
        critical = Match("oil", "war", "critical", "active", ())
        # Held for the digest when the mute ends, never dropped; critical comes at once.
        assert enqueue_deliveries(connection, [Ingested(_article(1), (OIL,))], topics=TOPICS) == 1
        assert (
            enqueue_deliveries(connection, [Ingested(_article(2), (critical,))], topics=TOPICS) == 1
        )
        states = dict(connection.execute(select(deliveries.c.article_id, deliveries.c.state)).all())
    assert sorted(states.values()) == ["held", "pending"]
    assert await Sender(engine, ScriptedTransport()).drain() == 1  # held alerts wait


@pytest.mark.parametrize("chats", [300])
async def test_sender_overhead_is_small(sqlite_url: str, chats: int) -> None:
    engine = _setup(sqlite_url, list(range(1, chats + 1)))
    _enqueue(engine, _article(1))
    transport = ScriptedTransport()
    started = time.monotonic()
    assert await Sender(engine, transport).drain() == chats
    assert time.monotonic() - started < 5
