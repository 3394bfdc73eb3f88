"""PostgreSQL stopped for 30 s mid-broadcast to 300 chats, through real `newsbot run` processes.

Every chat is served once (a message in flight when the database went may repeat, once at
most), and a seed written during the outage is alerted after it, with no restart.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.storage.db import open_database
from bot.storage.models import subscriptions
from tests.support.bot_api_double import BotApiDouble
from tests.support.pg_cluster import PgCluster
from tests.support.workspace import BotProcess, make_workspace

pytestmark = pytest.mark.timeout(240)

CHATS = range(30_001, 30_301)  # 300 private chats: some 10 s a broadcast at 30 a second
OUTAGE = 30.0
BEFORE = "Brent crude oil spikes as OPEC+ cuts output"
DURING = "Crude oil tankers rerouted around the strait"
IN_FLIGHT = 16  # the sender's concurrency: sends under way when the database went


def _subscribe_everyone(database_url: str) -> None:
    engine = open_database(database_url)
    now = datetime.now(UTC)
    rows = [{"chat_id": chat, "kind": "topic", "value": "oil", "created": now} for chat in CHATS]
    with engine.begin() as connection:
        connection.execute(insert(subscriptions), rows)
    engine.dispose()


def _served(api: BotApiDouble, title: str) -> Counter[int]:
    return Counter(
        int(m["chat_id"]) for m in api.messages() if title in str(m["text"]) and m["chat_id"]
    )


def _wait(
    condition: Callable[[], bool], timeout: float, what: str, logs: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}:\n{logs()}")
        time.sleep(0.05)


def _broadcast_through_outage(
    api: BotApiDouble, tmp_path: Path, processes: list[BotProcess], *, fleet: int
) -> None:
    with PgCluster.create() as cluster:
        workspace = make_workspace(tmp_path, cluster.url)
        _subscribe_everyone(cluster.url)
        env = workspace.env(api, NEWSBOT_SEEDS_RESCAN="2s")
        args = ("run", "--fleet") if fleet else ("run",)
        bots = [
            BotProcess(env, workspace.root, *args, name=f"bot-{n}") for n in range(max(1, fleet))
        ]
        processes.extend(bots)

        def logs() -> str:
            return "\n".join(f"--- {bot.log_path.name}\n{bot.stderr[-4000:]}" for bot in bots)

        for bot in bots:
            bot.wait_for_log("running", timeout=40)
        _wait(lambda: any("polling for updates" in b.stderr for b in bots), 40, "a leader", logs)

        workspace.write_seed("before.md", BEFORE)
        _wait(lambda: len(_served(api, BEFORE)) >= 60, 30, "the broadcast", logs)
        cluster.stop(mode="immediate")
        down_at = len(_served(api, BEFORE))
        time.sleep(3.0)
        workspace.write_seed("during.md", DURING)  # read while the database is down
        time.sleep(OUTAGE - 3.0)
        cluster.start()

        _wait(lambda: set(_served(api, BEFORE)) == set(CHATS), 90, "every chat served", logs)
        _wait(lambda: set(_served(api, DURING)) == set(CHATS), 90, "the seed from the outage", logs)
        time.sleep(2.0)  # anything sent twice would arrive now
        assert all(bot.process.poll() is None for bot in bots), logs()
        for bot in bots:
            code, _ = bot.stop()
            assert code == 0, logs()

    assert down_at < len(CHATS), "the broadcast ended before the outage: nothing was tested"
    before, during = _served(api, BEFORE), _served(api, DURING)
    repeated = sum(count - 1 for count in before.values())
    assert max(before.values()) <= 2 and repeated <= IN_FLIGHT, f"{repeated} sent twice"
    assert max(during.values()) == 1, "the seed read during the outage went out twice"
    for bot in bots:
        # One line for the outage, not one per retry.
        assert bot.stderr.count("the delivery ledger does not answer") <= 1, bot.stderr


def test_postgresql_down_30s_mid_broadcast_single_process(
    api: BotApiDouble, tmp_path: Path, processes: list[BotProcess]
) -> None:
    _broadcast_through_outage(api, tmp_path, processes, fleet=0)


def test_postgresql_down_30s_mid_broadcast_fleet_of_two(
    api: BotApiDouble, tmp_path: Path, processes: list[BotProcess]
) -> None:
    _broadcast_through_outage(api, tmp_path, processes, fleet=2)
