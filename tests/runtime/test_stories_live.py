"""One alert per story: later copies from other outlets edit the chat's alert, never notify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.storage.db import open_database
from bot.storage.models import deliveries
from tests.support.bot_api_double import BotApiDouble
from tests.support.story_copies import ROADSHOW, STRIKE
from tests.support.waiting import settled
from tests.support.workspace import Workspace, command, running, until

TRADER, DESK = 601, 602


def write_story_seed(folder: Path, name: str, article: tuple[str, str, str], minute: int) -> None:
    """A seed file of one outlet's article, published `minute` minutes after 14:00."""
    source, title, summary = article
    (folder / name).write_text(
        f'---\ntitle: "{title}"\ndate: "2026-03-02 14:{minute:02d}:00"\n'
        f'link: "https://{source}.example/{name}"\nsummary: "{summary}"\n'
        f'categories:\n  - "{source}"\n---\n\n{summary}\n'
    )


def alerts(api: BotApiDouble, chat_id: int) -> list[dict[str, Any]]:
    """The alerts a chat was sent (after the answer to its one command)."""
    return api.messages(chat_id)[1:]


def edits(api: BotApiDouble, chat_id: int) -> list[dict[str, Any]]:
    """The edits of a chat's messages, in order."""
    return [p for p in api.calls("editMessageText") if int(p["chat_id"]) == chat_id]


def first_alert_message_ids(database_url: str) -> dict[int, int]:
    """Each chat's message id of its first alert, as Telegram gave it."""
    engine = open_database(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(deliveries.c.chat_id, deliveries.c.message_id)
            .where(deliveries.c.kind == "alert", deliveries.c.message_id.is_not(None))
            .order_by(deliveries.c.id)
        ).all()
    engine.dispose()
    found: dict[int, int] = {}
    for chat_id, message_id in rows:
        found.setdefault(int(chat_id), int(message_id))
    return found


async def test_copies_of_a_story_edit_each_chats_one_alert_naming_the_other_sources(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)):
        for chat in (TRADER, DESK):
            assert "Subscribed" in await command(api, chat, "/subscribe oil")
        write_story_seed(workspace.seeds, "strike-1.md", STRIKE[0], 2)
        await until(lambda: all(len(alerts(api, c)) == 1 for c in (TRADER, DESK)), "alerts")
        write_story_seed(workspace.seeds, "strike-2.md", STRIKE[1], 9)
        await until(lambda: all(len(edits(api, c)) == 1 for c in (TRADER, DESK)), "1st edits")
        write_story_seed(workspace.seeds, "strike-3.md", STRIKE[2], 15)
        await until(lambda: all(len(edits(api, c)) == 2 for c in (TRADER, DESK)), "2nd edits")
        write_story_seed(workspace.seeds, "roadshow.md", ROADSHOW, 40)
        await until(lambda: all(len(alerts(api, c)) == 2 for c in (TRADER, DESK)), "roadshow")
        await settled(workspace.database_url, articles=4)  # a stray message would be sent

    targets = first_alert_message_ids(workspace.database_url)
    for chat in (TRADER, DESK):
        first, roadshow = alerts(api, chat)
        assert "Abqaiq" in first["text"] and "Aramco delays" in roadshow["text"]
        one, two = edits(api, chat)
        assert {int(one["message_id"]), int(two["message_id"])} == {targets[chat]}
        assert one["text"].startswith(first["text"])  # the alert as it was, confirmed below
        assert "2 sources · first 2026-03-02 14:02 UTC" in one["text"]
        assert "bloomberg" in one["text"] and "cnbc" not in one["text"]
        assert "3 sources · first 2026-03-02 14:02 UTC" in two["text"]
        assert 'href="https://bloomberg.example/strike-2.md"' in two["text"]
        assert 'href="https://cnbc.example/strike-3.md"' in two["text"]
        assert two["parse_mode"] == "HTML"
    assert api.violations == 0


async def test_a_restart_between_copies_edits_the_alert_once_and_sends_nothing_twice(
    api: BotApiDouble, workspace: Workspace
) -> None:
    settings = workspace.settings(api)
    async with running(settings):
        assert "Subscribed" in await command(api, TRADER, "/subscribe oil")
        write_story_seed(workspace.seeds, "strike-1.md", STRIKE[0], 2)
        await until(lambda: len(alerts(api, TRADER)) == 1, "the first alert")
    # While the bot is down two more outlets tell the story.
    write_story_seed(workspace.seeds, "strike-2.md", STRIKE[1], 9)
    write_story_seed(workspace.seeds, "strike-3.md", STRIKE[2], 15)
    async with running(settings):
        await until(lambda: len(edits(api, TRADER)) >= 1, "the edit after the restart")
        # A superseded edit or a second alert would be sent by now.
        await settled(workspace.database_url, articles=3)
    assert len(alerts(api, TRADER)) == 1
    (edit,) = edits(api, TRADER)
    assert "3 sources" in edit["text"] and "cnbc" in edit["text"] and "bloomberg" in edit["text"]
    assert int(edit["message_id"]) == first_alert_message_ids(workspace.database_url)[TRADER]


async def test_stories_switched_off_alert_every_article(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api, stories=False)):
        assert "Subscribed" in await command(api, TRADER, "/subscribe oil")
        for number, article in enumerate(STRIKE):
            write_story_seed(workspace.seeds, f"strike-{number}.md", article, 2 + number)
            await until(lambda n=number: len(alerts(api, TRADER)) == n + 1, "one alert each")
        await settled(workspace.database_url, articles=3)
    assert len(alerts(api, TRADER)) == 3
    assert edits(api, TRADER) == []
