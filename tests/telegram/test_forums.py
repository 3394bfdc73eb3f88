"""Forum topics through the Bot API double: routes per topic, closed and deleted topics."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.article import Article
from bot.rules import Match
from bot.storage import subscriptions as subs
from tests.support.books import ingest_matching
from tests.support.bot_api_double import BotApiDouble
from tests.support.harness import Harness

FORUM, ADMIN, MEMBER = -100500, 7, 8
OIL = Match("oil", "geopolitics-crude", "high", "active", ("crude",))
GOLD = Match("gold", "safe-haven", "normal", "active", ("gold",))
_numbers = itertools.count(1)


async def _article(bot: Harness, title: str, *matches: Match) -> str:
    """Ingest one article the rules match as given; returns its title."""
    number = next(_numbers)
    article = Article(
        id=f"https://example.com/forum/{number}",
        title=f"{title} {number}",
        summary=f"{title}: a story of its own, number {number}.",
        link=f"https://example.com/forum/{number}",
        source="test",
        published=datetime.now(UTC),
        tickers=frozenset(),
    )
    await asyncio.to_thread(ingest_matching(bot.engine, bot.book.topics, *matches), [article])
    assert bot.sender is not None
    bot.sender.wake()
    return article.title


def _with(api: BotApiDouble, text: str) -> list[dict[str, Any]]:
    return [m for m in api.messages(FORUM) if text in str(m["text"])]


def _thread(message: dict[str, Any]) -> int | None:
    return message.get("message_thread_id")


async def _route(bot: Harness, api: BotApiDouble, text: str, thread_id: int | None) -> str:
    answer = await bot.command(FORUM, text, user_id=ADMIN, thread_id=thread_id)
    assert _thread(api.messages(FORUM)[-1]) == thread_id  # the reply is in that topic
    return answer


async def test_each_topic_gets_its_alerts_and_a_closed_one_holds_them(
    api: BotApiDouble, database_url: str, seeds: Path
) -> None:
    # Telegram's limits enforced (a group: 20 messages a minute): about 40 s.
    api.set_member(FORUM, ADMIN, "administrator")
    oil_topic, gold_topic = api.create_topic(FORUM, "Oil"), api.create_topic(FORUM, "Gold")
    async with Harness(api, database_url, seeds) as bot:
        assert "this topic" in await _route(bot, api, "/subscribe oil", oil_topic)
        assert "this topic" in await _route(bot, api, "/subscribe gold", gold_topic)
        listed = await _route(bot, api, "/list", None)
        assert f"Topic {oil_topic}: oil" in listed and f"Topic {gold_topic}: gold" in listed

        both = await _article(bot, "Crude and bullion jump", OIL, GOLD)
        gold = await _article(bot, "Bullion alone", GOLD)
        await bot.until(lambda: _with(api, both) and _with(api, gold), "both alerts", 30)
        assert [_thread(m) for m in _with(api, both)] == [oil_topic]  # once, highest priority
        assert [_thread(m) for m in _with(api, gold)] == [gold_topic]

        api.close_topic(FORUM, oil_topic)
        held = [await _article(bot, "Crude closed", OIL), await _article(bot, "Crude again", OIL)]
        after = await _article(bot, "Bullion goes on", GOLD)
        await bot.until(lambda: bool(_with(api, after)), "the open topic's alert", 30)
        await bot.until(lambda: bool(_with(api, "is closed")), "the notice in General", 30)
        assert [_thread(m) for m in _with(api, after)] == [gold_topic]
        notice = _with(api, "is closed")
        assert len(notice) == 1 and _thread(notice[0]) is None
        assert "/subscribe oil" in notice[0]["text"]
        assert not any(_with(api, title) for title in held)  # held, not dropped
        listed = await _route(bot, api, "/list", None)
        assert "closed: alerts held" in listed and "2 held for closed topics" in listed
        assert "Held for a digest" not in listed  # those two, counted once

        api.reopen_topic(FORUM, oil_topic)
        answer = await _route(bot, api, "/subscribe oil", oil_topic)
        assert "2 alerts held while the topic was closed" in answer
        await bot.until(lambda: all(_with(api, title) for title in held), "the held alerts", 30)
        assert [_thread(_with(api, title)[0]) for title in held] == [oil_topic, oil_topic]
        assert len(_with(api, "is closed")) == 1  # told once
    assert api.violations == 0


async def test_a_reopened_topic_service_message_releases_what_it_held(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    api.set_member(FORUM, ADMIN, "administrator")
    oil_topic = api.create_topic(FORUM, "Oil")
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        await _route(bot, api, "/subscribe oil", oil_topic)
        api.close_topic(FORUM, oil_topic)
        title = await _article(bot, "Crude while closed", OIL)
        await bot.until(lambda: bool(_with(api, "is closed")), "the notice")
        assert not _with(api, title)
        await bot.send(api.reopen_topic(FORUM, oil_topic))
        await bot.until(lambda: bool(_with(api, title)), "the held alert")
        assert _thread(_with(api, title)[0]) == oil_topic


async def test_a_deleted_topic_falls_back_to_general_and_loses_nothing(
    loose_api: BotApiDouble, database_url: str, seeds: Path
) -> None:
    api = loose_api
    api.set_member(FORUM, ADMIN, "administrator")
    oil_topic = api.create_topic(FORUM, "Oil")
    async with Harness(api, database_url, seeds, limits=False) as bot:
        await _route(bot, api, "/subscribe oil", oil_topic)
        api.delete_topic(FORUM, oil_topic)
        first = await _article(bot, "Crude after deletion", OIL)
        await bot.until(lambda: bool(_with(api, first)), "the alert, in General")
        second = await _article(bot, "Crude later", OIL)
        await bot.until(lambda: bool(_with(api, second)), "the next alert")
        assert [_thread(m) for m in _with(api, first) + _with(api, second)] == [None, None]
        notice = _with(api, "was deleted")
        assert len(notice) == 1 and _thread(notice[0]) is None
        assert "Forum topics: every alert goes to General." in await _route(bot, api, "/list", None)


async def test_only_admins_route_a_forums_alerts(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    api.set_member(FORUM, MEMBER, "member")
    oil_topic = api.create_topic(FORUM, "Oil")
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        answer = await bot.command(FORUM, "/subscribe oil", user_id=MEMBER, thread_id=oil_topic)
        assert "admins" in answer and _thread(api.messages(FORUM)[-1]) == oil_topic
        with bot.engine.connect() as connection:
            assert subs.chat_subscriptions(connection, FORUM) == []


async def test_subscribing_a_topic_again_in_another_forum_topic_moves_its_alerts_there(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    api.set_member(FORUM, ADMIN, "administrator")
    first_topic, second_topic = api.create_topic(FORUM, "Energy"), api.create_topic(FORUM, "Oil")
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        await _route(bot, api, "/subscribe oil", first_topic)
        before = await _article(bot, "Crude before the move", OIL)
        await bot.until(lambda: bool(_with(api, before)), "the alert in the first topic")
        await _route(bot, api, "/subscribe oil", second_topic)
        after = await _article(bot, "Crude after the move", OIL)
        await bot.until(lambda: bool(_with(api, after)), "the alert in the second topic")
        listed = await _route(bot, api, "/list", None)
    assert [_thread(m) for m in _with(api, before)] == [first_topic]
    assert [_thread(m) for m in _with(api, after)] == [second_topic]  # moved, not copied
    assert f"Topic {second_topic}: oil" in listed and f"Topic {first_topic}:" not in listed
