"""Waiting for what the bot brings about, in every test that drives it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import func, select

from bot.ledger_values import DeliveryState
from bot.storage.db import make_engine
from bot.storage.models import articles as articles_table
from bot.storage.models import deliveries


async def until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Wait for a condition the bot brings about, failing with what was awaited."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(0.005)


def quiet(database_url: str, articles: int) -> bool:
    """Whether `articles` articles are stored and no delivery is pending (the sender drained).

    An article is recorded in the same transaction as its deliveries, and a delivery stays
    pending until Telegram answered it: once this holds, nothing more is on its way.
    """
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(articles_table))
            pending = connection.execute(
                select(func.count())
                .select_from(deliveries)
                .where(deliveries.c.state == DeliveryState.PENDING)
            )
            return int(stored.scalar_one()) >= articles and int(pending.scalar_one()) == 0
    finally:
        engine.dispose()


async def settled(database_url: str, *, articles: int, timeout: float = 15.0) -> None:
    """Wait until `articles` articles are stored and the sender drained: proves an absence.

    Replaces a fixed sleep ("a wrong alert would show by now"): what is not sent once the
    ledger holds nothing pending was never going to be.
    """
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(quiet, database_url, articles):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:g}s waiting for {articles} stored article(s) "
                "and no pending delivery"
            )
        await asyncio.sleep(0.05)
