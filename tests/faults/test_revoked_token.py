"""A token revoked while running (401) stops the process with exit code 2, not a deaf bot.

Before, PTB logged "Invalid token. Aborting retry loop", polling stopped and the process
stayed up, hearing nothing; a 401 on sendMessage was retried as a transient error forever.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from bot.storage.db import open_database
from bot.storage.subscriptions import TOPIC, remember_chat, subscribe
from tests.support.bot_api_double import Answer, BotApiDouble
from tests.support.databases import fresh_postgres_database
from tests.support.workspace import BotProcess, Workspace, make_workspace

EXIT_CONFIG = 2
CHAT = 7001


def _exit_code_within(process: BotProcess, seconds: float) -> tuple[int, float]:
    started = time.monotonic()
    try:
        code = process.process.wait(seconds)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"still running {seconds:g}s after the 401s began:\n{process.stderr}"
        ) from None
    return code, time.monotonic() - started


def test_a_401_on_get_updates_mid_run_stops_the_process(
    api: BotApiDouble, workspace: Workspace, processes: list[BotProcess]
) -> None:
    bot = BotProcess(workspace.env(api), workspace.root)
    processes.append(bot)
    bot.wait_for_log("is polling for updates")
    time.sleep(1.0)  # mid-run: a long poll is under way

    api.revoke_token()
    code, took = _exit_code_within(bot, 10)

    assert code == EXIT_CONFIG, bot.stderr
    assert took < 5, f"took {took:.1f}s to stop"
    assert "rejected the bot token" in bot.stderr
    assert api.token not in bot.stderr


def test_a_401_on_send_message_stops_the_process_and_the_alert_stays_queued(
    api: BotApiDouble, workspace: Workspace, processes: list[BotProcess]
) -> None:
    engine = open_database(workspace.database_url)
    with engine.begin() as connection:
        remember_chat(connection, CHAT, "private")
        subscribe(connection, CHAT, TOPIC, ["oil"])
    api.fail(CHAT, Answer.unauthorized())
    bot = BotProcess(workspace.env(api), workspace.root)
    processes.append(bot)
    bot.wait_for_log("is polling for updates")

    workspace.write_seed("opec.md", "Brent crude oil spikes as OPEC+ cuts output")
    code, took = _exit_code_within(bot, 20)

    assert code == EXIT_CONFIG, bot.stderr
    assert took < 10, f"took {took:.1f}s to stop"
    assert "rejects the bot token" in bot.stderr
    with engine.connect() as connection:
        states = [row.state for row in connection.exec_driver_sql("SELECT state FROM deliveries")]
    engine.dispose()
    assert states == ["pending"], "the alert must wait for a fixed token, not be dropped"


@pytest.mark.postgres
def test_a_401_on_get_updates_stops_a_fleet_member(
    api: BotApiDouble, tmp_path: Path, processes: list[BotProcess]
) -> None:
    with fresh_postgres_database() as url:
        workspace = make_workspace(tmp_path, url)
        member = BotProcess(workspace.env(api), workspace.root, "run", "--fleet", name="fleet")
        processes.append(member)
        member.wait_for_log("is polling for updates", timeout=40)
        time.sleep(1.0)

        api.revoke_token()
        code, took = _exit_code_within(member, 15)

        assert code == EXIT_CONFIG, member.stderr
        assert took < 10, f"took {took:.1f}s to stop"
        member.kill()
