"""Forum topics: `/subscribe` in a topic routes alerts there; reopening releases what it held."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection
from telegram import Update

from bot.storage import forums
from bot.storage import subscriptions as subs
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.formatting import escape


@dataclass(frozen=True, slots=True)
class Routed:
    """What a `/subscribe` in a forum changed: the topic it routed to, alerts it released."""

    thread_id: int | None
    moved: int
    released: int


def route_here(
    connection: Connection,
    chat_id: int,
    thread_id: int | None,
    topics: Sequence[str],
    tickers: Sequence[str],
) -> Routed:
    """Route these subscriptions to the forum topic (None: General); reopen it if it was closed."""
    moved = forums.set_route(connection, chat_id, subs.TOPIC, topics, thread_id)
    moved += forums.set_route(connection, chat_id, subs.TICKER, tickers, thread_id)
    released = forums.reopen_topic(connection, chat_id, thread_id, now=datetime.now(UTC))
    return Routed(thread_id, moved, released)


def routed_lines(routed: Routed | None) -> list[str]:
    """What the chat is told about where its alerts go now."""
    if routed is None or not routed.moved:
        return []
    where = "this topic" if routed.thread_id is not None else "the General topic"
    lines = [f"Their alerts go to {where}."]
    if routed.released:
        count = "1 alert" if routed.released == 1 else f"{routed.released} alerts"
        lines.append(f"{count} held while the topic was closed will follow now.")
    return lines


async def forum_lines(context: BotContext) -> list[str]:
    """`/list`'s lines about a forum's topics: which subscriptions go where, which are closed."""
    if not getattr(context.chat, "is_forum", False):
        return []
    chat_id = context.chat.id

    def work(connection: Connection) -> tuple[list[forums.Route], int]:
        return forums.chat_routes(connection, chat_id), forums.held_for_topics(connection, chat_id)

    routes, held = await context.transaction(work)
    if not routes:
        return ["", "Forum topics: every alert goes to General."]
    by_thread: dict[int, list[forums.Route]] = {}
    for route in routes:
        if route.thread_id is not None:
            by_thread.setdefault(route.thread_id, []).append(route)
    lines = ["", "<b>Forum topics</b>"]
    for thread_id, group in by_thread.items():
        names = [r.value if r.kind == subs.TOPIC else f"${r.value}" for r in group]
        state = " (closed: alerts held)" if group[0].closed else ""
        lines.append(f"Topic {thread_id}{state}: " + escape(", ".join(names)))
    lines.append("Everything else: General.")
    if held:
        lines.append(f"{held} held for closed topics: reopen, then /subscribe there.")
    return lines


async def topic_reopened(update: Update, context: BotContext) -> None:
    """A `forum_topic_reopened` service message: the topic's held alerts go out."""
    message = update.effective_message
    if message is None or message.message_thread_id is None:
        return
    chat_id, thread_id = context.chat.id, message.message_thread_id
    await context.transaction(
        lambda connection: forums.reopen_topic(
            connection, chat_id, thread_id, now=datetime.now(UTC)
        )
    )
