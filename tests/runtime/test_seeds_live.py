"""Seed files written into the watched folder reach Telegram within a second."""

from __future__ import annotations

import asyncio
import time

from tests.bot_api_double import BotApiDouble
from tests.runtime.support import Workspace, command, running, until

CHAT = 501


async def test_new_seed_file_reaches_a_subscriber_within_a_second(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)):
        assert "Subscribed" in await command(api, CHAT, "/subscribe oil")
        await asyncio.sleep(1.1)  # Telegram allows one message a second per chat
        written = time.monotonic()
        workspace.write_seed("brent.md", "Brent crude oil jumps as tankers avoid Hormuz")
        await until(lambda: len(api.messages(CHAT)) == 2, "the alert", timeout=5)
        sent = [r for r in api.requests if r.method == "sendMessage" and r.status == 200]
        took = sent[-1].at - written
        alert = api.messages(CHAT)[1]
        assert "Brent crude oil jumps" in alert["text"] and alert["parse_mode"] == "HTML"
        assert took < 1.0, f"{took:.3f}s from file written to sendMessage"
    assert api.violations == 0
