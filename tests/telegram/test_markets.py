"""/market and /digest open through the Bot API double; alerts sent at an injected moment."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.article import Article
from bot.pipeline import FixedRules, Ingest, Ingested, Ledger
from bot.pipeline.ledger import enqueue_deliveries
from bot.rules import Match, Topic
from tests.support.books import Always
from tests.support.bot_api_double import BotApiDouble
from tests.support.harness import Harness

NEW_YORK = ZoneInfo("America/New_York")
SATURDAY = datetime(2026, 3, 7, 3, 0, tzinfo=NEW_YORK)
TUESDAY = datetime(2026, 3, 10, 10, 0, tzinfo=NEW_YORK)
HIGH = Match("oil", "geopolitics-crude", "high", "active", ("crude",))
TRADER, EARLY_BIRD = 501, 502


class _LedgerAt(Ledger):
    """The ledger as if the clock read `moment` (sessions are decided when alerts are owed)."""

    def __init__(self, moment: datetime) -> None:
        super().__init__()
        self.moment = moment

    def write(
        self, connection: Connection, ingested: Sequence[Ingested], topics: Mapping[str, Topic]
    ) -> int:
        return enqueue_deliveries(connection, ingested, topics=topics, now=self.moment)


async def _alert_at(bot: Harness, name: str, moment: datetime) -> str:
    """Ingest a high oil alert as if it came at `moment`; returns its title."""
    article = Article(
        id=f"https://example.com/{name}",
        title=f"Crude jumps on {name}",
        summary="Oil prices jumped.",
        link=f"https://example.com/{name}",
        source="wire",
        published=moment,
    )

    ingest = Ingest(bot.engine, FixedRules(Always(bot.book.topics, (HIGH,))), _LedgerAt(moment))
    await asyncio.to_thread(ingest, [article])
    assert bot.sender is not None
    bot.sender.wake()
    return article.title


def _received(api: BotApiDouble, chat_id: int, title: str) -> list[dict[str, object]]:
    return [m for m in api.messages(chat_id) if title in str(m["text"])]


async def test_a_chat_following_nyse_hears_alerts_only_while_it_trades(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        assert "No market followed" in await bot.command(TRADER, "/market")
        assert "Unknown market" in await bot.command(TRADER, "/market Narnia")
        assert "Follow a market first" in await bot.command(TRADER, "/digest open")
        await bot.command(TRADER, "/subscribe oil")
        await bot.command(EARLY_BIRD, "/subscribe oil")
        assert "follows XNYS's session" in await bot.command(TRADER, "/market NYSE")
        await bot.command(EARLY_BIRD, "/market nyse")
        answer = await bot.command(EARLY_BIRD, "/digest open")
        assert "30 minutes before the open" in answer and "America/New_York" in answer
        listed = await bot.command(TRADER, "/list"), await bot.command(EARLY_BIRD, "/list")
        assert (
            "Market: XNYS's session; outside it, alerts below critical arrive silently" in listed[0]
        )
        assert "alerts below critical wait for a digest 30 minutes before" in listed[1]

        weekend = await _alert_at(bot, "Saturday", SATURDAY)
        await bot.until(lambda: bool(_received(api, TRADER, weekend)), "the weekend alert")
        assert _received(api, TRADER, weekend)[0].get("disable_notification") is True
        weekday = await _alert_at(bot, "Tuesday", TUESDAY)
        await bot.until(lambda: bool(_received(api, TRADER, weekday)), "the weekday alert")
        assert _received(api, TRADER, weekday)[0].get("disable_notification") in (None, False)
        await bot.until(lambda: bool(_received(api, EARLY_BIRD, weekday)), "its weekday alert")
        assert not _received(api, EARLY_BIRD, weekend)  # held for the digest before the open
        assert "No market followed" in await bot.command(TRADER, "/market off")
