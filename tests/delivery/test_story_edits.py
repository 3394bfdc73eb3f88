"""One alert per story in the ledger and the sender: edits, held alerts, refused edits, fleets."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from telegram import Bot

from bot.article import Article
from bot.delivery.limiter import Limits, TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.delivery.transports import Rejected
from bot.pipeline import Ingested, Ledger
from bot.pipeline.stories import StoryAssignment
from bot.rules import Match, Topic
from bot.storage import subscriptions as subs
from bot.storage.articles import record_articles
from bot.storage.db import open_database
from bot.storage.models import articles, deliveries
from bot.telegram.transport import TelegramTransport
from tests.support.books import ingest_matching
from tests.support.bot_api_double import Answer, BotApiDouble
from tests.support.databases import database_url_for
from tests.support.scripted_transport import ScriptedTransport
from tests.support.story_articles import linked
from tests.support.story_copies import POWELL, copy

TOPICS = {
    "oil": Topic("oil", "Oil", "Crude", "🛢", "rules/oil.yaml"),
    "gulf": Topic("gulf", "Gulf", "Gulf states", "🏜", "rules/gulf.yaml"),
}
OIL = Match("oil", "crude", "normal", "active", ("crude oil",))
GULF = Match("gulf", "saudi", "high", "active", ("Saudi",))
OIL_HIGH = Match("oil", "outage", "high", "active", ("crude oil",))
AT = datetime(2026, 3, 2, 14, 2, tzinfo=UTC)


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[Bot]:
    """python-telegram-bot talking to the Bot API double."""
    async with Bot(api.token, base_url=f"{api.url}/bot") as client:
        yield client


def setup(url: str, chats: dict[int, str]) -> Engine:
    """A database where each chat follows one topic."""
    engine = open_database(url)
    with engine.begin() as connection:
        for chat_id, topic in chats.items():
            subs.remember_chat(connection, chat_id, "private")
            subs.subscribe(connection, chat_id, "topic", [topic])
    return engine


def ingest_copy(
    engine: Engine, stories: StoryAssignment, number: int, *matches: Match
) -> list[Ingested]:
    """Ingest one outlet's copy the way the runtime does."""
    return ingest_matching(engine, TOPICS, *(matches or (OIL,)), stories=stories)([copy(number)])


def rows(engine: Engine, chat_id: int) -> list[tuple[str, str, str]]:
    """A chat's deliveries: (kind, state, text), oldest first."""
    with engine.connect() as connection:
        found = connection.execute(
            select(deliveries.c.kind, deliveries.c.state, deliveries.c.text)
            .where(deliveries.c.chat_id == chat_id)
            .order_by(deliveries.c.id)
        )
        return [tuple(row) for row in found]  # type: ignore[misc]


async def test_an_edit_waits_for_its_alert_and_says_the_priority_it_was_raised_to(
    database_url: str,
) -> None:
    engine = setup(database_url, {1: "oil"})
    stories = StoryAssignment()
    ingest_copy(engine, stories, 0)
    ingest_copy(engine, stories, 1, OIL_HIGH)  # queued before the alert is even sent
    transport = ScriptedTransport()
    await Sender(engine, transport).drain()
    assert len(transport.sent_to(1)) == 1
    ((chat, message_id, text),) = transport.edits
    assert (chat, message_id) == (1, 1)  # the alert's message, once Telegram gave its id
    assert text.startswith(transport.sent_to(1)[0])
    assert "2 sources" in text and "now ⚠️ high priority" in text
    assert [(kind, state) for kind, state, _ in rows(engine, 1)] == [
        ("alert", "sent"),
        ("edit", "sent"),
    ]


async def test_an_edit_gives_the_storys_first_time_in_the_chats_own_zone(
    database_url: str,
) -> None:
    engine = setup(database_url, {1: "oil", 2: "oil"})
    with engine.begin() as connection:
        subs.set_timezone(connection, 2, "Asia/Tokyo")
    stories = StoryAssignment()
    ingest_copy(engine, stories, 0)  # published 14:02 UTC, 23:02 in Tokyo
    ingest_copy(engine, stories, 1)
    transport = ScriptedTransport()
    await Sender(engine, transport).drain()
    edits = {chat: text for chat, _, text in transport.edits}
    assert "📣 2 sources · first 2026-03-02 14:02 UTC" in edits[1]
    assert "📣 2 sources · first 2026-03-02 23:02 JST" in edits[2]


