"""/watch, /watches, /unwatch through the Bot API double, with the single process running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage import watches as store
from tests.support.bot_api_double import BotApiDouble
from tests.support.waiting import settled, until
from tests.support.workspace import OIL, Workspace, command, running

CHAT = 301


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    """Conversations: Telegram tolerates short bursts of answers, the strict double not."""
    with BotApiDouble(enforce_limits=False) as double:
        yield double


@pytest.fixture
def workspace(tmp_path: Path, database_url: str) -> Workspace:
    """Rules with one topic (oil, on titles), an empty seed folder, no feeds."""
    space = Workspace(tmp_path, database_url)
    space.rules.mkdir()
    space.seeds.mkdir()
    (space.rules / "oil.yaml").write_text(OIL)
    (space.rules / "_places.yaml").write_text("sets:\n  gulf: [Hormuz, Persian Gulf, Oman]\n")
    space.feeds_file.write_text("feeds: []\n")
    return space


def _stored(workspace: Workspace, chat_id: int) -> list[tuple[str, str]]:
    from bot.storage.db import make_engine

    engine = make_engine(workspace.database_url)
    try:
        with engine.connect() as connection:
            return [(w.name, w.query) for w in store.chat_watches(connection, chat_id)]
    finally:
        engine.dispose()


def _alerts(api: BotApiDouble, chat_id: int, words: str) -> list[dict[str, Any]]:
    return [m for m in api.messages(chat_id) if words in str(m["text"])]


async def test_a_watch_alerts_once_naming_each_watch_that_held(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)):
        answer = await command(api, CHAT, "/watch hormuz @gulf (tanker* OR $USO) NOT recap")
        assert "Watching" in answer and "hormuz" in answer
        assert "0 of 0 stored headlines" in answer  # nothing stored yet: said plainly
        assert "Watching" in await command(api, CHAT, "/watch ships tanker* NOT recap")
        assert "Subscribed" in await command(api, CHAT, "/subscribe oil")
        workspace.write_seed("a.md", "Tankers turn back from Hormuz as crude oil jumps")
        await until(lambda: _alerts(api, CHAT, "Tankers turn back"), "the alert")
        workspace.write_seed("b.md", "Weekly recap: Hormuz tanker rates")  # NOT recap
        workspace.write_seed("c.md", "Gold steadies as the dollar slips")
        await settled(workspace.database_url, articles=3)  # wrong alerts would be sent by now
    alerts = _alerts(api, CHAT, "Tankers turn back")
    assert len(alerts) == 1  # two watches and a topic: one message
    text = alerts[0]["text"]
    header = text.split("\n")[0]
    assert "👁 <b>hormuz</b>" in header and "👁 <b>ships</b>" in header
    assert "Crude oil" in header
    assert "hormuz: Hormuz" in text  # the terms that held, per watch
    assert _alerts(api, CHAT, "Weekly recap") == [] and _alerts(api, CHAT, "Gold steadies") == []


async def test_a_bad_query_is_refused_where_it_goes_wrong_and_nothing_is_saved(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)):
        answer = await command(api, CHAT, "/watch oil crude AND (Brent OR")
        assert "character 18" in answer and "Nothing was saved" in answer
        assert "needs something after it" in answer
        assert "<code>crude AND (Brent OR\n" in answer and "^</code>" in answer
        only_not = await command(api, CHAT, "/watch calm NOT ceasefire")
        assert "add something to look for" in only_not
        unknown_set = await command(api, CHAT, "/watch x Iran @nosuch")
        assert "unknown set" in unknown_set and "character 6" in unknown_set
        assert "lower-case letters" in await command(api, CHAT, "/watch Bad! (Iran")
        syntax = await command(api, CHAT, "/watch")
        assert "NEAR/5(Putin talks)" in syntax and "Hormuz" in syntax
        assert "no watches" in await command(api, CHAT, "/watches")
    assert _stored(workspace, CHAT) == []


async def test_the_syntax_names_every_shared_list(api: BotApiDouble, workspace: Workspace) -> None:
    lists = "".join(f"  list{number:02}: [word{number}]\n" for number in range(30))
    (workspace.rules / "_lists.yaml").write_text("sets:\n" + lists)
    async with running(workspace.settings(api)):
        syntax = await command(api, CHAT, "/watch")
    assert "@gulf" in syntax and "@list00" in syntax and "@list29" in syntax, syntax


async def test_a_first_word_that_cannot_be_a_name_is_not_split_off_silently(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)):
        capital = await command(api, CHAT, "/watch Iran sanctions")
        assert capital.startswith("Watching 👁 <b>iran-sanctions</b>: <code>Iran sanctions</code>")
        assert "“Iran” cannot be a watch name, so it is part of the query" in capital
        assert "<code>/watch NAME Iran sanctions</code>" in capital
        long_word = "supercalifragilisticexpialidocious-oil"  # 38 characters
        too_long = await command(api, CHAT, f"/watch {long_word} oil")
        assert f"“{long_word}” is longer than a watch name's 32 characters" in too_long
        assert "so it is part of the query" in too_long
        punctuation = await command(api, CHAT, "/watch Bad Name! oil")
        assert "Watching 👁 <b>bad-name-oil</b>: <code>Bad Name! oil</code>" in punctuation
        broken = await command(api, CHAT, "/watch Iran (oil")  # a term, and a broken query
        assert "That query cannot be used" in broken and "Nothing was saved" in broken
        joined = await command(api, CHAT, "/watch oil OR gas")
        assert "Watching 👁 <b>oil-or-gas</b>: <code>oil OR gas</code>" in joined
        assert "OR joins “oil” to the rest, so it is a term" in joined
        # Broken after the joiner: the whole text's fault, where it is, not the rest's.
        unclosed = await command(api, CHAT, "/watch crude AND (Brent OR")
        assert "at character 18" in unclosed and "`OR` needs something after it" in unclosed
        again = await command(api, CHAT, "/watch Iran sanctions")  # never replaces silently
        assert again.startswith("Watching 👁 <b>iran-sanctions-2</b>")
        named = await command(api, CHAT, "/watch iran sanctions")  # the syntax: NAME QUERY
        assert named.startswith("Watching 👁 <b>iran</b>: <code>sanctions</code>")
        assert "<b>iran</b> is the name only, not a term" in named
        assert "name only" not in await command(api, CHAT, "/watch hormuz Hormuz tanker*")
    assert _stored(workspace, CHAT) == [
        ("bad-name-oil", "Bad Name! oil"),
        ("hormuz", "Hormuz tanker*"),
        ("iran", "sanctions"),
        ("iran-sanctions", "Iran sanctions"),
        ("iran-sanctions-2", "Iran sanctions"),
        ("oil-or-gas", "oil OR gas"),
        ("supercalifragilisticexpialidocio", "supercalifragilisticexpialidocious-oil oil"),
    ]


async def test_watches_list_with_remove_buttons_and_unwatch(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)):
        await command(api, CHAT, "/watch hormuz Hormuz $USO")
        await command(api, CHAT, "/watch peace NEAR/5(Putin talks)")
        replaced = await command(api, CHAT, "/watch peace NEAR/5(Putin talks) OR ceasefire")
        assert "Replaced" in replaced
        listing = await command(api, CHAT, "/watches")
        assert "hormuz" in listing and "NEAR/5(Putin talks) OR ceasefire" in listing
        message = api.messages(CHAT)[-1]
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert [b["text"] for b in buttons] == ["✖ hormuz", "✖ peace"]
        sent = {
            "message_id": 7000,
            "date": 1_700_000_000,
            "chat": api.chat(CHAT),
            "from": api.bot_user(),
            "text": message["text"],
            "reply_markup": message["reply_markup"],
        }
        api.push_update(api.callback(sent, CHAT, buttons[0]["callback_data"]))
        await until(lambda: api.calls("editMessageText"), "the list redrawn")
        assert "hormuz" not in api.calls("editMessageText")[-1]["text"]
        assert _stored(workspace, CHAT) == [("peace", "NEAR/5(Putin talks) OR ceasefire")]
        assert "No watch named nosuch" in await command(api, CHAT, "/unwatch nosuch")
        assert "Removed" in await command(api, CHAT, "/unwatch peace")
        await command(api, CHAT, "/watch a Iran")
        await command(api, CHAT, "/watch b Iraq")
        assert "Removed" in await command(api, CHAT, "/unwatch all")
    assert _stored(workspace, CHAT) == []


async def test_watches_do_not_hide_after_unsubscribe_all(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)):
        await command(api, CHAT, "/watch hormuz Hormuz")
        await command(api, CHAT, "/watch peace NEAR/5(Putin talks)")
        assert "Subscribed" in await command(api, CHAT, "/subscribe oil")
        dropped = await command(api, CHAT, "/unsubscribe all")
        assert dropped == (
            "Unsubscribed from every topic and ticker (1 subscription).\n"
            "Watches (2): 👁 hormuz, 👁 peace stay and keep alerting: "
            "/unwatch all removes them too."
        )
        listing = await command(api, CHAT, "/list")
        assert "follows nothing" not in listing
        assert listing.startswith(
            "<b>This chat follows</b>\n"
            "Watches (2): 👁 hormuz, 👁 peace (/watches lists their queries)"
        )
        await command(api, CHAT, "/unwatch all")
        assert "follows nothing" in await command(api, CHAT, "/list")
        assert "Watches" not in await command(api, CHAT, "/unsubscribe all")


async def test_limits_are_told(api: BotApiDouble, workspace: Workspace) -> None:
    settings = workspace.settings(api, max_watches=2, max_query_length=30)
    async with running(settings):
        await command(api, CHAT, "/watch a Iran")
        await command(api, CHAT, "/watch b Iraq")
        full = await command(api, CHAT, "/watch c Syria")
        assert "2 watches already" in full
        assert "Replaced" in await command(api, CHAT, "/watch b Iraq oil")  # a replace fits
        long = await command(api, CHAT, "/watch a " + "Hormuz " * 6)
        assert "at most 30 characters" in long
    assert _stored(workspace, CHAT) == [("a", "Iran"), ("b", "Iraq oil")]


async def test_in_groups_only_admins_change_watches(
    api: BotApiDouble, workspace: Workspace
) -> None:
    group = -4001
    api.set_member(group, 55, "member")
    api.set_member(group, 56, "administrator")
    async with running(workspace.settings(api)):
        refused = await command(api, group, "/watch hormuz Hormuz", user_id=55)
        assert "admins" in refused
        assert "Watching" in await command(api, group, "/watch hormuz Hormuz", user_id=56)
        assert "admins" in await command(api, group, "/unwatch hormuz", user_id=55)
        assert "hormuz" in await command(api, group, "/watches", user_id=55)  # anyone may look
    assert _stored(workspace, group) == [("hormuz", "Hormuz")]


async def test_a_restart_keeps_the_watches_and_the_last_days_are_counted(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)):
        await command(api, CHAT, "/watch houthi Houthi* (ship* OR tanker)")
        workspace.write_seed("a.md", "Houthis strike a tanker in the Red Sea")
        await until(lambda: _alerts(api, CHAT, "Houthis strike"), "the first alert")
    async with running(workspace.settings(api)):
        workspace.write_seed("b.md", "Houthi attacks push shipping insurance higher")
        await until(lambda: _alerts(api, CHAT, "Houthi attacks"), "the alert after a restart")
        answer = await command(api, CHAT, "/watch redsea Houthi*")
        assert "matched 2 of 2 stored headlines" in answer
        assert "For example" in answer and "Houthi" in answer.split("For example")[1]
    assert len(_alerts(api, CHAT, "Houthis strike")) == 1


async def test_a_new_watch_matches_the_next_article_at_once(
    api: BotApiDouble, workspace: Workspace
) -> None:
    async with running(workspace.settings(api)):
        await command(api, CHAT, "/watch opec =OPEC cut*")
        workspace.write_seed("a.md", "OPEC cuts output again")
        await until(lambda: _alerts(api, CHAT, "OPEC cuts"), "the alert", timeout=3)


def _store_directly(workspace: Workspace, chat_id: int, name: str, query: str) -> None:
    """A watch saved as an older version saved it, without today's checks."""
    from bot.storage.db import make_engine

    engine = make_engine(workspace.database_url)
    try:
        with engine.begin() as connection:
            store.put_watch(connection, chat_id, name, query, limit=20)
    finally:
        engine.dispose()


