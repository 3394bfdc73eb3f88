"""Operations: `/status` for admins, housekeeping, a clean stop of the Runtime in-process."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.storage.feeds import FeedState
from bot.storage.models import deliveries
from tests.support.bot_api_double import BotApiDouble
from tests.support.feed_server import FeedServer, Reply
from tests.support.workspace import ADMIN, Workspace, command, running, until

CHAT = 901


async def test_status_tells_admins_about_sources_rules_queue_and_uptime(
    api: BotApiDouble, workspace: Workspace
) -> None:
    (workspace.rules / "broken.yaml").write_text("title: [\n")
    with FeedServer() as server:
        server.route("/down.xml", Reply(status=500))
        workspace.feeds_file.write_text(
            f"feeds:\n  - name: down-wire\n    url: {server.url('/down.xml')}\n"
            "  - name: quiet-wire\n    url: http://127.0.0.1:9/rss\n"
        )
        async with running(workspace.settings(api)) as single:
            runtime = single.runtime
            await single.poll_feed_job(runtime.feeds[0])
            assert "Subscribed" in await command(api, CHAT, "/subscribe oil")
            await asyncio.sleep(1.0)
            workspace.write_seed("a.md", "Brent crude oil rallies")
            (workspace.seeds / "nofm.md").write_text("no front matter here\n")
            await until(lambda: len(api.messages(CHAT)) == 2, "the alert")
            await until(lambda: len(api.messages(ADMIN)) == 1, "the broken file notice")
            await asyncio.sleep(1.0)
            status = await command(api, ADMIN, "/status")
            refused = await command(api, CHAT + 1, "/status")
    assert status.startswith("newsbot up ")
    assert re.search(r"seeds in .*: \d+ files, last read \d+s ago, 1 skipped", status), status
    assert "⚠ nofm.md: " in status
    assert re.search(r"down-wire: last poll \d+s ago, failing ×\d: HTTP 500 .*, next in", status)
    assert "• quiet-wire: " in status  # not polled yet, or failing: its first poll is random
    assert "Rules: 1 topic, 1 problem" in status and "broken.yaml:" in status
    assert "Deliveries: 0 pending, 0 failed" in status
    assert "Alerts sent: 1 in the last hour, 1 in the last day" in status  # the alert only
    assert "Also sent in the last day: 1 notice" in status  # the broken file's
    assert "operators" in refused


async def test_housekeeping_prunes_old_deliveries_and_reports_a_feed_down_for_a_day(
    api: BotApiDouble, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    workspace.feeds_file.write_text("feeds:\n  - name: dead-wire\n    url: http://127.0.0.1:9/\n")
    old = datetime.now(UTC) - timedelta(days=31)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    async with running(workspace.settings(api)) as single:
        runtime = single.runtime
        with runtime.engine.begin() as connection:
            connection.execute(
                insert(deliveries),
                [
                    {
                        "article_id": f"old-{state}",
                        "chat_id": CHAT,
                        "text": "old",
                        "state": state,
                        # The pending one waits for a retry tomorrow: the sender leaves it.
                        "next_attempt_at": old if state != "pending" else tomorrow,
                        "created": old,
                    }
                    for state in ("sent", "failed", "pending")
                ],
            )
        spec = runtime.feeds[0]
        since = datetime.now(UTC) - timedelta(days=1, hours=2)
        runtime.poller.remember(
            spec.name,
            FeedState(
                failures=40, last_error="connection refused", failing_since=since, last_poll=since
            ),
        )
        await runtime.housekeeping()
        await runtime.housekeeping()  # an hour later: the same failing spell, no new notice
        await until(lambda: api.messages(ADMIN), "the admin notice")
        await asyncio.sleep(1.2)
        with runtime.engine.connect() as connection:
            left = connection.scalar(
                select(func.count()).where(deliveries.c.article_id.like("old-%"))
            )
    assert left == 1  # the pending one is never pruned
    assert len(api.messages(ADMIN)) == 1
    assert "dead-wire" in api.answers_to(ADMIN)[0] and "failing since" in api.answers_to(ADMIN)[0]
    assert "2 old deliveries pruned; 1 of 1 feed(s) failing (dead-wire ×40" in caplog.text