async def test_a_copy_matching_a_topic_the_alert_did_not_name_is_its_own_alert(
    api: BotApiDouble, bot: Bot, database_url: str
) -> None:
    engine = setup(database_url, {1: "oil", 2: "oil"})
    with engine.begin() as connection:
        subs.subscribe(connection, 1, "topic", ["gulf"])
    sender = Sender(engine, TelegramTransport(bot), TokenBucketLimiter())
    stories = StoryAssignment()
    ingest_copy(engine, stories, 0)
    await sender.drain()
    ingest_copy(engine, stories, 1, OIL, GULF)
    await sender.drain()
    # Chat 1 follows Gulf too: the copy that matched it is an alert it hears, not an edit.
    first, second = api.messages(1)
    assert "Abqaiq" in first["text"] and "🏜" in second["text"]
    assert [kind for kind, _, _ in rows(engine, 1)] == ["alert", "alert"]
    # Chat 2 follows oil only: the copy adds nothing it follows, so it edits the alert.
    assert len(api.messages(2)) == 1
    (edit,) = api.calls("editMessageText")
    assert int(edit["chat_id"]) == 2 and "2 sources" in edit["text"]


async def test_a_chat_following_a_ticker_only_a_later_copy_carries_gets_its_own_alert(
    api: BotApiDouble, bot: Bot, database_url: str
) -> None:
    engine = setup(database_url, {1: "oil", 2: "oil"})
    with engine.begin() as connection:
        subs.subscribe(connection, 1, "ticker", ["2222.SR"])
    sender = Sender(engine, TelegramTransport(bot), TokenBucketLimiter())
    stories = StoryAssignment()
    ingest_copy(engine, stories, 0)
    await sender.drain()
    ingest_matching(engine, TOPICS, OIL, stories=stories)(
        [replace(copy(1), tickers=frozenset({"2222.SR"}))]
    )
    await sender.drain()
    assert [kind for kind, _, _ in rows(engine, 1)] == ["alert", "alert"]
    assert "2222.SR" in api.messages(1)[1]["text"]
    assert [kind for kind, _, _ in rows(engine, 2)] == ["alert", "edit"]
    assert len(api.messages(2)) == 1


async def test_two_companies_put_in_one_story_are_two_alerts(
    api: BotApiDouble, bot: Bot, database_url: str
) -> None:
    engine = setup(database_url, {1: "oil"})
    sender = Sender(engine, TelegramTransport(bot), TokenBucketLimiter())
    # Whatever the clusterer decided, articles about other companies never fold into one.
    one = replace(copy(0), tickers=frozenset({"2222.SR"}))
    other = replace(copy(1), id="https://bloomberg.example/adnoc", tickers=frozenset({"ADNOC"}))
    for article in (one, other):
        with engine.begin() as connection:
            record_articles(connection, [article], alerted=True)
            Ledger().write(connection, [Ingested(article, (OIL,), story_id="one-story")], TOPICS)
    await sender.drain()
    assert len(api.messages(1)) == 2 and api.calls("editMessageText") == []


async def test_a_first_alert_telegram_refused_does_not_hide_the_next_copy(
    api: BotApiDouble, bot: Bot, database_url: str
) -> None:
    engine = setup(database_url, {1: "oil"})
    sender = Sender(engine, TelegramTransport(bot), TokenBucketLimiter())
    stories = StoryAssignment()
    api.fail(1, Answer.bad_request("Bad Request: can't parse entities: unsupported tag"))
    ingest_copy(engine, stories, 0)
    await sender.drain()
    assert api.messages(1) == []
    ingest_copy(engine, stories, 1)
    await sender.drain()
    (alert,) = api.messages(1)
    assert "Saudi Abqaiq crude oil plant halted" in alert["text"]
    assert api.calls("editMessageText") == []
    assert [(kind, state) for kind, state, _ in rows(engine, 1)] == [
        ("alert", "failed"),
        ("alert", "sent"),
    ]
    ingest_copy(engine, stories, 2)  # the next copy edits the alert the chat did get
    await sender.drain()
    (edit,) = api.calls("editMessageText")
    with engine.connect() as connection:
        told = connection.scalar(
            select(deliveries.c.message_id).where(
                deliveries.c.kind == "alert", deliveries.c.state == "sent"
            )
        )
    assert int(edit["message_id"]) == told