async def test_regex_watches_that_cannot_share_a_set_never_stop_other_chats(
    api: BotApiDouble, workspace: Workspace
) -> None:
    settings = workspace.settings(api, stories=False)  # every seed its own alert
    async with running(settings):
        too_big = await command(api, 401, r"/watch big /\pL{400}/")
        assert "too costly" in too_big and "Nothing was saved" in too_big
        assert "too costly" in await command(api, 401, r"/watch a /a\pL{100}/")
        # Within the limit each, but eight are more than one RE2 set holds.
        for chat in (401, 402, 405, 406):
            for i in range(2):
                answer = await command(api, chat, rf"/watch w{i} /c{chat}w{i}\pL{{15}}/")
                assert "Watching" in answer, answer
        # A third costs more than one chat's watches may together: refused, with the reason.
        third = await command(api, 401, r"/watch w2 /c401w2\pL{15}/")
        assert "would cost more than 40,000" in third and "Nothing was saved" in third, third
        assert "w2" not in await command(api, 401, "/watches")
        assert "Watching" in await command(api, 403, "/watch gulf Hormuz")
        workspace.write_seed("a.md", "Tankers avoid Hormuz")
        await until(lambda: _alerts(api, 403, "Tankers avoid"), "the plain watch's alert")
        workspace.write_seed("b.md", "Code c402w1Abcdefghijklmnopq spotted")
        await until(lambda: _alerts(api, 402, "Code c402w1"), "the regex watch's alert")
        # Later changes still take effect.
        assert "Removed" in await command(api, 401, "/unwatch w0")
        assert "w0" not in await command(api, 401, "/watches")
        assert "Watching" in await command(api, 403, "/watch ships tanker*")
        workspace.write_seed("c.md", "Tanker rates jump")
        await until(lambda: _alerts(api, 403, "Tanker rates"), "the new watch's alert")
    # Saved by a version that took them: the bot still starts, and the rest still alert.
    _store_directly(workspace, 404, "a", r"/a\pL{100}/")
    _store_directly(workspace, 405, "b", r"/b\pL{100}/")
    _store_directly(workspace, 405, "c", r"/\pL{400}/")
    async with running(settings):
        workspace.write_seed("d.md", "Hormuz closed again")
        await until(lambda: _alerts(api, 403, "Hormuz closed"), "the alert after a restart")
        workspace.write_seed("e.md", "Code c401w1Abcdefghijklmnopq spotted")
        await until(lambda: _alerts(api, 401, "Code c401w1"), "a regex watch after a restart")
