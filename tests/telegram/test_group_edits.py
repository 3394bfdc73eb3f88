"""A group's story edits within its budget: coalesced, behind its alerts, 20 a minute in all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from telegram import Bot

from bot.article import Article
from bot.delivery.limiter import Limits, TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.pipeline.stories import StoryAssignment
from bot.rules import Match, Topic
from bot.storage import subscriptions as subs
from bot.storage.db import open_database
from bot.storage.models import deliveries
from bot.telegram.transport import TelegramTransport
from tests.support.books import ingest_matching
from tests.support.bot_api_double import BotApiDouble
from tests.support.story_copies import copy
from tests.support.waiting import until

GROUP = -300
TOPICS = {"oil": Topic("oil", "Oil", "Crude", "🛢", "rules/oil.yaml")}
OIL = Match("oil", "crude", "normal", "active", ("crude oil",))
OTHER = Article(
    id="https://example.com/gold-record",
    title="Gold hits a record as central banks keep buying bullion",
    summary="Central banks bought more bullion in the quarter than in any before.",
    link="https://example.com/gold-record",
    source="wire",
    published=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
)


def _ingest(engine: Engine, stories: StoryAssignment, article: Article) -> None:
    ingest_matching(engine, TOPICS, OIL, stories=stories)([article])


def _edit_claimed(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.scalar(
                select(deliveries.c.id).where(
                    deliveries.c.kind == "edit", deliveries.c.claimed_until.is_not(None)
                )
            )
        )


def _pending(engine: Engine) -> int:
    with engine.connect() as connection:
        return len(
            connection.execute(select(deliveries.c.id).where(deliveries.c.state == "pending")).all()
        )


async def test_a_groups_edits_coalesce_and_wait_behind_its_alerts(database_url: str) -> None:
    engine = open_database(database_url)
    with engine.begin() as connection:
        subs.remember_chat(connection, GROUP, "group")
        subs.subscribe(connection, GROUP, "topic", ["oil"])
    stories = StoryAssignment()
    stop = asyncio.Event()
    with BotApiDouble(count_edits=True) as api:
        async with Bot(api.token, base_url=f"{api.url}/bot") as bot:
            # A group budget of 10 a minute (within Telegram's 20): an edit waits 6 s in hand,
            # time enough to ingest the next copies however busy the machine.
            limiter = TokenBucketLimiter(Limits(group_per_minute=10))
            sender = Sender(engine, TelegramTransport(bot), limiter)
            running = asyncio.create_task(sender.run(stop))
            _ingest(engine, stories, copy(0))
            sender.wake()
            await until(lambda: len(api.messages(GROUP)) == 1, "the story's alert")
            _ingest(engine, stories, copy(1))
            sender.wake()
            # The edit is in hand, waiting for the group's budget (20 a minute): a newer edit
            # and another story's alert come meanwhile.
            await until(lambda: _edit_claimed(engine), "the edit to be claimed")
            _ingest(engine, stories, copy(2))
            _ingest(engine, stories, OTHER)
            sender.wake()
            await until(lambda: _pending(engine) == 0 and sender.unrecorded == 0, "all sent", 20)
            stop.set()
            await running
        sends = [r for r in api.requests if r.status == 200 and r.method == "sendMessage"]
        edits = [r for r in api.requests if r.status == 200 and r.method == "editMessageText"]
    assert len(sends) == 2 and "central banks" in str(sends[1].params["text"])
    assert len(edits) == 1, "the older, unsent edit is replaced by the newer one"
    assert copy(2).source in str(edits[0].params["text"]) or "3 sources" in str(
        edits[0].params["text"]
    )
    assert sends[1].at < edits[0].at, "the alert goes before the edit"
    assert api.violations == 0
