"""What a new user meets (issue 17) and kicked chats (issue 18), through the Bot API double."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.storage import subscriptions as subs
from bot.storage.articles import record_articles
from bot.telegram.handlers import BotHooks
from bot.telegram.handlers.subscriptions import TICKERS_JUDGED_AFTER
from tests.support.articles import make_article
from tests.support.bot_api_double import Answer, BotApiDouble, parse_entities
from tests.support.harness import OPERATOR, Harness

TELEGRAM_LIMIT = 4096


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble() as double:
        yield double


def _send_message(api: BotApiDouble, text: str) -> int:
    """POST sendMessage to the double as any client would; the HTTP status."""
    body = json.dumps({"chat_id": 1, "text": text, "parse_mode": "HTML"}).encode()
    request = urllib.request.Request(
        f"{api.url}/bot{api.token}/sendMessage",
        body,
        {"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def _visible(texts: list[str]) -> list[str]:
    return [parse_entities(text)[0] for text in texts]


def _tickers(bot: Harness, chat_id: int) -> list[str]:
    with bot.engine.connect() as connection:
        return [v for k, v in subs.chat_subscriptions(connection, chat_id) if k == subs.TICKER]


def test_the_double_refuses_what_telegram_refuses(loose_api: BotApiDouble) -> None:
    assert _send_message(loose_api, "x" * TELEGRAM_LIMIT) == 200
    assert _send_message(loose_api, "&lt;" * TELEGRAM_LIMIT) == 200  # counted after parsing
    assert _send_message(loose_api, "x" * (TELEGRAM_LIMIT + 1)) == 400
    assert _send_message(loose_api, "🛢" * (TELEGRAM_LIMIT // 2 + 1)) == 400  # UTF-16 units


async def test_a_long_subscribe_answer_arrives_in_pieces(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    words = " ".join(f"$A{i}" for i in range(650))
    assert len(f"/subscribe {words}") < TELEGRAM_LIMIT  # a message any user can send
    async with Harness(api, sqlite_url, seeds, limits=False, max_tickers=1000) as bot:
        _record_read_articles(bot, TICKERS_JUDGED_AFTER)  # so unseen tickers are named too
        api.push_update(api.command(21, f"/subscribe {words}"))
        await bot.until(
            lambda: any("subscribed anyway" in t for t in api.answers_to(21)), "the whole answer"
        )
        assert len(_tickers(bot, 21)) == 650
    answers = _visible(api.answers_to(21))
    assert len(answers) >= 2
    assert all(len(text.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT for text in answers)
    assert api.count("sendMessage", 400) == 0
    said = " ".join(answers).replace(",", " ").replace(".", " ").split()
    assert {f"$A{i}" for i in range(650)} <= set(said)


async def test_a_huge_list_is_shown_whole_in_pieces(
    api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(api, sqlite_url, seeds) as bot:
        with bot.engine.begin() as connection:  # a chat from before the limit
            subs.remember_chat(connection, 22, "private")
            subs.subscribe(connection, 22, subs.TOPIC, ["oil"])
            subs.subscribe(connection, 22, subs.TICKER, [f"A{i}" for i in range(2950)])
        api.push_update(api.command(22, "/list"))
        await bot.until(
            lambda: any("$A999" in t for t in api.answers_to(22)),  # the last, sorted as text
            "the whole list",
            timeout=30,
        )
    answers = _visible(api.answers_to(22))
    assert answers[0].startswith(
        "This chat follows\nTopics (1): 🛢️ Crude oil\n"
        "Tickers (2950, over the limit of 200: no new ones until fewer): $A0, $A1, $A10,"
    )
    assert "$A998, $A999\n\nTime zone: UTC" in answers[-1]  # then the chat's hours
    assert all(len(text.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT for text in answers)
    assert "…" not in "".join(answers)
    listed = " ".join(answers).replace(",", " ").split()
    assert {f"$A{i}" for i in range(2950)} <= set(listed)
    assert api.count("sendMessage", 400) == 0 and api.violations == 0


async def test_a_chat_is_told_its_ticker_limit(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    async with Harness(api, sqlite_url, seeds, limits=False, max_tickers=3) as bot:
        assert "up to 3 tickers" in await bot.command(23, "/help")
        assert "Subscribed to $AA, $BB" in await bot.command(23, "/subscribe $AA $BB")
        answer = await bot.command(23, "/subscribe $BB $CC $DD $EE")
        assert "Subscribed to $CC." in answer and "Already following $BB." in answer
        assert "2 tickers not added ($DD, $EE): a chat follows at most 3 tickers" in answer
        assert "1 ticker not added ($FF)" in await bot.command(23, "/subscribe $FF")
        every_topic = " ".join(sorted(bot.book.topics))
        answer = await bot.command(23, f"/subscribe {every_topic}")
        assert "not added" not in answer
        assert "Tickers (3 of at most 3)" in await bot.command(23, "/list")
    assert _tickers(bot, 23) == ["AA", "BB", "CC"]
    with bot.engine.connect() as connection:
        followed = {v for k, v in subs.chat_subscriptions(connection, 23) if k == subs.TOPIC}
    assert followed == set(bot.book.topics)


def test_operators_set_the_ticker_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_MAX_TICKERS", "7")
    assert load_settings().max_tickers == 7
    monkeypatch.setenv("NEWSBOT_MAX_TICKERS", "-1")
    with pytest.raises(ConfigError, match="NEWSBOT_MAX_TICKERS"):
        load_settings()
    monkeypatch.delenv("NEWSBOT_MAX_TICKERS")
    assert load_settings().max_tickers == 200


async def test_many_unknown_topics_give_one_line(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    wrong = " ".join(f"nosuch{i}" for i in range(40))
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        answer = await bot.command(24, f"/subscribe oil {wrong} gld $ $$ $!!")
        lines = answer.split("\n")
        assert len(lines) == 3, lines
        assert lines[0].startswith("Subscribed to 🛢️ Crude oil")
        unknown = lines[1]
        assert unknown.startswith("Unknown topics “nosuch0”, “nosuch1”")
        assert "and 33 more" in unknown and "gold (for “gld”)" in unknown
        assert lines[2] == "“$”, “$$”, “$!!” are not tickers."
        answer = await bot.command(24, f"/unsubscribe {wrong}")
        assert len(answer.split("\n")) == 1 and "and 32 more" in answer


def _record_read_articles(bot: Harness, number: int) -> None:
    """Articles the bot has read (none carrying a ticker), as the pipeline records them."""
    with bot.engine.begin() as connection:
        record_articles(
            connection, [make_article(n + 10_000) for n in range(number)], alerted=False
        )


async def test_a_ticker_no_article_carried_is_said(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        bot.drop_seed()  # carries $USO
        assert await bot.scan() == 1
        _record_read_articles(bot, TICKERS_JUDGED_AFTER)  # enough read to know
        answer = await bot.command(25, "/subscribe $USO $NOTATICKER123")
        assert "Subscribed to $USO, $NOTATICKER123." in answer
        unseen = [line for line in answer.split("\n") if "No article" in line]
        assert unseen == [
            "No article so far has carried $NOTATICKER123: subscribed anyway, check the spelling."
        ]
        assert "No article" not in await bot.command(25, "/subscribe $UCO")
    assert _tickers(bot, 25) == ["NOTATICKER123", "UCO", "USO"]


async def test_on_a_new_database_an_unseen_ticker_is_not_doubted(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(loose_api, sqlite_url, seeds, limits=False) as bot:
        _record_read_articles(bot, TICKERS_JUDGED_AFTER - 1)  # not enough to know
        answer = await bot.command(30, "/subscribe $USO")
    assert answer == "Subscribed to $USO."


async def test_free_text_in_a_private_chat_gets_a_short_helpful_answer(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(loose_api, sqlite_url, seeds, limits=False) as bot:
        answer = await bot.command(31, "hello, what can you do?")
        assert answer.startswith("I answer commands rather than messages.")
        assert "/topics" in answer and "/subscribe oil $USO" in answer and "/help" in answer
        named = await bot.command(31, "I want gold news please")
        assert named.startswith("To follow gold: <code>/subscribe gold</code>")
        group = -31
        bot.api.push_update(bot.api.command(group, "hello everyone"))
        await bot.command(31, "/list")  # handled after the group's message
        assert bot.api.messages(group) == []  # groups talk among themselves: no answer


async def test_help_explains_every_command_of_the_menu(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(loose_api, sqlite_url, seeds, limits=False) as bot:
        answer = await bot.command(33, "/help")
    menu = [c["command"] for c in loose_api.commands]
    assert "market" in menu
    unexplained = [name for name in menu if f"/{name}" not in answer]
    assert unexplained == ["start"]  # /start is this answer


async def test_subscribe_takes_the_one_topic_a_word_begins(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(loose_api, sqlite_url, seeds, limits=False) as bot:
        answer = await bot.command(32, "/subscribe fed")
        assert answer == "Subscribed to 🏦 Fed and US rates."
    assert _subscriptions_of(bot, 32) == [("topic", "fed-rates")]


async def test_start_tells_an_operator_about_status_and_reload(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    async with Harness(loose_api, sqlite_url, seeds, limits=False) as bot:
        operator = await bot.command(OPERATOR, "/start")
        subscriber = await bot.command(33, "/start")
    assert "/status (sources, rules, queue), /reload (the rules, now)" in operator
    assert "/status" not in subscriber and "/reload" not in subscriber


STATUS_WITH_PATHS = (
    "newsbot up 5m\n"
    "Sources: seeds in /srv/newsbot/seeds: 2 files\n"
    "  ⚠ rules/oil.yaml: line 3: not a term\n"
    "Deliveries: 0 pending, 0 failed"
)


async def test_status_in_a_group_goes_to_the_operator_privately(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api, group = loose_api, -26
    bot = Harness(api, sqlite_url, seeds, limits=False)
    bot.hooks = BotHooks(status_text=lambda: STATUS_WITH_PATHS)
    async with bot:
        answer = await bot.command(group, "/status", user_id=OPERATOR)
        assert answer == "Sent you the status privately."
        assert "/srv/newsbot/seeds" in api.answers_to(OPERATOR)[-1]
        assert (
            await bot.command(group, "/status", user_id=5) == "/status is for the bot's operators."
        )
        api.block(OPERATOR, Answer(403, "Forbidden: bot can't initiate conversation with a user"))
        answer = await bot.command(group, "/status", user_id=OPERATOR)
    assert "I cannot write to you privately" in answer
    assert "Deliveries: 0 pending, 0 failed" in answer and "Sources: seeds in …" in answer
    group_texts = " ".join(api.answers_to(group))
    assert "/srv" not in group_texts and "oil.yaml" not in group_texts
    assert "seeds:" not in group_texts.replace("seeds in", "")


async def test_a_bot_added_to_a_group_says_hello(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api = loose_api
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        await bot.send(api.my_chat_member(-27, 27, "left", "member"), answers_in=-27)
        await bot.send(
            api.my_chat_member(-1027, 27, "left", "administrator", chat_type="supergroup"),
            answers_in=-1027,
        )
        await bot.send(
            api.my_chat_member(-1028, 27, "left", "administrator", chat_type="channel"),
            answers_in=-1028,
        )
        await bot.send(api.my_chat_member(-27, 27, "member", "administrator"))  # promoted
        await bot.send(api.my_chat_member(28, 28, "kicked", "member", chat_type="private"))
        await bot.command(28, "/list")  # handled after the membership update
    for chat in (-27, -1027, -1028):
        [hello] = api.answers_to(chat)
        assert "alerts about geopolitical news" in hello
        assert "/subscribe oil gold $USO" in hello and "/topics" in hello
    assert len(api.answers_to(28)) == 1  # the /list answer: no hello in private chats


async def test_a_kicked_chat_subscribes_nothing_until_added_again(
    loose_api: BotApiDouble, sqlite_url: str, seeds: Path
) -> None:
    api, group = loose_api, -29
    api.set_member(group, 29, "administrator")
    async with Harness(api, sqlite_url, seeds, limits=False) as bot:
        await bot.command(group, "/topics", user_id=29)
        buttons_message = {
            "message_id": 7000,
            "date": 1_700_000_000,
            "chat": api.chat(group),
            "from": api.bot_user(),
            "text": "Topics",
            "reply_markup": api.messages(group)[-1]["reply_markup"],
        }
        await bot.send(api.my_chat_member(group, 29, "member", "kicked"))
        # A /subscribe sent before the kick, handled after it; Telegram refuses the answer.
        api.fail(group, Answer.kicked())
        api.push_update(api.command(group, "/subscribe oil $USO", user_id=29))
        await bot.until(lambda: api.count("sendMessage", 403) == 1, "the refused answer")
        await bot.send(api.callback(buttons_message, 29, "t:gold"))
        assert _subscriptions_of(bot, group) == []
        assert "removed" in api.calls("answerCallbackQuery")[-1]["text"]
        await bot.send(api.my_chat_member(group, 29, "left", "member"), answers_in=group)
        assert "Subscribed" in await bot.command(group, "/subscribe oil", user_id=29)
    assert _subscriptions_of(bot, group) == [("topic", "oil")]


def _subscriptions_of(bot: Harness, chat_id: int) -> list[tuple[str, str]]:
    with bot.engine.connect() as connection:
        return subs.chat_subscriptions(connection, chat_id)