async def test_an_outage_that_exhausts_the_first_alert_sends_the_queued_copy_instead(
    api: BotApiDouble, bot: Bot, database_url: str
) -> None:
    engine = setup(database_url, {1: "oil"})
    stories = StoryAssignment()
    api.fail(1, Answer.server_error(502), Answer.server_error(502))
    ingest_copy(engine, stories, 0)
    ingest_copy(engine, stories, 1)  # an edit, queued while the alert is being retried
    sender = Sender(
        engine,
        TelegramTransport(bot),
        TokenBucketLimiter(),
        max_attempts=2,
        random_source=lambda: 0.0,
    )
    await sender.drain(max_wait=15)
    (alert,) = api.messages(1)
    assert "Abqaiq" in alert["text"] and "2 sources" in alert["text"]
    assert any(button for row in alert["reply_markup"]["inline_keyboard"] for button in row)
    assert [(kind, state) for kind, state, _ in rows(engine, 1)] == [
        ("alert", "failed"),
        ("alert", "sent"),
    ]


async def test_a_held_alert_is_not_edited_and_a_later_copy_is_not_held_again(
    database_url: str,
) -> None:
    engine = setup(database_url, {1: "oil", 2: "oil"})
    now = datetime.now(UTC)
    start = (now.hour * 60 + now.minute - 60) % 1440
    with engine.begin() as connection:
        subs.set_quiet_hours(connection, 1, (start, (start + 180) % 1440))
    stories = StoryAssignment()
    ingest_copy(engine, stories, 0)
    ingest_copy(engine, stories, 1)
    ingest_copy(engine, stories, 2)
    assert [(kind, state) for kind, state, _ in rows(engine, 1)] == [("alert", "held")]
    # The chat without quiet hours: its alert, and only the newest edit left to send.
    assert [(kind, state) for kind, state, _ in rows(engine, 2)] == [
        ("alert", "pending"),
        ("edit", "cancelled"),
        ("edit", "pending"),
    ]
    transport = ScriptedTransport()
    await Sender(engine, transport).drain()
    assert transport.sent_to(1) == [] and len(transport.sent_to(2)) == 1
    ((_, _, text),) = transport.edits
    assert "3 sources" in text


async def test_an_edit_telegram_refuses_is_failed_with_the_reason(database_url: str) -> None:
    engine = setup(database_url, {1: "oil"})
    stories = StoryAssignment()
    ingest_copy(engine, stories, 0)
    transport = ScriptedTransport()
    await Sender(engine, transport).drain()
    transport.edit_script[1].append(Rejected("Bad Request: message can't be edited"))
    ingest_copy(engine, stories, 1)
    await Sender(engine, transport).drain()
    with engine.connect() as connection:
        error = connection.scalar(
            select(deliveries.c.last_error).where(
                deliveries.c.kind == "edit", deliveries.c.state == "failed"
            )
        )
    assert error == "Bad Request: message can't be edited"
    assert len(transport.sent) == 1  # never a second message instead


def test_processes_ingesting_copies_at_once_make_one_story(tmp_path: Path) -> None:
    with database_url_for("postgresql", tmp_path) as url:
        engines = [setup(url, {1: "oil"}), open_database(url)]
        processes = [StoryAssignment(), StoryAssignment()]
        start = threading.Barrier(2)

        def work(number: int) -> None:
            start.wait()
            ingest_copy(engines[number], processes[number], number)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with engines[0].connect() as connection:
            story_ids = set(connection.scalars(select(articles.c.story_id)))
        assert len(story_ids) == 1
        assert [kind for kind, _, _ in rows(engines[0], 1)] == ["alert", "edit"]
        for engine in engines:
            engine.dispose()


