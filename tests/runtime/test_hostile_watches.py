"""Watches an attacker writes (issue 28): a backtracking-prone regex in one chat and regexes
no single RE2 set holds in two others, against `newsbot run` through the Bot API double."""

from __future__ import annotations

import asyncio
import signal

from tests.support.bot_api_double import BotApiDouble
from tests.support.scrape import Scraper, free_port
from tests.support.workspace import BotProcess, Workspace, command, seed_text, until

EVIL, HEAVY, PLAIN = 601, (602, 603, 605, 606), 604
# One line of ordinary text: `(.|.)*~` tries 2^n ways on it with a backtracking engine.
BODY = (
    "Tanker operators said on Tuesday that insurers had raised war-risk premiums again, "
    "and that several ships waited outside the strait for a second day as talks stalled."
)


def _alerts(api: BotApiDouble, chat_id: int, title: str) -> list[object]:
    return [m for m in api.messages(chat_id) if title in str(m["text"])]


def _write(workspace: Workspace, name: str, title: str) -> None:
    link = f"https://example.com/news/{name}"
    (workspace.seeds / f"{name}.md").write_text(seed_text(title, link, body=BODY))


async def test_hostile_watches_never_stop_another_chat_the_health_check_or_a_restart(
    api: BotApiDouble, workspace: Workspace, processes: list[BotProcess]
) -> None:
    port = free_port()
    # One alert per article: the two seeds share a body, and stories would fold the second.
    env = workspace.env(api, NEWSBOT_METRICS_LISTEN=f"127.0.0.1:{port}", NEWSBOT_STORIES="false")
    bot = BotProcess(env, workspace.root, name="first")
    processes.append(bot)
    await asyncio.to_thread(bot.wait_for_log, "running:")
    assert "Watching" in await command(api, EVIL, "/watch evil /(.|.)*~|e/")
    for chat in HEAVY:
        for i in range(2):  # two each: what one chat's regexes may cost together
            await asyncio.sleep(1.0)  # one answer a second per chat, as Telegram allows
            answer = await command(api, chat, rf"/watch w{i} /c{chat}w{i}\pL{{15}}/")
            assert "Watching" in answer, answer
    assert "Watching" in await command(api, PLAIN, "/watch gulf Hormuz")

    _write(workspace, "a", "Tankers avoid Hormuz")
    await until(lambda: _alerts(api, PLAIN, "Tankers avoid"), "the plain watch's alert")
    await until(lambda: _alerts(api, EVIL, "Tankers avoid"), "the regex watch's alert")
    status, body = await Scraper(port).health()
    assert status == 200, body
    code, took = await asyncio.to_thread(bot.stop, signal.SIGTERM)
    assert code == 0 and took < 10, (code, took, bot.stderr)

    again = BotProcess(env, workspace.root, name="second")
    processes.append(again)
    await asyncio.to_thread(again.wait_for_log, "running:")
    _write(workspace, "b", "Hormuz closed again")
    await until(lambda: _alerts(api, PLAIN, "Hormuz closed"), "the alert after a restart")
    code, _ = await asyncio.to_thread(again.stop, signal.SIGTERM)
    assert code == 0, again.stderr
