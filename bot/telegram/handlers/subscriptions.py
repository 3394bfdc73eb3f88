"""/topics, /subscribe, /unsubscribe, /list and the topic buttons: what a chat follows."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection
from telegram import Update
from telegram.error import BadRequest

from bot.alerts.render import shorten
from bot.rules import Topic
from bot.rules.watches import watch_label
from bot.storage import subscriptions as subs
from bot.storage import watches
from bot.telegram.handlers.context import REFUSAL, BotContext
from bot.telegram.handlers.formatting import escape, topic_label, topic_line
from bot.telegram.handlers.forums import Routed, forum_lines, route_here, routed_lines
from bot.telegram.handlers.hours import hours_lines, list_hours
from bot.telegram.handlers.keyboards import TOGGLE_PREFIX, topics_keyboard
from bot.telegram.handlers.markets import market_lines
from bot.telegram.handlers.targets import named_targets, not_tickers, some_of, unknown_topics
from bot.tickers import normalize_symbol
from bot.wording import count

log = logging.getLogger(__name__)

SUBSCRIBE_USAGE = "Usage: /subscribe oil gold $USO (topics from /topics, tickers with $)."
UNSUBSCRIBE_USAGE = "Usage: /unsubscribe oil $USO, or /unsubscribe all."
# A ticker no article carried is worth a word only once the bot has read enough to know.
TICKERS_JUDGED_AFTER = 500
REMOVED = "The bot was removed from this chat: add it again, then subscribe."


def followed_topics(connection: Connection, chat_id: int) -> set[str]:
    """The ids of the topics a chat follows."""
    return {
        value for kind, value in subs.chat_subscriptions(connection, chat_id) if kind == subs.TOPIC
    }


async def topics(update: Update, context: BotContext) -> None:
    """/topics: every topic with its title and description, a toggle button for each."""
    current = context.state.topics()
    if not current:
        await context.reply("No topics are defined yet.")
        return
    followed = await context.transaction(followed_topics, context.chat.id)
    lines = ["<b>Topics</b> (press to follow or drop):", ""]
    lines += [topic_line(topic) for _, topic in sorted(current.items())]
    await context.reply("\n".join(lines), topics_keyboard(current, followed))


async def subscribe(update: Update, context: BotContext) -> None:
    """/subscribe oil gold $USO: follow topics and tickers, several at once."""
    chat, current = context.chat, context.state.topics()
    if not context.words:
        followed = await context.transaction(followed_topics, chat.id)
        await context.reply(SUBSCRIBE_USAGE, topics_keyboard(current, followed))
        return
    if not await context.may_change():
        await context.refuse()
        return
    names, tickers = named_targets(context.words, current)
    known = [name for name in names if name in current]
    symbols = [symbol for ticker in tickers if (symbol := normalize_symbol(ticker))]
    limit = context.state.max_tickers
    forum, thread_id = bool(getattr(chat, "is_forum", False)), context.thread_id

    def work(connection: Connection) -> _Subscribed | None:
        # Write first: on SQLite a read followed by a write can fail at once when another
        # process wrote in between; on PostgreSQL the chat's row lock serialises its commands.
        subs.remember_chat(connection, chat.id, chat.type)
        if subs.is_kicked(connection, chat.id):
            return None
        added_tickers, refused = subs.subscribe_up_to(
            connection, chat.id, subs.TICKER, symbols, limit
        )
        added_topics = subs.subscribe(connection, chat.id, subs.TOPIC, known)
        kept = [symbol for symbol in symbols if symbol not in refused]
        return _Subscribed(
            topics=added_topics,
            tickers=added_tickers,
            refused=refused,
            unseen=subs.unseen_tickers(connection, added_tickers)
            if subs.articles_recorded(connection, up_to=TICKERS_JUDGED_AFTER)
            >= TICKERS_JUDGED_AFTER
            else [],
            routed=route_here(connection, chat.id, thread_id, known, kept) if forum else None,
        )

    done = await context.transaction(work)
    if done is None:  # a late update, or an old message, from a chat the bot was removed from
        log.info("no subscription for chat %d: the bot was removed from it", chat.id)
        await context.reply(REMOVED)
        return
    within_limit = [symbol for symbol in symbols if symbol not in done.refused]
    lines = _subscribed(current, known, within_limit, done.topics, done.tickers)
    lines += routed_lines(done.routed)
    if done.refused:
        lines.append(_over_limit(done.refused, limit))
    if done.unseen:
        shown = some_of([f"${escape(s)}" for s in done.unseen])
        lines.append(
            f"No article so far has carried {shown}: subscribed anyway, check the spelling."
        )
    lines += filter(None, [unknown_topics([n for n in names if n not in current], current)])
    lines += filter(None, [not_tickers([t for t in tickers if normalize_symbol(t) is None])])
    await context.reply("\n".join(lines))


@dataclass(frozen=True, slots=True)
class _Subscribed:
    """What one /subscribe changed: topics and tickers added, tickers over the limit, unseen."""

    topics: list[str]
    tickers: list[str]
    refused: list[str]
    unseen: list[str]
    routed: Routed | None = None  # in a forum: the topic its alerts go to now


def _over_limit(refused: list[str], limit: int) -> str:
    """Why some tickers were not added: the chat's limit."""
    count = len(refused)
    what = "1 ticker" if count == 1 else f"{count} tickers"
    shown = some_of([f"${escape(symbol)}" for symbol in refused], shown=5)
    return (
        f"{what} not added ({shown}): a chat follows at most {limit} tickers. "
        "/unsubscribe some to make room."
    )


