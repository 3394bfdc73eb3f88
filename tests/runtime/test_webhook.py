"""Webhook mode: Telegram POSTs updates to the bot, which then never calls getUpdates."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request

import pytest

from bot.drivers.single import SingleProcess
from tests.support.bot_api_double import BotApiDouble
from tests.support.workspace import Workspace, command, running, until

CHAT = 601
INTRUDER = 602


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(url: str, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


async def test_updates_come_by_webhook_and_forged_posts_are_refused(
    api: BotApiDouble, workspace: Workspace
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram-updates+v1"  # `+` is literal, not a regex
    settings = workspace.settings(api, webhook_url=url, webhook_listen=f"127.0.0.1:{port}")
    async with running(settings):
        await until(lambda: api.webhook is not None, "setWebhook")
        assert api.webhook is not None and api.webhook["url"] == url
        secret = str(api.webhook["secret_token"])
        assert len(secret) >= 32 and api.token not in secret

        assert "Subscribed" in await command(api, CHAT, "/subscribe oil")

        forged = {"update_id": 10_000, **api.command(INTRUDER, "/subscribe oil")}
        assert await asyncio.to_thread(_post, url, forged, None) == 403
        assert await asyncio.to_thread(_post, url, forged, "guessed") == 403

        await asyncio.sleep(1.1)  # Telegram allows one message a second per chat
        workspace.write_seed("brent.md", "Brent crude oil jumps as tankers avoid Hormuz")
        await until(lambda: len(api.messages(CHAT)) == 2, "the alert")
        assert "Brent crude oil jumps" in api.messages(CHAT)[1]["text"]
    assert api.messages(INTRUDER) == []  # the forged command was never handled
    assert not [r for r in api.requests if r.method == "getUpdates"]
    assert api.violations == 0


async def test_a_webhook_port_in_use_stops_the_bot_with_the_reason(
    api: BotApiDouble, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        url = "https://bot.example.com/telegram-updates"
        settings = workspace.settings(api, webhook_url=url, webhook_listen=f"127.0.0.1:{port}")
        code = await asyncio.wait_for(SingleProcess(settings).run_forever(), 20)
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port} (NEWSBOT_WEBHOOK_LISTEN)" in caplog.text
    assert api.webhook is None  # Telegram was never pointed at a port nobody serves