def _buttons(keyboard: dict[str, Any] | None) -> list[str]:
    """The labels of a message's inline buttons, as its chat sees them now."""
    return [button["text"] for row in (keyboard or {}).get("inline_keyboard", []) for button in row]


async def test_edits_keep_the_alerts_buttons_and_their_undo_state_within_the_group_budget(
    database_url: str,
) -> None:
    group, private = -5005, 7007
    engine = setup(database_url, {group: "oil", private: "oil"})
    # Edits count in the group's budget here; 12 a minute keeps the test short.
    with BotApiDouble(count_edits=True, group_per_minute=12) as api:
        async with Bot(api.token, base_url=f"{api.url}/bot") as client:
            transport = TelegramTransport(client, lambda: TOPICS)
            sender = Sender(engine, transport, TokenBucketLimiter(Limits(group_per_minute=12)))
            stories = StoryAssignment()
            ingest_copy(engine, stories, 0)
            await sender.drain()
            with engine.begin() as connection:  # what pressing "🔕 Less like this" stores
                subs.mute_rules(connection, group, [("oil", "crude")])
            # Later copies match another rule of the topic: they edit the alert.
            ingest_copy(engine, stories, 1, OIL_HIGH)
            await sender.drain()
            ingest_copy(engine, stories, 2, OIL_HIGH)
            await sender.drain(max_wait=20)
            sent = {m["chat_id"]: m for m in api.messages()}
            assert set(sent) == {group, private}
            with engine.connect() as connection:
                ids = dict(
                    connection.execute(
                        select(deliveries.c.chat_id, deliveries.c.message_id).where(
                            deliveries.c.kind == "alert"
                        )
                    ).all()
                )
            edits = api.calls("editMessageText")
            assert sorted(int(e["chat_id"]) for e in edits) == [group, group, private, private]
            assert "3 sources" in edits[-1]["text"]
            assert _buttons(api.keyboard(group, ids[group])) == [
                "↩️ Undo: hear these again",
                "Unsubscribe Oil",
            ]
            assert _buttons(api.keyboard(private, ids[private])) == [
                "🔕 Less like this",
                "Unsubscribe Oil",
            ]
            assert api.violations == 0


def _outlet(number: int, copy_of: tuple[str, str, str], minutes: int) -> Article:
    source, title, summary = copy_of
    published = AT + timedelta(minutes=minutes)
    return linked(f"https://{source}.example/{number}", title, summary, source, published)


async def test_a_fresh_bot_sends_one_message_per_story_then_edits_keeping_its_buttons(
    api: BotApiDouble, bot: Bot, database_url: str
) -> None:
    engine = setup(database_url, {1: "oil"})  # an empty database: no window to weigh words
    sender = Sender(engine, TelegramTransport(bot, lambda: TOPICS), TokenBucketLimiter())
    stories = StoryAssignment()
    ingest = ingest_matching(engine, TOPICS, OIL, stories=stories)
    for number, outlet in enumerate(POWELL):
        ingest([_outlet(number, outlet, 9 * number)])
        await sender.drain()
    (alert,) = api.messages(1)
    assert "Powell" in alert["text"]
    edits = api.calls("editMessageText")
    assert edits and "7 sources" in edits[-1]["text"]
    with engine.connect() as connection:
        message_id = connection.scalar(
            select(deliveries.c.message_id).where(deliveries.c.kind == "alert")
        )
    assert _buttons(api.keyboard(1, int(message_id))) == ["🔕 Less like this", "Unsubscribe Oil"]
    # Two companies' results the same minute, one template: two alerts, never an edit.
    before = len(edits)
    for number, title in enumerate(
        (
            "BRIEF-Acme Safety Q4 Adjusted EPS USD 2.25 Vs. IBES Estimate USD 2.24",
            "BRIEF-Globex Payments Q4 Adjusted EPS USD 2.95 Vs. IBES Estimate USD 2.96",
        )
    ):
        ingest([_outlet(100 + number, ("reuters", title, ""), 120)])
        await sender.drain()
    assert len(api.messages(1)) == 3 and len(api.calls("editMessageText")) == before