def _subscribed(
    current: Mapping[str, Topic],
    topic_ids: list[str],
    symbols: list[str],
    added_topics: list[str],
    added_tickers: list[str],
) -> list[str]:
    """What /subscribe added, and what the chat followed already."""
    added = [topic_label(current, t) for t in added_topics] + [f"${t}" for t in added_tickers]
    already = [topic_label(current, t) for t in topic_ids if t not in added_topics]
    already += [f"${t}" for t in symbols if t not in added_tickers]
    lines = []
    if added:
        lines.append("Subscribed to " + ", ".join(added) + ".")
    if already:
        lines.append("Already following " + ", ".join(already) + ".")
    return lines


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/unsubscribe oil $USO, or /unsubscribe all."""
    chat, words = context.chat, context.words
    if not words:
        await context.reply(UNSUBSCRIBE_USAGE)
        return
    if not await context.may_change():
        await context.refuse()
        return
    if [word.lower() for word in words] == ["all"]:

        def drop_all(connection: Connection) -> tuple[int, list[watches.Watch]]:
            return subs.unsubscribe_all(connection, chat.id), watches.chat_watches(
                connection, chat.id
            )

        dropped, kept = await context.transaction(drop_all)
        lines = [f"Unsubscribed from every topic and ticker ({count(dropped, 'subscription')})."]
        if kept:
            lines.append(
                f"{_watches_left(kept)} stay and keep alerting: /unwatch all removes them too."
            )
        await context.reply("\n".join(lines))
        return
    current = context.state.topics()
    # Names the rules no longer define are dropped too: the chat may still follow them.
    names, tickers = named_targets(words, current)

    def work(connection: Connection) -> list[str]:
        return subs.unsubscribe(connection, chat.id, subs.TOPIC, names) + [
            f"${t}" for t in subs.unsubscribe(connection, chat.id, subs.TICKER, tickers)
        ]

    removed = await context.transaction(work)
    await context.reply("\n".join(_unsubscribed(current, names, tickers, removed)))


def _unsubscribed(
    current: Mapping[str, Topic], names: list[str], tickers: list[str], removed: list[str]
) -> list[str]:
    """What /unsubscribe dropped, what the chat did not follow, and names that are no topic."""
    # Topics by emoji and title, as /subscribe and /list name them; tickers as `$USO`.
    dropped = [topic_label(current, r) if r in current else escape(r) for r in removed]
    missing = [topic_label(current, n) for n in names if n not in removed and n in current]
    missing += [escape(f"${t}") for t in tickers if f"${t}" not in removed]
    lines = []
    if dropped:
        lines.append("Unsubscribed from " + ", ".join(dropped) + ".")
    if missing:
        lines.append("Not following " + ", ".join(missing) + ".")
    unknown = [n for n in names if n not in removed and n not in current]
    lines += filter(None, [unknown_topics(unknown, current)])
    return lines


async def list_subscriptions(update: Update, context: BotContext) -> None:
    """/list: this chat's topics and tickers, its hours, digests, mute and muted rules."""
    chat_id = context.chat.id

    def work(
        connection: Connection,
    ) -> tuple[list[tuple[str, str]], list[watches.Watch], subs.ChatSettings, int]:
        return (
            subs.chat_subscriptions(connection, chat_id),
            watches.chat_watches(connection, chat_id),
            *list_hours(connection, chat_id),
        )

    rows, chat_watches, settings, held_alerts = await context.transaction(work)
    current = context.state.topics()
    topic_names = [
        topic_label(current, v) + ("" if v in current else " (no longer in the rules)")
        for k, v in rows
        if k == subs.TOPIC
    ]
    tickers = [f"${escape(v)}" for k, v in rows if k == subs.TICKER]
    limit = context.state.max_tickers
    if not rows and not chat_watches:
        lines = ["This chat follows nothing yet. Try /topics or /subscribe oil $USO."]
    else:
        lines = ["<b>This chat follows</b>"]
        if topic_names:
            lines.append(f"Topics ({len(topic_names)}): " + ", ".join(topic_names))
        if tickers:
            shown = f"{len(tickers)} of at most {limit}"
            if len(tickers) > limit:  # followed before the limit was set or lowered
                shown = f"{len(tickers)}, over the limit of {limit}: no new ones until fewer"
            lines.append(f"Tickers ({shown}): " + ", ".join(tickers))
        if chat_watches:
            lines.append(f"{_watches_left(chat_watches)} (/watches lists their queries)")
    now = datetime.now(UTC)
    lines += ["", *hours_lines(settings, context.state.default_zone, held_alerts, now)]
    lines += await market_lines(context)
    lines += await forum_lines(context)
    await context.reply("\n".join(lines))


