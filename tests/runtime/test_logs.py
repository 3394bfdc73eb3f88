"""What `newsbot run` writes to its log: JSON lines on request, and never the bot token."""

from __future__ import annotations

import json
import signal

import pytest

from tests.support.bot_api_double import Answer, BotApiDouble
from tests.support.workspace import ADMIN, BotProcess, Workspace

CHAT = 701
SECRET = "7417411111:AAH-secret_Token-never-logged-0123456789"


def test_the_token_never_shows_in_the_log_whatever_fails(
    workspace: Workspace, processes: list[BotProcess]
) -> None:
    api = BotApiDouble(token=SECRET).start()
    try:
        env = workspace.env(api, NEWSBOT_LOG_LEVEL="DEBUG")
        bot = BotProcess(env, workspace.root, name="errors")
        processes.append(bot)
        bot.wait_for_log("is polling for updates")
        api.push_update(api.command(CHAT, "/subscribe oil"))
        assert api.wait_for(lambda: api.messages(CHAT), timeout=10), bot.stderr
        api.fail(CHAT, Answer.server_error(500), Answer.server_error(502))
        api.push_update(api.command(ADMIN, "/status"))
        workspace.write_seed("a.md", "Brent crude oil jumps")
        bot.wait_for_log("retry in")  # the 500 was met and logged
        assert api.wait_for(lambda: len(api.messages(CHAT)) == 2, timeout=15), bot.stderr
    finally:
        api.stop()  # the network goes down under the running bot
    workspace.write_seed("b.md", "WTI crude oil slides")  # an alert that cannot go out
    bot.wait_for_log("b.md")
    bot.wait_for_log("retry in", count=3)
    bot.wait_for_log("Exception happened while polling for updates")
    code, _ = bot.stop(signal.SIGTERM)
    assert code == 0, bot.stderr

    wrong = BotApiDouble().start()  # knows another token: ours gets 401 Unauthorized
    try:
        rejected = BotProcess(workspace.env(wrong) | {"TELEGRAM_BOT_TOKEN": SECRET}, workspace.root)
        processes.append(rejected)
        # A wrong token cannot get better by retrying: the bot says so and stops with 2.
        assert rejected.process.wait(timeout=60) == 2, rejected.stderr
        assert "the Bot API rejected the bot token (TELEGRAM_BOT_TOKEN)" in rejected.stderr
    finally:
        wrong.stop()

    for log in (bot.stderr, rejected.stderr):
        assert "<token>" in log or "rejected the bot token" in log
        assert SECRET not in log
        assert SECRET.split(":")[1] not in log  # nor its secret half on its own
        assert SECRET.replace(":", "%3A") not in log


def test_log_format_json_gives_one_object_per_line(
    api: BotApiDouble, workspace: Workspace, processes: list[BotProcess]
) -> None:
    bot = BotProcess(workspace.env(api), workspace.root, "run", "--log-format", "json")
    processes.append(bot)
    bot.wait_for_log("is polling for updates")
    workspace.write_seed("a.md", "A seed with no subscriber")
    bot.wait_for_log("new article")
    (workspace.rules / "broken.yaml").write_text("rules: [\n")
    bot.wait_for_log("rule file problem")
    code, _ = bot.stop(signal.SIGTERM)
    assert code == 0
    lines = bot.stderr.splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert len(entries) >= 5
    assert all({"time", "level", "logger", "event"} <= entry.keys() for entry in entries)
    problem = next(entry for entry in entries if "rule file problem" in entry["event"])
    assert problem["level"] == "error" and "broken.yaml:" in problem["event"]
    assert entries[-1]["event"] == "stopped"


def test_the_log_format_flag_overrides_the_environment(
    api: BotApiDouble, workspace: Workspace, processes: list[BotProcess]
) -> None:
    env = workspace.env(api, NEWSBOT_LOG_FORMAT="json")
    bot = BotProcess(env, workspace.root, "--log-format", "text", "run")
    processes.append(bot)
    bot.wait_for_log("running:")
    assert bot.stop()[0] == 0
    assert all(not line.startswith("{") for line in bot.stderr.splitlines())


# What a hostile title or file name carries: OSC 0 retitles the terminal, OSC 52 writes the
# clipboard, BEL ends both; a right-to-left override reverses the text after it.
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")
HOSTILE_NAME = "\x1b]0;owned\x07\u202egpj.md"
HOSTILE_TITLE = "Brent crude oil \\e]52;c;ZXZpbA==\\a jumps \\u202Eemit\\u202C \\x9b2J"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_control_characters_of_a_title_or_file_name_never_reach_the_log(
    api: BotApiDouble, workspace: Workspace, processes: list[BotProcess], log_format: str
) -> None:
    bot = BotProcess(workspace.env(api), workspace.root, "--log-format", log_format, "run")
    processes.append(bot)
    bot.wait_for_log("is polling for updates")
    (workspace.seeds / HOSTILE_NAME).write_text(
        f'---\ntitle: "{HOSTILE_TITLE}"\nlink: "https://example.com/x"\n---\n\nBody.\n'
    )
    (workspace.seeds / f"broken{HOSTILE_NAME}").write_text("---\ntitle: [\n---\n")
    bot.wait_for_log("new article")
    bot.wait_for_log("skipped seed file")
    assert bot.stop()[0] == 0
    log = bot.stderr
    assert "jumps emit" in log and "owned" in log
    assert not [char for char in CONTROLS if char in log], log
