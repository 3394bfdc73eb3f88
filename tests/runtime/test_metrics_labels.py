"""What /metrics tells an operator of one process (issues 25.2, 25.3), with `newsbot run`."""

from __future__ import annotations

import asyncio
import re
import urllib.request
from pathlib import Path

from tests.support.bot_api_double import BotApiDouble
from tests.support.scrape import Scraper, free_port
from tests.support.workspace import BotProcess, command, make_workspace, until

WATCHER, OTHER_WATCHER = 811, 812


def _metrics_text(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        return str(answer.read().decode())


async def test_watch_matches_count_together_without_chat_ids(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str, processes: list[BotProcess]
) -> None:
    workspace = make_workspace(tmp_path, sqlite_url)
    port = free_port()
    bot = BotProcess(workspace.env(api, NEWSBOT_METRICS_LISTEN=f"127.0.0.1:{port}"), tmp_path)
    processes.append(bot)
    await asyncio.to_thread(bot.wait_for_log, "is polling for updates")
    for chat, name in ((WATCHER, "brent"), (OTHER_WATCHER, "tankers")):
        assert "Watching" in await command(api, chat, f"/watch {name} Brent")
    workspace.write_seed("brent.md", "Brent crude oil jumps as tankers avoid Hormuz")
    for chat in (WATCHER, OTHER_WATCHER):
        await until(lambda chat=chat: len(api.messages(chat)) == 2, f"the alert to {chat}")

    scraper = Scraper(port)
    await scraper.value_until('newsbot_rule_matches_total{rule="watch",topic="watch"}', 2)
    text = await asyncio.to_thread(_metrics_text, port)
    assert "watch:" not in text  # no chat id in a label
    labels = re.findall(r"\{[^}]*\}", text)  # values may hold any digits: labels may not
    assert not [label for label in labels if str(WATCHER) in label or str(OTHER_WATCHER) in label]
    assert 'rule="brent"' not in text and 'rule="tankers"' not in text  # nor a user's words
    assert bot.stop()[0] == 0


async def test_a_single_process_is_the_leader(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str, processes: list[BotProcess]
) -> None:
    workspace = make_workspace(tmp_path, sqlite_url)
    port = free_port()
    bot = BotProcess(workspace.env(api, NEWSBOT_METRICS_LISTEN=f"127.0.0.1:{port}"), tmp_path)
    processes.append(bot)
    await asyncio.to_thread(bot.wait_for_log, "is polling for updates")
    # It sends and takes the updates: `sum(newsbot_fleet_leader) != 1` must not page.
    samples = await Scraper(port).metrics()
    assert samples["newsbot_fleet_leader{}"] == 1
    assert bot.stop()[0] == 0