def _watches_left(found: list[watches.Watch]) -> str:
    """The chat's watches by name, in one phrase: `Watches (2): 👁 hormuz, 👁 peace`."""
    names = some_of([escape(watch_label(w.name)) for w in found])
    return f"Watches ({len(found)}): {names}"


async def toggle_topic(update: Update, context: BotContext) -> None:
    """A topic button: follow or drop that topic, then redraw the buttons."""
    query = update.callback_query
    if query is None or query.message is None or query.data is None:
        return
    chat, current = query.message.chat, context.state.topics()
    topic_id = query.data.removeprefix(TOGGLE_PREFIX)
    if topic_id not in current:
        await query.answer("That topic no longer exists; see /topics.", show_alert=True)
        return
    if not await context.may_change():
        await query.answer(REFUSAL, show_alert=True)
        return

    def work(connection: Connection) -> tuple[bool, set[str]] | None:
        subs.remember_chat(connection, chat.id, chat.type)  # first: see subscribe
        if subs.is_kicked(connection, chat.id):
            return None
        removed = subs.unsubscribe(connection, chat.id, subs.TOPIC, [topic_id])
        if not removed:
            subs.subscribe(connection, chat.id, subs.TOPIC, [topic_id])
        return not removed, followed_topics(connection, chat.id)

    done = await context.transaction(work)
    if done is None:
        await query.answer(REMOVED, show_alert=True)
        return
    now_following, followed = done
    title = shorten(current[topic_id].title or topic_id, 150)
    await query.answer(("Following " if now_following else "Dropped ") + title)
    try:
        await query.edit_message_reply_markup(reply_markup=topics_keyboard(current, followed))
    except BadRequest as error:  # "message is not modified", or too old to edit
        log.debug("topic buttons not redrawn: %s", error)
