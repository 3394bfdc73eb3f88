"""Delivery faults through python-telegram-bot and the Bot API double: 403, 429, 5xx, migrate."""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine, select
from telegram import Bot

from bot.article import Article
from bot.config import Settings
from bot.delivery.limiter import TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.delivery.transports import ChatGone
from bot.rules import Match, RuleBook, Topic
from bot.storage import subscriptions as subs
from bot.storage.db import open_database
from bot.storage.models import deliveries
from bot.telegram.app import TokenRejected, build_application, run_bot
from bot.telegram.transport import TelegramTransport
from tests.support.articles import make_article
from tests.support.books import ingest_matching
from tests.support.bot_api_double import Answer, BotApiDouble

TOPICS = {"oil": Topic("oil", "Oil", "Crude", "🛢", "rules/oil.yaml")}
OIL = Match("oil", "crude", "normal", "active", ("crude",))


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=f"{api.url}/bot") as client:
        yield client


def _article(n: int) -> Article:
    return make_article(n)


def _subscribed(url: str, chats: list[int]) -> Engine:
    engine = open_database(url)
    with engine.begin() as connection:
        for chat_id in chats:
            subs.remember_chat(connection, chat_id, "group" if chat_id < 0 else "private")
            subs.subscribe(connection, chat_id, "topic", ["oil"])
    return engine


def _ingest(engine: Engine, *articles: Article) -> None:
    ingest_matching(engine, TOPICS, OIL)(articles)


def _rows(engine: Engine) -> dict[int, list[tuple[str, int, str | None]]]:
    found: dict[int, list[tuple[str, int, str | None]]] = {}
    with engine.connect() as connection:
        for row in connection.execute(select(deliveries).order_by(deliveries.c.id)):
            found.setdefault(row.chat_id, []).append((row.state, row.attempts, row.last_error))
    return found


async def test_each_fault_is_handled(api: BotApiDouble, bot: Bot, database_url: str) -> None:
    blocked, flooded, broken, migrating, refused, gone = 201, 202, 203, -204, 205, 206
    engine = _subscribed(database_url, [blocked, flooded, broken, migrating, refused, gone, 207])
    api.block(blocked)
    api.fail(flooded, Answer.flood(retry_after=1))
    api.fail(broken, Answer.server_error(502), Answer.server_error(500))
    api.fail(migrating, Answer.migrate(-100204))
    api.fail(refused, Answer.bad_request("Bad Request: message is too long"))
    api.fail(gone, Answer.chat_not_found())
    _ingest(engine, _article(1), _article(2))
    sender = Sender(engine, TelegramTransport(bot), TokenBucketLimiter(), random_source=lambda: 0)
    started = time.monotonic()
    sent = await sender.drain(max_wait=6)
    rows = _rows(engine)
    assert [state for state, _, _ in rows[blocked]] == ["cancelled", "cancelled"]
    assert "blocked" in str(rows[blocked][0][2]) and "blocked" in str(rows[blocked][1][2])
    assert [state for state, _, _ in rows[flooded]] == ["sent", "sent"]
    assert len(api.messages(flooded)) == 2
    flood_retry = [r.at for r in api.requests if r.params.get("chat_id") == flooded]
    assert flood_retry[1] - flood_retry[0] >= 0.99  # waited retry_after
    assert [state for state, _, _ in rows[broken]] == ["sent", "sent"]
    assert sum(attempts for _, attempts, _ in rows[broken]) == 4  # two 5xx, retried
    assert migrating not in rows and [s for s, _, _ in rows[-100204]] == ["sent", "sent"]
    assert len(api.messages(-100204)) == 2
    with engine.connect() as connection:
        assert subs.chat_subscriptions(connection, -100204) == [("topic", "oil")]
        assert subs.chat_subscriptions(connection, migrating) == []
        assert subs.chat_subscriptions(connection, blocked) == []
        assert subs.chat_subscriptions(connection, gone) == []
        assert subs.chat_subscriptions(connection, refused) == [("topic", "oil")]
    assert rows[refused][0][0] == "failed" and "too long" in str(rows[refused][0][2])
    assert rows[refused][1][0] == "sent"  # only that message was refused
    assert [state for state, _, _ in rows[gone]] == ["cancelled", "cancelled"]
    assert len(api.messages(207)) == 2
    assert sent == 2 + 2 + 2 + 1 + 2
    assert time.monotonic() - started >= 3
    assert api.violations == 0
    # A restart sends nothing again.
    assert await Sender(engine, TelegramTransport(bot)).drain() == 0


async def test_crash_between_ledger_and_send_loses_nothing(
    api: BotApiDouble, bot: Bot, database_url: str
) -> None:
    engine = _subscribed(database_url, [301, 302])
    _ingest(engine, _article(1))  # the ledger is written, then the process dies
    assert api.messages() == []
    assert await Sender(engine, TelegramTransport(bot)).drain() == 2
    assert await Sender(engine, TelegramTransport(bot)).drain() == 0
    assert [len(api.messages(chat)) for chat in (301, 302)] == [1, 1]


async def test_the_token_never_shows_in_errors(api: BotApiDouble, database_url: str) -> None:
    doomed = BotApiDouble(token=api.token).start()
    engine = _subscribed(database_url, [401])
    _ingest(engine, _article(1))
    async with Bot(api.token, base_url=f"{doomed.url}/bot") as dead:
        doomed.stop()  # the Bot API goes away: connection errors from now on
        await Sender(engine, TelegramTransport(dead), max_attempts=1).drain(max_wait=0)
    (state, _, error), *_ = _rows(engine)[401]
    assert state == "failed" and error and api.token not in error
    wrong = BotApiDouble(token="987:OTHER")  # the double only knows its own token
    settings = Settings(telegram_bot_token=api.token, telegram_api_url=wrong.url)
    with wrong:
        app = build_application(settings, engine, rulebook=RuleBook.empty)
        with pytest.raises(TokenRejected) as raised:
            await run_bot(app, asyncio.Event())
    assert api.token not in str(raised.value)
    assert api.token not in "".join(traceback.format_exception(raised.value))


async def test_403_in_a_group_maps_to_chat_gone(api: BotApiDouble, bot: Bot) -> None:
    api.block(-9, Answer.kicked())
    with pytest.raises(ChatGone) as raised:
        await TelegramTransport(bot).send(-9, "hi", silent=True)
    assert "kicked" in raised.value.reason
