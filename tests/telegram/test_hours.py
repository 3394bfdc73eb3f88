"""Noise control through the Bot API double and a real runtime: quiet hours, digests, mutes,
time zones, and the buttons under each alert."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.storage.db import open_database
from bot.storage.models import deliveries
from tests.support.bot_api_double import BotApiDouble
from tests.support.waiting import until
from tests.support.workspace import ADMIN, Workspace, command, make_workspace, running, seed_text

RULES = """\
title: Crude oil
description: Crude oil news.
emoji: "🛢️"
rules:
  - name: crude
    priority: normal
    fields: [title]
    any: [crude oil]
  - name: blockade
    priority: critical
    fields: [title]
    any: [blockade]
"""
CRITICAL = "Naval blockade closes the strait"
NORMAL = "Crude oil stocks rise in Cushing"
LATER = "Crude oil tankers wait at anchor"


def _with(api: BotApiDouble, chat_id: int, text: str) -> list[dict[str, Any]]:
    return [m for m in api.messages(chat_id) if text in str(m["text"])]


def _digests(api: BotApiDouble, chat_id: int) -> list[str]:
    return [str(m["text"]) for m in api.messages(chat_id) if "🗞" in str(m["text"])]


def _held(database_url: str) -> int:
    engine = open_database(database_url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).where(deliveries.c.state == "held")
            return int(connection.scalar(query) or 0)
    finally:
        engine.dispose()


async def test_quiet_hours_and_digest_times_hold_alerts_for_one_digest_across_a_restart(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str
) -> None:
    space = make_workspace(tmp_path, sqlite_url, RULES)
    settings = space.settings(api, digest_check=1)
    # Quiet hours (and a digest time) end at a minute boundary at least 35 s from now.
    ends = (datetime.now(UTC) + timedelta(seconds=95)).replace(second=0, microsecond=0)
    kolkata = ZoneInfo("Asia/Kolkata")  # +05:30: the chat's zone, not the server's
    local_end = ends.astimezone(kolkata)
    window = f"{local_end - timedelta(hours=1):%H:%M}-{local_end:%H:%M}"
    quiet_chat, digest_chat = 501, 502
    async with running(settings):
        answer = await command(api, quiet_chat, "/timezone asia/KOLKATA")
        assert "Time zone set to Asia/Kolkata" in answer
        answer = await command(api, quiet_chat, f"/quiet {window}")
        assert f"Quiet hours {window} (Asia/Kolkata). They are on now" in answer
        await command(api, quiet_chat, "/subscribe oil")
        answer = await command(api, digest_chat, f"/digest {ends:%H:%M}")
        assert f"Digests at {ends:%H:%M} (UTC). The next one at {ends:%H:%M}" in answer
        await command(api, digest_chat, "/subscribe oil")
        listing = await command(api, quiet_chat, "/list")
        assert "Time zone: Asia/Kolkata" in listing and f"Quiet hours: {window}" in listing
        await asyncio.sleep(1.0)
        space.write_seed("critical.md", CRITICAL)
        space.write_seed("normal.md", NORMAL)
        await until(lambda: _with(api, quiet_chat, CRITICAL), "the critical alert at once")
        await until(lambda: _with(api, digest_chat, CRITICAL), "the critical alert at once")
        await until(lambda: _held(sqlite_url) == 2, "the normal alert held for both chats")
    async with running(settings):  # a restart inside the quiet window changes nothing
        await asyncio.sleep(1.0)
        space.write_seed("later.md", LATER)
        await until(lambda: _held(sqlite_url) == 4, "the later alert held too")
        assert datetime.now(UTC) < ends - timedelta(seconds=5), "the test ran too slowly"
        assert not _with(api, quiet_chat, NORMAL) and not _with(api, digest_chat, NORMAL)
        assert not _digests(api, quiet_chat) and not _digests(api, digest_chat)
        wait = (ends - datetime.now(UTC)).total_seconds() + 15
        await until(lambda: _digests(api, quiet_chat) and _digests(api, digest_chat), "", wait)
        await asyncio.sleep(2.5)  # the digest job runs every second: a repeat would show now
    for chat_id, heading in (
        (quiet_chat, f"2 alerts held during quiet hours ({window})"),
        (digest_chat, "Your digest: 2 alerts"),
    ):
        [digest] = _digests(api, chat_id)
        assert heading in digest
        assert NORMAL in digest and LATER in digest and CRITICAL not in digest
        assert len(_with(api, chat_id, CRITICAL)) == 1  # sent once, never again in a digest
    assert _held(sqlite_url) == 0


async def test_mute_holds_alerts_and_unmute_sends_their_digest_at_once(
    api: BotApiDouble, tmp_path: Path, database_url: str
) -> None:
    space, chat = make_workspace(tmp_path, database_url, RULES), 601
    async with running(space.settings(api)):  # the digest job every 20 s: /unmute wakes it
        await command(api, chat, "/subscribe oil")
        answer = await command(api, chat, "/mute 2m")
        assert "Muted for 2m" in answer and "you get a digest when it ends" in answer
        await asyncio.sleep(1.0)
        space.write_seed("critical.md", CRITICAL)
        space.write_seed("normal.md", NORMAL)
        await until(lambda: _with(api, chat, CRITICAL), "the critical alert through the mute")
        await until(lambda: _held(database_url) == 1, "the normal alert held")
        assert "Held for a digest: 1 alert" in await command(api, chat, "/list")
        answer = await command(api, chat, "/unmute")
        assert "on again. 1 alert held: the digest comes now." in answer
        await until(lambda: _digests(api, chat), "the digest of what the mute held", 5)
        [digest] = _digests(api, chat)
        assert "1 alert held while muted" in digest and NORMAL in digest
        assert "not muted" in await command(api, chat, "/unmute")


async def test_time_zone_typos_get_suggestions_and_bad_times_say_why(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str
) -> None:
    space, chat = make_workspace(tmp_path, sqlite_url, RULES), 701
    async with running(space.settings(api, default_timezone="Europe/Paris")):
        answer = await command(api, chat, "/timezone Europe/Londn")
        assert "Unknown time zone “Europe/Londn”. Did you mean: Europe/London" in answer
        assert "America/New_York" in await command(api, chat, "/timezone new york")
        assert "Europe/Paris (the default)" in await command(api, chat, "/timezone")
        assert "not a time of day" in await command(api, chat, "/quiet 25:00-07:00")
        assert (await command(api, chat, "/digest 1 2 3 4 5")).startswith(
            "At most 4 digests a day, not 5."
        )
        assert (await command(api, chat, "/quiet 22:00-22:00")).startswith(
            "Quiet hours need a start and an end that differ."
        )
        assert "No quiet hours (Europe/Paris)" in await command(api, chat, "/quiet")
        assert "Quiet hours 22:00-07:00" in await command(api, chat, "/quiet 22:00 07:00")
        assert "Quiet hours off." in await command(api, chat, "/quiet off")
        assert "Digests off" in await command(api, chat, "/digest off")
        listing = await command(api, chat, "/list")
    assert "Time zone: Europe/Paris (the default)" in listing
    assert "Quiet hours: none" in listing and "No digests" in listing


async def _press(
    api: BotApiDouble, alert: dict[str, Any], user_id: int, data: str, *, redrawn: bool = True
) -> None:
    """A user presses a button under an alert; returns once the bot answered (and redrew)."""
    message = {
        "message_id": 7000,
        "date": int(datetime.now(UTC).timestamp()),
        "chat": api.chat(int(alert["chat_id"])),
        "from": api.bot_user(),
        "text": "(an alert)",
        "reply_markup": alert["reply_markup"],
    }
    answers, edits = api.count("answerCallbackQuery"), api.count("editMessageReplyMarkup")
    api.push_update(api.callback(message, user_id, data))
    await until(lambda: api.count("answerCallbackQuery") > answers, f"an answer to {data}")
    if redrawn:
        await until(lambda: api.count("editMessageReplyMarkup") > edits, "the buttons redrawn")


def _buttons(markup: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


def _rows_for(database_url: str, chat_id: int) -> int:
    engine = open_database(database_url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).where(deliveries.c.chat_id == chat_id)
            return int(connection.scalar(query) or 0)
    finally:
        engine.dispose()


async def test_less_like_this_mutes_that_rule_for_that_chat_only_and_undo_restores_it(
    api: BotApiDouble, tmp_path: Path, database_url: str
) -> None:
    space, pressing, other, group = make_workspace(tmp_path, database_url, RULES), 801, 802, -803
    api.set_member(group, 56, "administrator")
    api.set_member(group, 55, "member")
    third = "Crude oil prices climb again"
    async with running(space.settings(api)):
        for chat in (pressing, other):
            await command(api, chat, "/subscribe oil")
        await command(api, group, "/subscribe oil", user_id=56)
        await asyncio.sleep(1.0)
        space.write_seed("one.md", NORMAL)
        await until(lambda: all(_with(api, c, NORMAL) for c in (pressing, other, group)), "alerts")
        [alert] = _with(api, pressing, NORMAL)
        (less_text, less), (unsubscribe_text, unsubscribe) = _buttons(alert["reply_markup"])
        assert (less_text, unsubscribe_text) == ("🔕 Less like this", "Unsubscribe Crude oil")
        assert less.startswith("fb:less:") and len(less.encode()) <= 64
        assert not _with(api, pressing, "🗞")  # an alert, not a digest

        [group_alert] = _with(api, group, NORMAL)
        less_in_group = _buttons(group_alert["reply_markup"])[0][1]
        await _press(api, group_alert, 55, less_in_group, redrawn=False)
        assert api.calls("answerCallbackQuery")[-1].get("show_alert") in (True, "true")
        assert "Muted rules" not in await command(api, group, "/list", user_id=55)

        await _press(api, alert, pressing, less)
        redrawn = api.calls("editMessageReplyMarkup")[-1]["reply_markup"]
        (undo_text, undo), _ = _buttons(redrawn)
        assert undo.startswith("fb:undo:") and "Undo" in undo_text
        assert "Muted rules: oil/crude" in await command(api, pressing, "/list")
        assert "oil/crude ×1" in await command(api, ADMIN, "/status")
        space.write_seed("two.md", LATER)
        await until(lambda: _with(api, other, LATER) and _with(api, group, LATER), "the others")
        assert _rows_for(database_url, pressing) == 1  # the first alert only: nothing owed

        await _press(api, {**alert, "reply_markup": redrawn}, pressing, undo)
        space.write_seed("three.md", third)
        await until(lambda: _with(api, pressing, third), "alerts of that rule again")
        await until(lambda: _with(api, other, third), "the other chat's third alert")

        [other_alert] = _with(api, other, NORMAL)
        await _press(api, other_alert, other, _buttons(other_alert["reply_markup"])[1][1])
        assert "Unsubscribed from Crude oil" in api.calls("answerCallbackQuery")[-1]["text"]
        assert "follows nothing" in await command(api, other, "/list")
    assert unsubscribe.startswith("fb:unsub:")
    assert api.violations == 0  # buttons, answers and redraws within Telegram's limits


FED_RULES = """\
title: Fed and rates
description: The Federal Reserve.
emoji: "🏦"
rules:
  - name: fed-policy
    priority: normal
    fields: [title]
    any: [Powell]
  - name: fed-in-summary
    priority: normal
    fields: [title]
    any: [Fed]
