"""NEWSBOT_TELEGRAM_API_URL as operators write it (issue 25.1), with a real `newsbot run`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.bot_api_double import BotApiDouble
from tests.support.feed_server import FeedServer, Reply
from tests.support.workspace import BotProcess, command, make_workspace


async def test_the_base_url_form_ending_in_bot_is_accepted(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str, processes: list[BotProcess]
) -> None:
    workspace = make_workspace(tmp_path, sqlite_url)
    # python-telegram-bot's `base_url`, and what a local Bot API server's docs show.
    env = workspace.env(api, NEWSBOT_TELEGRAM_API_URL=f"{api.url}/bot")
    bot = BotProcess(env, workspace.root)
    processes.append(bot)
    await asyncio.to_thread(bot.wait_for_log, "is polling for updates")
    assert "I send alerts" in await command(api, 5, "/start")
    assert bot.stop()[0] == 0


def test_an_address_with_no_bot_api_is_named_not_taken_for_a_wrong_token(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str, processes: list[BotProcess]
) -> None:
    workspace = make_workspace(tmp_path, sqlite_url)
    wrong = f"{api.url}/telegram"  # a path where no Bot API answers: 404 to getMe
    bot = BotProcess(workspace.env(api, NEWSBOT_TELEGRAM_API_URL=wrong), workspace.root)
    processes.append(bot)
    assert bot.process.wait(90) == 2, bot.stderr  # retrying cannot help: the operator must
    log = bot.stderr
    assert f"NEWSBOT_TELEGRAM_API_URL={wrong}" in log, log
    assert "404" in log and "getMe" in log, log
    assert "rejected the bot token" not in log, log
    assert api.token not in log and "Traceback" not in log


PAGE = b"""<!DOCTYPE HTML>
<html><head><title>Error response</title></head>
<body><h1>Error response</h1><p>Error code: 501</p></body></html>
"""


def test_another_web_server_at_the_address_is_said_in_one_line_and_retried(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str, processes: list[BotProcess]
) -> None:
    workspace = make_workspace(tmp_path, sqlite_url)
    with FeedServer() as web:  # a plain web server: HTML, no Bot API
        web.route(f"/bot{api.token}/getMe", Reply(status=501, body=PAGE))
        env = workspace.env(api, NEWSBOT_TELEGRAM_API_URL=web.url(""))
        bot = BotProcess(env, workspace.root)
        processes.append(bot)
        bot.wait_for_log("retrying in 2s")  # a proxy's error page may go away: retried
        stopped = bot.stop()
    log = bot.stderr
    assert stopped[0] == 0, log
    assert f"NEWSBOT_TELEGRAM_API_URL={web.url('')}" in log, log
    assert "(501)" in log and "not the Bot API's JSON" in log, log
    assert "Traceback" not in log and "DOCTYPE" not in log and "<html>" not in log, log
    assert api.token not in log
