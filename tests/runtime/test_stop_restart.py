"""SIGTERM in the middle of a broadcast: a clean exit, and a restart that finishes the job."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import insert

from bot.storage.db import open_database
from bot.storage.models import subscriptions
from tests.support.bot_api_double import BotApiDouble
from tests.support.workspace import BotProcess, Workspace

CHATS = range(10_001, 10_601)  # 600 private chats: 30 messages a second makes ~20 s


def _subscribe_everyone(database_url: str) -> None:
    engine = open_database(database_url)
    now = datetime.now(UTC)
    rows = [{"chat_id": chat, "kind": "topic", "value": "oil", "created": now} for chat in CHATS]
    with engine.begin() as connection:
        connection.execute(insert(subscriptions), rows)
    engine.dispose()


def _alerts_per_chat(api: BotApiDouble) -> Counter[int]:
    return Counter(int(m["chat_id"]) for m in api.messages() if int(m["chat_id"]) in CHATS)


def test_sigterm_mid_broadcast_exits_cleanly_and_a_restart_completes_it(
    api: BotApiDouble, workspace: Workspace, processes: list[BotProcess]
) -> None:
    _subscribe_everyone(workspace.database_url)
    env = workspace.env(api)
    first = BotProcess(env, workspace.root, name="first")
    processes.append(first)
    first.wait_for_log("running:")
    workspace.write_seed("opec.md", "Brent crude oil spikes as OPEC+ cuts output")
    assert api.wait_for(lambda: len(_alerts_per_chat(api)) >= 200, timeout=20), first.stderr

    code, took = first.stop(signal.SIGTERM)
    assert code == 0, first.stderr
    assert took < 10, f"took {took:.1f}s to stop"
    assert "stopped" in first.stderr
    sent_before = _alerts_per_chat(api)
    assert 200 <= len(sent_before) < len(CHATS), "the broadcast should be cut short"

    second = BotProcess(env, workspace.root, name="second")
    processes.append(second)
    assert api.wait_for(lambda: len(_alerts_per_chat(api)) == len(CHATS), timeout=60), (
        f"{len(_alerts_per_chat(api))} of {len(CHATS)} chats served:\n{second.stderr}"
    )
    time.sleep(1.0)  # anything sent twice would show up now
    code, _ = second.stop(signal.SIGINT)
    assert code == 0, second.stderr

    per_chat = _alerts_per_chat(api)
    twice = [chat for chat, count in per_chat.items() if count > 1]
    assert set(per_chat) == set(CHATS)
    assert not twice, f"served twice: {twice}"
    # The limiter keeps 3 % under 30/s, some 30 ms a second; on a busy 2-core machine the
    # requests' arrival jitter beats that margin now and then (the limiter's own tests and
    # bench measure it). A 429 is retried, and every chat was served once above: here it
    # only must stay rare.
    assert api.violations <= len(CHATS) // 50, f"{api.violations} messages over the limits"
