"""Live rule reload: broken files keep their last good version, admins hear once."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal

import pytest

from tests.support.bot_api_double import BotApiDouble
from tests.support.workspace import (
    ADMIN,
    BROKEN_OIL,
    OIL,
    Workspace,
    command,
    running,
    topic_yaml,
    until,
)

OIL_CHAT, GOLD_CHAT = 601, 602


def _alerts(api: BotApiDouble, chat_id: int, words: str) -> list[str]:
    return [text for text in api.answers_to(chat_id) if words in text]


async def test_broken_rule_file_keeps_last_good_and_admins_hear_once(
    api: BotApiDouble, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    oil_file = workspace.rules / "oil.yaml"
    async with running(workspace.settings(api)):
        assert "Subscribed" in await command(api, OIL_CHAT, "/subscribe oil")

        oil_file.write_text(BROKEN_OIL)
        await until(lambda: api.messages(ADMIN), "the admin to be told")
        notice = api.answers_to(ADMIN)[0]
        assert "oil.yaml" in notice and "last good version" in notice
        logged = [r.getMessage() for r in caplog.records if "rule file problem" in r.getMessage()]
        assert any(re.search(r"oil\.yaml:\d+:\d+: ", line) for line in logged), logged

        await asyncio.sleep(1.0)  # the chat's last message was the /subscribe answer
        workspace.write_seed("a.md", "Brent crude oil rises on Red Sea attacks")
        await until(lambda: _alerts(api, OIL_CHAT, "Brent crude oil rises"), "the old rule's alert")

        oil_file.write_text(BROKEN_OIL + "\n")  # touched again, same problem: no new message
        os.kill(os.getpid(), signal.SIGHUP)  # a forced reload: still no new message
        await until(lambda: "SIGHUP received" in caplog.text, "the SIGHUP reload")
        await asyncio.sleep(0.5)

        oil_file.write_text(OIL.replace("[crude oil, Brent]", "[crude oil, Brent, WTI]"))
        await until(lambda: "WTI" in caplog.text or _fixed(caplog), "the fixed file to load")
        await asyncio.sleep(0.5)
        workspace.write_seed("b.md", "WTI slides after stockpiles build")
        await until(lambda: _alerts(api, OIL_CHAT, "WTI slides"), "the fixed rule's alert")
        assert len(api.messages(ADMIN)) == 1, api.answers_to(ADMIN)
    assert api.violations == 0


def _fixed(caplog: pytest.LogCaptureFixture) -> bool:
    reloads = [r.getMessage() for r in caplog.records if "Rules reloaded" in r.getMessage()]
    return bool(reloads) and "problem" not in reloads[-1]


async def test_new_topic_is_subscribable_and_a_removed_one_tells_its_subscribers_once(
    api: BotApiDouble, workspace: Workspace
) -> None:
    gold_file = workspace.rules / "gold.yaml"
    async with running(workspace.settings(api)):
        assert "Subscribed" not in await command(api, GOLD_CHAT, "/subscribe gold")
        gold_file.write_text(topic_yaml("Gold", ["gold price", "bullion"]))

        async def subscribed() -> bool:
            await asyncio.sleep(1.0)  # one answer a second per chat
            return "Subscribed" in await command(api, GOLD_CHAT, "/subscribe gold")

        assert await asyncio.wait_for(subscribed(), 5)
        assert "Subscribed" in await command(api, OIL_CHAT, "/subscribe oil")

        gold_file.unlink()
        await until(lambda: len(api.messages(GOLD_CHAT)) == 3, "the removal notice")
        assert (
            "gold" in api.answers_to(GOLD_CHAT)[-1] and "removed" in api.answers_to(GOLD_CHAT)[-1]
        )

        (workspace.rules / "oil.yaml").write_text(OIL + "\n# touched\n")  # another reload
        await asyncio.sleep(1.5)
        assert len(api.messages(GOLD_CHAT)) == 3  # told once
        assert not any("removed" in text for text in api.answers_to(OIL_CHAT))
        await asyncio.sleep(1.0)  # one answer a second per chat
        assert "gold (no longer in the rules)" in await command(api, GOLD_CHAT, "/list")
    assert api.violations == 0


async def test_reload_command_for_admins(api: BotApiDouble, workspace: Workspace) -> None:
    async with running(workspace.settings(api)):
        (workspace.rules / "gold.yaml").write_text(topic_yaml("Gold", ["bullion"]))
        assert "Rules reloaded: 2 topics" in await command(api, ADMIN, "/reload")
        assert "operators" in await command(api, 77, "/reload")
