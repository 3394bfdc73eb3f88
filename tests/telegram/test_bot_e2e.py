"""End to end through python-telegram-bot and a real HTTP Bot API double."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.storage import subscriptions as subs
from bot.storage.models import deliveries
from tests.support.bot_api_double import BotApiDouble
from tests.support.harness import OPERATOR, SEED_TITLE, Harness
from tests.support.story_copies import STRIKE
from tests.support.workspace import seed_text


def _subscriptions(harness: Harness, chat_id: int) -> list[tuple[str, str]]:
    with harness.engine.connect() as connection:
        return subs.chat_subscriptions(connection, chat_id)


async def test_seed_reaches_oil_and_ticker_subscribers_once(
    api: BotApiDouble, database_url: str, seeds: Path
) -> None:
    async with Harness(api, database_url, seeds) as bot:
        assert "Subscribed to" in await bot.command(101, "/subscribe oil")
        assert "$USO" in await bot.command(102, "/subscribe $USO")
        assert "Subscribed to" in await bot.command(103, "/subscribe gold")
        bot.drop_seed()
        assert await bot.scan() == 1
        await bot.until(lambda: bot.alerts_to(101) and bot.alerts_to(102), "both alerts")
        assert await bot.scan() == 0  # seen before: nothing new
    async with Harness(api, database_url, seeds) as bot:  # a restart
        assert await bot.scan() == 0
        assert bot.sender is not None and await bot.sender.drain() == 0
    assert len(bot.alerts_to(101)) == 1 and len(bot.alerts_to(102)) == 1
    assert bot.alerts_to(103) == []
    alert = bot.alerts_to(101)[0]
    assert alert["parse_mode"] == "HTML"
    assert alert["link_preview_options"] == {"is_disabled": True}
    assert alert.get("disable_notification") in (None, False)
    assert "Crude oil" in alert["text"] and "🔎 Crude oil: $USO" in alert["text"]
    assert "geopolitics-crude" not in alert["text"]  # rule ids stay in match and logs
    assert "Russia-Ukraine" not in alert["text"].split("\n")[0]  # not a topic of chat 101
    assert "$USO" in bot.alerts_to(102)[0]["text"]
    assert [c["command"] for c in api.commands][:3] == ["start", "help", "topics"]
    menu = {c["command"] for c in api.commands}
    assert "subscribe" in menu and not {"status", "reload"} & menu  # operators' only
    assert api.violations == 0


async def test_only_group_admins_change_group_subscriptions(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api, group = loose_api, -2001
    api.set_member(group, 55, "member")
    api.set_member(group, 56, "administrator")
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        assert "admins" in await bot.command(group, "/subscribe oil", user_id=55)
        assert _subscriptions(bot, group) == []
        assert "admins" in await bot.command(group, "/mute 1h", user_id=55)
        assert "Subscribed" in await bot.command(group, "/subscribe oil", user_id=56)
        anonymous = api.chat(group)
        answer = await bot.command(
            group, "/subscribe@newsbot_double_bot gold", sender_chat=anonymous
        )
        assert "Subscribed" in answer
        assert "This chat follows" in await bot.command(group, "/list", user_id=55)
        channel = -1003001
        update = api.channel_post(channel, "/subscribe $USO")
        assert "$USO" in str(await bot.send(update, answers_in=channel))
    assert _subscriptions(bot, group) == [("topic", "gold"), ("topic", "oil")]
    assert _subscriptions(bot, channel) == [("ticker", "USO")]
    assert api.count("getChatMember") >= 3


async def test_topic_buttons_toggle_and_redraw(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        text = await bot.command(7, "/topics")
        assert "Crude oil" in text and "Gold" in text
        message = api.messages(7)[-1]
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert {b["callback_data"] for b in buttons} >= {"t:oil", "t:gold"}
        sent = {
            "message_id": 5000,
            "date": 1_700_000_000,
            "chat": api.chat(7),
            "from": api.bot_user(),
            "text": message["text"],
            "reply_markup": message["reply_markup"],
        }
        await bot.send(api.callback(sent, 7, "t:oil"))
        assert _subscriptions(bot, 7) == [("topic", "oil")]
        redrawn = api.calls("editMessageReplyMarkup")[-1]["reply_markup"]["inline_keyboard"]
        assert any(
            b["text"].startswith("✅") and b["callback_data"] == "t:oil" for r in redrawn for b in r
        )
        await bot.send(api.callback(sent, 7, "t:oil"))
        assert _subscriptions(bot, 7) == []
        group_message = {**sent, "chat": api.chat(-77)}
        api.set_member(-77, 8, "member")
        await bot.send(api.callback(group_message, 8, "t:oil"))
        assert _subscriptions(bot, -77) == []
        await bot.send(api.callback(sent, 7, "garbage"))  # no handler's: answered all the same
        assert "no longer in use" in api.calls("answerCallbackQuery")[-1]["text"]
    assert api.count("answerCallbackQuery") == 4


async def test_commands_answer_sensibly(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        assert "/subscribe" in await bot.command(9, "/start")
        assert "Did you mean: oil?" in await bot.command(9, "/subscribe oli")  # not gold too
        assert "is not a ticker" in await bot.command(9, "/subscribe $")
        assert "Unknown topic “nonsense”" in await bot.command(9, "/unsubscribe nonsense")
        assert "Subscribed to 🛢️ Crude oil" in await bot.command(9, "/subscribe Crude Oil")
        assert "Unsubscribed from 🛢️ Crude oil" in await bot.command(9, "/unsubscribe crude oil")
        # A title beside other words: Crude oil is one topic, not "crude" and "oil".
        mixed = await bot.command(9, "/subscribe gold Crude oil $USO")
        assert "Subscribed to 🥇 Gold and precious metals, 🛢️ Crude oil, $USO." in mixed
        assert "Unknown" not in mixed
        assert "Unsubscribed from 🛢️ Crude oil, $USO." in await bot.command(
            9, "/unsubscribe $USO oil"
        )
        assert "Not following 🛢️ Crude oil." in await bot.command(9, "/unsubscribe oil")
        assert "$.SPX" in await bot.command(9, "/subscribe $.SPX")  # an index, as CNBC links it
        assert "the longest mute" in await bot.command(9, "/mute 99999999999d")
        assert "on again" in await bot.command(9, "/unmute")
        answer = await bot.command(9, "/subscribe oil, gold $uso $USO")
        assert "Crude oil" in answer and "$USO" in answer
        assert "Already following" in await bot.command(9, "/subscribe oil")
        listing = await bot.command(9, "/list")
        assert "Crude oil" in listing and "$USO" in listing
        assert "Unsubscribed from 🥇 Gold and precious metals" in await bot.command(
            9, "/unsubscribe gold"
        )
        assert "Usage" in await bot.command(9, "/mute soon")
        assert "Usage" in await bot.command(9, "/mute 2")  # 2 what? a unit is required
        assert "A mute lasts at least a minute." in await bot.command(9, "/mute 0m")
        assert "not muted" in await bot.command(9, "/unmute")
        assert "the longest mute" in await bot.command(9, "/mute 400d")
        assert "Muted for 2h" in await bot.command(9, "/mute 2h")
        assert "Muted until" in await bot.command(9, "/list")
        assert "on again" in await bot.command(9, "/unmute")
        assert "/help" in await bot.command(9, "/frobnicate")
        assert "every topic and ticker (3 subscriptions)" in await bot.command(
            9, "/unsubscribe all"
        )
        assert "operators" in await bot.command(9, "/status")
        assert "operators" in await bot.command(9, "/reload")
        assert OPERATOR not in api.chat_commands  # no private chat with the bot yet
        await bot.command(OPERATOR, "/start")
        await bot.until(lambda: OPERATOR in api.chat_commands, "the operator's menu")
        operator_menu = {c["command"] for c in api.chat_commands[OPERATOR]}
        assert {"subscribe", "status", "reload"} <= operator_menu
        assert await bot.command(OPERATOR, "/status") == "queue: 0 &lt;ok&gt;"
        assert await bot.command(OPERATOR, "/reload") == "rules reloaded"


async def test_muted_chat_gets_only_critical(
    api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(api, sqlite_url, seeds) as bot:
        await bot.command(11, "/subscribe oil")
        await bot.command(11, "/mute 1h")
        bot.drop_seed()
        assert await bot.scan() == 1
        assert bot.sender is not None
    with bot.engine.connect() as connection:
        held = connection.execute(select(deliveries.c.state, deliveries.c.hold)).all()
    assert [tuple(row) for row in held] == [("held", "mute")]  # high, not critical: kept
    assert bot.alerts_to(11) == []


async def test_bot_removed_or_blocked_unsubscribes(
    api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(api, sqlite_url, seeds) as bot:
        api.set_member(-31, 31, "administrator")
        await bot.command(-31, "/subscribe oil", user_id=31)
        await bot.command(32, "/subscribe oil")
        assert _subscriptions(bot, -31) == _subscriptions(bot, 32) == [("topic", "oil")]
        await bot.send(api.my_chat_member(-31, 31, "member", "kicked"))
        await bot.send(api.my_chat_member(32, 32, "member", "kicked", chat_type="private"))
        assert _subscriptions(bot, -31) == [] and _subscriptions(bot, 32) == []


async def test_group_migration_moves_subscriptions(
    api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(api, sqlite_url, seeds) as bot:
        api.set_member(-41, 41, "creator")
        await bot.command(-41, "/subscribe oil", user_id=41)
        update = api.command(-41, "x")
        del update["message"]["text"]
        update["message"]["migrate_to_chat_id"] = -100041
        await bot.send(update)
        assert _subscriptions(bot, -41) == [] and _subscriptions(bot, -100041) == [("topic", "oil")]


async def test_alert_text_is_what_telegram_accepts(
    api: BotApiDouble, sqlite_url: str, seeds: Path, tmp_path: Path
) -> None:
    hostile = tmp_path / "hostile.md"
    hostile.write_text(
        '---\ntitle: "<script>alert(1)</script> & oil </b> crude Putin Ukraine"\n'
        "link: https://example.com/x?a=1&b=<2>\n---\n" + ("Crude oil war Russia " * 3000),
        encoding="utf-8",
    )
    async with Harness(api, sqlite_url, seeds) as bot:
        await bot.command(51, "/subscribe oil")
        bot.drop_seed(hostile)
        assert await bot.scan() == 1
        await bot.until(lambda: len(api.messages(51)) == 2, "the hostile alert")
    assert api.count("sendMessage", 400) == 0
    assert "&lt;script&gt;" in api.messages(51)[-1]["text"]
    assert SEED_TITLE not in api.messages(51)[-1]["text"]


async def test_copies_of_one_story_alert_once_then_edit_as_the_runtime_does(
    api: BotApiDouble, database_url: str, seeds: Path
) -> None:
    # The harness runs the runtime's own pipeline (build_ingest), stories included.
    async with Harness(api, database_url, seeds) as bot:
        assert "Subscribed to" in await bot.command(101, "/subscribe oil")
        for number, (outlet, title, summary) in enumerate(STRIKE[:2]):
            link = f"https://{outlet}.example/abqaiq-{number}"
            (seeds / f"{number}.md").write_text(seed_text(title, link, body=summary))
        assert await bot.scan() == 2
        await bot.until(lambda: api.calls("editMessageText"), "the story's alert edited")
        assert bot.sender is not None
        await bot.sender.drain()
        with bot.engine.connect() as connection:
            rows = [(row.kind, row.state) for row in connection.execute(select(deliveries))]
    assert sorted(rows) == [("alert", "sent"), ("edit", "sent")]
    alerts = [m for m in api.messages(101) if "Abqaiq" in str(m["text"])]
    assert len(alerts) == 1
