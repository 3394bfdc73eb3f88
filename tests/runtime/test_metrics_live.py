"""Operators' view of a running bot: /metrics counts what the Bot API saw, /healthz tells."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from tests.support.bot_api_double import Answer, BotApiDouble
from tests.support.pg_cluster import PgCluster
from tests.support.scrape import Scraper, free_port
from tests.support.workspace import BotProcess, Workspace, command, until

GROUP_CHAT, OTHER_CHAT = 701, 702
FLOOD_SECONDS = 16  # longer than the gauges' refresh (15 s): one refresh sees the queue


async def test_metrics_count_what_the_bot_api_received_and_the_queue_drains(
    api: BotApiDouble, workspace: Workspace, processes: list[BotProcess]
) -> None:
    port = free_port()
    env = workspace.env(api, NEWSBOT_METRICS_LISTEN=f"127.0.0.1:{port}")
    bot = BotProcess(env, workspace.root)
    processes.append(bot)
    await asyncio.to_thread(bot.wait_for_log, "running:")
    scraper = Scraper(port)
    for chat in (GROUP_CHAT, OTHER_CHAT):
        assert "Subscribed" in await command(api, chat, "/subscribe oil")
    status, body = await scraper.health()
    assert status == 200 and body == {
        "status": "ok",
        "parts": {"database": "ok", "scheduler": "ok", "sender": "ok"},
    }

    api.fail(OTHER_CHAT, Answer.flood(FLOOD_SECONDS))  # one chat waits out a 429
    await asyncio.sleep(1.1)  # one message a second per chat
    workspace.write_seed("brent.md", "Brent crude oil jumps as tankers avoid Hormuz")
    await until(lambda: len(api.messages(GROUP_CHAT)) == 2, "the first chat's alert")
    await scraper.value_until("newsbot_delivery_queue_depth{}", 1.0)  # the other waits
    await until(
        lambda: len(api.messages(OTHER_CHAT)) == 2, "the alert after the pause", FLOOD_SECONDS + 5
    )
    alerts = len(api.messages(GROUP_CHAT)) + len(api.messages(OTHER_CHAT)) - 2  # minus answers
    assert alerts == 2

    await scraper.value_until('newsbot_messages_total{kind="alert",outcome="sent"}', alerts)
    await scraper.value_until("newsbot_delivery_queue_depth{}", 0.0)
    samples = await scraper.metrics()
    assert samples['newsbot_messages_total{kind="alert",outcome="retried"}'] == 1
    assert samples["newsbot_flood_waits_total{}"] == 1
    assert samples["newsbot_flood_wait_seconds_total{}"] == FLOOD_SECONDS
    assert samples['newsbot_telegram_errors_total{code="429"}'] == 1
    assert samples["newsbot_delivery_delay_seconds_count{}"] == alerts
    assert samples['newsbot_delivery_delay_seconds_bucket{le="+Inf"}'] == alerts
    assert samples["newsbot_delivery_queue_oldest_seconds{}"] == 0
    assert samples['newsbot_articles_total{outcome="new",source="seeds"}'] == 1
    assert samples['newsbot_rule_matches_total{rule="crude",topic="oil"}'] == 1
    assert samples["newsbot_ingest_delay_seconds_count{}"] == 1
    assert samples["newsbot_rule_files_in_error{}"] == 0
    assert (await scraper.health())[0] == 200
    assert bot.stop()[0] == 0


async def test_health_fails_naming_the_database_when_it_is_gone(
    api: BotApiDouble, tmp_path: Path, processes: list[BotProcess]
) -> None:
    with PgCluster.create() as cluster:
        workspace = Workspace(tmp_path, cluster.url)
        workspace.rules.mkdir()
        workspace.seeds.mkdir()
        workspace.feeds_file.write_text("feeds: []\n")
        port = free_port()
        bot = BotProcess(workspace.env(api, NEWSBOT_METRICS_LISTEN=f"127.0.0.1:{port}"), tmp_path)
        processes.append(bot)
        await asyncio.to_thread(bot.wait_for_log, "running:")
        scraper = Scraper(port)
        status, body = await scraper.health()
        assert status == 200, body

        await asyncio.to_thread(cluster.stop, "immediate")
        status, body = await scraper.health()
        assert status == 503, body
        assert body["status"] == "failing"
        parts = body["parts"]
        assert isinstance(parts, dict) and parts["database"] != "ok"
        assert parts["scheduler"] == "ok"

        await asyncio.to_thread(cluster.start)
        for _ in range(50):
            status, body = await scraper.health()
            if status == 200:
                break
            await asyncio.sleep(0.2)
        assert status == 200, body  # the database is back: healthy again, no restart
        assert bot.stop()[0] == 0


def test_a_taken_metrics_port_stops_the_bot_at_start_with_one_line(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str, processes: list[BotProcess]
) -> None:
    workspace = Workspace(tmp_path, sqlite_url)
    workspace.rules.mkdir()
    workspace.seeds.mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        bot = BotProcess(
            workspace.env(api, NEWSBOT_METRICS_LISTEN=f"127.0.0.1:{port}"), workspace.root
        )
        processes.append(bot)
        assert bot.process.wait(60) == 2
    log = bot.stderr
    line = f"cannot listen on 127.0.0.1:{port} (NEWSBOT_METRICS_LISTEN)"
    assert log.count(line) == 1 and "Traceback" not in log
    assert "fix the setting and start again" in log