"""


async def test_less_like_this_mutes_the_one_rule_never_a_watch_and_says_it_in_words(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str
) -> None:
    space, chat, watcher = make_workspace(tmp_path, sqlite_url, FED_RULES), 811, 812
    first, second = "Powell says the Fed will go slow", "Powell and the Fed hold rates"
    async with running(space.settings(api, stories=False)):  # each seed its own alert
        await command(api, chat, "/subscribe oil")  # the topic file is oil.yaml
        await command(api, chat, "/watch powell Powell")
        await command(api, watcher, "/watch gold Gold")
        await asyncio.sleep(1.0)
        space.write_seed("one.md", first)
        await until(lambda: _with(api, chat, first), "the Fed alert")
        [alert] = _with(api, chat, first)
        await _press(api, alert, chat, _buttons(alert["reply_markup"])[0][1])
        answer = api.calls("answerCallbackQuery")[-1]["text"]
        assert answer == (
            "Fewer Fed policy alerts here: oil/fed-policy is muted. Your watch 👁 powell: "
            "still on. Undo below."
        )
        listing = await command(api, chat, "/list")
        assert "Muted rules: oil/fed-policy (" in listing  # not fed-in-summary, not the watch
        # Unsubscribe pressed under the same alert as the client showed it before the
        # redraw: the buttons still offer the undo (the chat's stored state decides).
        await _press(api, alert, chat, _buttons(alert["reply_markup"])[1][1])
        redrawn = api.calls("editMessageReplyMarkup")[-1]["reply_markup"]
        assert [text for text, _ in _buttons(redrawn)] == ["↩️ Undo: hear these again"]
        await command(api, chat, "/subscribe oil")
        space.write_seed("two.md", second)  # the topic's other rule and the watch still hold
        await until(lambda: _with(api, chat, second), "the next Fed alert")

        space.write_seed("three.md", "Gold jumps to a record")
        await until(lambda: _with(api, watcher, "Gold jumps"), "the watch's alert")
        [own] = _with(api, watcher, "Gold jumps")
        assert [text for text, _ in _buttons(own["reply_markup"])] == ["🔕 Less like this"]
        await _press(api, own, watcher, _buttons(own["reply_markup"])[0][1], redrawn=False)
        answer = api.calls("answerCallbackQuery")[-1]["text"]
        assert answer.startswith("This alert came from your watch 👁 gold: nothing muted.")
        await command(api, watcher, "/watch record record")  # two watches make the next one
        space.write_seed("four.md", "Gold sets a record again")
        await until(lambda: _with(api, watcher, "Gold sets"), "the two watches' alert")
        [both] = _with(api, watcher, "Gold sets")
        await _press(api, both, watcher, _buttons(both["reply_markup"])[0][1], redrawn=False)
        answer = api.calls("answerCallbackQuery")[-1]["text"]
        assert answer.startswith("This alert came from your watches 👁 "), answer
        assert "👁 gold" in answer and "👁 record" in answer and "stops one" in answer
        assert "Muted rules" not in await command(api, watcher, "/list")


def _seed_dated(space: Workspace, name: str, title: str, published: datetime) -> None:
    """A seed article published at that moment (UTC)."""
    text = seed_text(title, f"https://example.com/news/{name}")
    (space.seeds / f"{name}.md").write_text(
        text.replace("2025-02-12 21:33:29", f"{published:%Y-%m-%d %H:%M:%S}")
    )


async def test_alerts_and_digests_show_times_in_the_chats_zone_with_the_date_when_not_today(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str
) -> None:
    space, local, plain, muted = make_workspace(tmp_path, sqlite_url, RULES), 821, 822, 823
    new_york = ZoneInfo("America/New_York")
    recent = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    shown = recent.astimezone(new_york)
    same_day = shown.date() == datetime.now(new_york).date()
    today = f"{shown:%H:%M} {shown.tzname()}" if same_day else f"{shown:%Y-%m-%d %H:%M}"
    async with running(space.settings(api)):
        est = await command(api, local, "/timezone EST")
        assert est.startswith("Time zone set to America/New_York: ")
        assert "EST is read as America/New_York, which follows daylight saving" in est
        offset = await command(api, plain, "/timezone UTC+2")
        assert offset.startswith("Time zone set to UTC+2: ")
        assert "UTC+2 is a fixed offset: no daylight saving." in offset
        assert "Time zone: UTC+2" in await command(api, plain, "/list")
        quiet = await command(api, plain, "/quiet")  # every answer names the zone as set
        assert "(UTC+2)" in quiet and "Etc/" not in quiet
        await command(api, plain, "/timezone UTC")
        await command(api, muted, "/timezone America/New_York")
        for chat in (local, plain, muted):
            await command(api, chat, "/subscribe oil")
        await command(api, muted, "/mute 1h")
        await asyncio.sleep(1.0)
        space.write_seed("old.md", NORMAL)  # published 2025-02-12 21:33 UTC
        await until(lambda: _with(api, local, NORMAL) and _with(api, plain, NORMAL), "alerts")
        _seed_dated(space, "new", LATER, recent)
        await until(lambda: _with(api, local, LATER), "today's alert")
        await until(lambda: _held(sqlite_url) == 2, "the muted chat's alerts held")
        await command(api, muted, "/unmute")
        await until(lambda: _digests(api, muted), "the digest")
    [old_local] = _with(api, local, NORMAL)
    assert "2025-02-12 16:33 EST · published" in old_local["text"]  # New York, in February
    [old_plain] = _with(api, plain, NORMAL)
    assert "2025-02-12 21:33 UTC · published" in old_plain["text"]
    [new_local] = _with(api, local, LATER)
    assert f"· {today}</i>" in new_local["text"]
    [digest] = _digests(api, muted)
    assert "2025-02-12 16:33" in digest  # an old item reads as old
    assert f"{shown:%H:%M}" in digest


async def test_unmute_inside_quiet_hours_keeps_what_the_mute_held_until_they_end(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str
) -> None:
    space, chat = make_workspace(tmp_path, sqlite_url, RULES), 901
    now = datetime.now(UTC)
    ends = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    async with running(space.settings(api, digest_check=1)):
        await command(api, chat, "/subscribe oil")
        await command(api, chat, f"/quiet {now - timedelta(hours=1):%H:%M}-{ends:%H:%M}")
        await command(api, chat, "/mute 3h")  # ends after quiet hours: the mute holds it
        await asyncio.sleep(1.0)
        space.write_seed("normal.md", NORMAL)
        await until(lambda: _held(sqlite_url) == 1, "the normal alert held")
        answer = await command(api, chat, "/unmute")
        assert f"on again. 1 alert held: the digest comes at {ends:%H:%M}." in answer
        await asyncio.sleep(2.5)  # the digest job runs every second: nothing is due yet
    assert not _digests(api, chat) and _held(sqlite_url) == 1
