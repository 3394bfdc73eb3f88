"""Seed files written into the watched folder reach Telegram within a second."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.drivers.single import SingleProcess
from tests.support.bot_api_double import BotApiDouble
from tests.support.workspace import ADMIN, Workspace, command, running, until

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


BAD_DATE_SEED = '---\ntitle: "Crude oil on a day that never was"\ndate: 2025-02-30\n---\n\nBody.\n'


async def test_a_seed_with_a_date_that_does_not_exist_is_named_and_the_rest_goes_on(
    api: BotApiDouble, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    # At start: the bad file beside a good one must not stop the bot from starting.
    (workspace.seeds / "a-never.md").write_text(BAD_DATE_SEED)
    workspace.write_seed("b-good.md", "Brent crude oil steady before OPEC+")
    async with running(workspace.settings(api)):
        assert "Subscribed" in await command(api, CHAT, "/subscribe oil")
        await asyncio.sleep(1.1)  # Telegram allows one message a second per chat
        # While running: a bad file and a good one in the same batch; the good one is alerted.
        (workspace.seeds / "c-never.md").write_text(BAD_DATE_SEED.replace("02-30", "13-45"))
        workspace.write_seed("d-good.md", "Brent crude oil jumps as tankers avoid Hormuz")
        await until(lambda: len(api.messages(CHAT)) == 2, "the good file's alert", timeout=5)
        assert "Brent crude oil jumps" in api.messages(CHAT)[1]["text"]
        status = await command(api, ADMIN, "/status")
    assert "a-never.md: date 2025-02-30 does not exist" in status
    assert "c-never.md: date 2025-13-45 does not exist" in status
    logged = [r.getMessage() for r in caplog.records if "skipped seed file" in r.getMessage()]
    assert any("a-never.md: date 2025-02-30 does not exist" in line for line in logged)
    assert any("c-never.md: date 2025-13-45 does not exist" in line for line in logged)
    assert api.violations == 0


async def test_a_seed_copied_under_a_new_name_is_named_in_the_log_not_alerted_twice(
    api: BotApiDouble, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.runtime.seed_intake")
    async with running(workspace.settings(api)):
        assert "Subscribed" in await command(api, CHAT, "/subscribe oil")
        await asyncio.sleep(1.1)  # Telegram allows one message a second per chat
        link = "https://example.com/news/brent"
        workspace.write_seed("brent.md", "Brent crude oil jumps as tankers avoid Hormuz", link)
        await until(lambda: len(api.messages(CHAT)) == 2, "the alert", timeout=5)
        workspace.write_seed("brent-copy.md", "Brent crude oil jumps as tankers avoid Hormuz", link)
        copy = "brent-copy.md holds an article already read"
        await until(lambda: copy in caplog.text, "the copy named in the log", timeout=5)
        await asyncio.sleep(0.5)
    assert len(api.messages(CHAT)) == 2  # the copy is no second alert
    assert "brent.md holds an article already read" not in caplog.text


def runtime_skipped(single: SingleProcess) -> bool:
    """Whether the seed folder has skipped a file so far."""
    return bool(single.runtime.seeds.problems())


async def test_an_alert_carries_no_bidi_override_or_terminal_control_of_a_title(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)) as single:
        assert "Subscribed" in await command(api, CHAT, "/subscribe oil")
        await asyncio.sleep(1.1)  # Telegram allows one message a second per chat
        # U+202E would make the alert's "— source, time" after the title read backwards.
        (workspace.seeds / "rlo.md").write_text(
            '---\ntitle: "\\e[2J\\e[31mBrent crude oil \\u202Eemit\\u202C jumps\\e[0m '
            '\\e]0;owned\\a"\n'
            'summary: "Tankers \\u2066avoid\\u2069 Hormuz \\x9b2J"\nlink: "https://example.com/r"\n'
            "---\n\nBody.\n"
        )
        await until(lambda: len(api.messages(CHAT)) == 2, "the alert", timeout=5)
        (workspace.seeds / "\u202egpj.md").write_text("---\ntitle: [\n---\n")
        await until(lambda: runtime_skipped(single), "the broken file to be read")
        status = await command(api, ADMIN, "/status")
    assert "\\u202egpj.md: broken YAML" in status and "\u202e" not in status
    text = str(api.messages(CHAT)[1]["text"])
    # Whole escape sequences go, not only their ESC: no `[31m` or `]0;owned` left as text.
    assert ">Brent crude oil emit jumps</a>" in text
    assert "[31m" not in text and "[0m" not in text and "owned" not in text
    assert "Tankers avoid Hormuz 2J" in text
    assert not [char for char in "\u202e\u202c\u2066\u2069\x1b\x07\x9b" if char in text]
