"""One alert per story in the ledger and the sender: edits, held alerts, refused edits, fleets."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from bot.article import Article
from bot.delivery.ledger import make_enqueuer
from bot.delivery.sender import Sender
from bot.delivery.transports import Rejected
from bot.pipeline import Ingested, ingest
from bot.rules import Match, Topic
from bot.runtime.story_assignment import StoryAssignment
from bot.storage import subscriptions as subs
from bot.storage.db import open_database
from bot.storage.models import articles, deliveries
from tests.databases import database_url_for
from tests.delivery.scripted import ScriptedTransport
from tests.story_copies import STRIKE

TOPICS = {
    "oil": Topic("oil", "Oil", "Crude", "🛢", "rules/oil.yaml"),
    "gulf": Topic("gulf", "Gulf", "Gulf states", "🏜", "rules/gulf.yaml"),
}
OIL = Match("oil", "crude", "normal", "active", ("crude oil",))
GULF = Match("gulf", "saudi", "high", "active", ("Saudi",))
AT = datetime(2026, 3, 2, 14, 2, tzinfo=UTC)


def copy(number: int) -> Article:
    """The story as outlet `number` tells it."""
    source, title, summary = STRIKE[number]
    return Article(
        id=f"https://{source}.example/strike",
        title=title,
        summary=summary,
        link=f"https://{source}.example/strike",
        source=source,
        published=AT + timedelta(minutes=7 * number),
    )


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
    return ingest(
        engine,
        [copy(number)],
        match=lambda _: matches or (OIL,),
        enqueue=make_enqueuer(lambda: TOPICS),
        stories=stories,
    )


def rows(engine: Engine, chat_id: int) -> list[tuple[str, str, str]]:
    """A chat's deliveries: (kind, state, text), oldest first."""
    with engine.connect() as connection:
        found = connection.execute(
            select(deliveries.c.kind, deliveries.c.state, deliveries.c.text)
            .where(deliveries.c.chat_id == chat_id)
            .order_by(deliveries.c.id)
        )
        return [tuple(row) for row in found]  # type: ignore[misc]


async def test_an_edit_waits_for_its_alert_and_names_a_topic_the_alert_lacked(
    database_url: str,
) -> None:
    engine = setup(database_url, {1: "oil"})
    with engine.begin() as connection:
        subs.subscribe(connection, 1, "topic", ["gulf"])
    stories = StoryAssignment()
    ingest_copy(engine, stories, 0)
    ingest_copy(engine, stories, 1, OIL, GULF)  # queued before the alert is even sent
    transport = ScriptedTransport()
    await Sender(engine, transport).drain()
    assert len(transport.sent_to(1)) == 1
    ((chat, message_id, text),) = transport.edits
    assert (chat, message_id) == (1, 1)  # the alert's message, once Telegram gave its id
    assert text.startswith(transport.sent_to(1)[0])
    assert "2 sources" in text and "also 🏜 Gulf" in text and "now ⚠️ high priority" in text
    assert [(kind, state) for kind, state, _ in rows(engine, 1)] == [
        ("alert", "sent"),
        ("edit", "sent"),
    ]


async def test_an_edit_names_a_watch_the_alert_lacked_by_its_eye_alone(
    database_url: str,
) -> None:
    engine = setup(database_url, {1: "oil"})
    stories = StoryAssignment()
    ingest_copy(engine, stories, 0)
    watch = Match("watch:1", "swisscom", "normal", "active", ("strike",))
    ingest_copy(engine, stories, 1, OIL, watch)
    transport = ScriptedTransport()
    await Sender(engine, transport).drain()
    ((_, _, text),) = transport.edits
    assert "➕ also 👁 swisscom" in text and "📰" not in text


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
