"""A critical alert overtakes a 100,000-row backlog through a running bot, within seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bot.storage import deliveries as store
from bot.storage.db import open_database
from bot.storage.subscriptions import TOPIC, remember_chat, subscribe
from tests.support.bot_api_double import BotApiDouble
from tests.support.workspace import Workspace, running, until

BACKLOG = 100_000
BACKLOG_CHATS = 1_000
CRITICAL_CHAT = 77
WAR = """\
title: War
description: Armed conflict that moves markets.
rules:
  - name: invasion
    priority: critical
    fields: [title]
    any: [invasion]
"""


def _queue_backlog(database_url: str) -> None:
    """100,000 normal alerts waiting: 100 for each of 1,000 chats."""
    engine = open_database(database_url)
    now = datetime.now(UTC)
    rows = [
        {
            "article_id": f"backlog:{n // BACKLOG_CHATS}",
            "chat_id": 100_000 + n % BACKLOG_CHATS,
            "text": f"backlog alert {n}",
            "silent": False,
            "priority": "normal",
            "state": store.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created": now,
        }
        for n in range(BACKLOG)
    ]
    with engine.begin() as connection:
        assert store.insert_deliveries(connection, rows) == BACKLOG
        remember_chat(connection, CRITICAL_CHAT, "private")
        subscribe(connection, CRITICAL_CHAT, TOPIC, ["war"])
    engine.dispose()


async def test_a_critical_alert_overtakes_a_huge_backlog(
    api: BotApiDouble, workspace: Workspace
) -> None:
    (workspace.rules / "war.yaml").write_text(WAR)
    _queue_backlog(workspace.database_url)
    async with running(workspace.settings(api)) as single:
        await until(lambda: len(api.messages()) >= 30, "the backlog to be under way")
        written = time.monotonic()
        workspace.write_seed("invasion.md", "Invasion begins at dawn across the border")
        await until(lambda: api.messages(CRITICAL_CHAT), "the critical alert", timeout=20)
        took = time.monotonic() - written
        status = await single.runtime.status_text()

    backlog_sent = len(api.messages()) - 1
    assert "Invasion begins at dawn" in api.answers_to(CRITICAL_CHAT)[0]
    assert took < 8, f"the critical alert took {took:.1f}s"
    assert backlog_sent < BACKLOG // 20, "it did not wait for the backlog"
    assert "pending (oldest queued" in status, status
