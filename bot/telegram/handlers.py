"""Command, button and membership handlers: small async functions over the database."""

from __future__ import annotations

import asyncio
import difflib
import html
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Connection, Engine
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.alerts.render import shorten, tg_length
from bot.delivery.ledger import forget_chat, move_chat
from bot.delivery.limiter import Limiter
from bot.durations import format_duration, parse_duration
from bot.rules import RuleBook, Topic
from bot.storage import subscriptions as subs

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_TICKER = re.compile(r"[.^]?[A-Z0-9][A-Z0-9.:=^&/_-]{0,23}")  # as bot/tickers.py finds them
_MAX_BUTTONS = 96
_MAX_MUTE = timedelta(days=365)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_ADMIN_STATUSES = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)
_GONE_STATUSES = (ChatMember.LEFT, ChatMember.BANNED)
TOGGLE_PREFIX = "t:"


@dataclass(frozen=True, slots=True)
class BotHooks:
    """What the runtime provides: `/status` text and the `/reload` action (sync or async)."""

    status_text: Callable[[], str | Awaitable[str]] = field(
        default=lambda: "newsbot is running. No further status is wired in."
    )
    reload: Callable[[], str | Awaitable[str]] = field(
        default=lambda: "Reloading is not available in this process."
    )


@dataclass(frozen=True, slots=True)
class BotState:
    """What every handler needs; kept in `application.bot_data`, read fresh on each update."""

    engine: Engine
    rulebook: Callable[[], RuleBook]
    hooks: BotHooks
    admin_ids: frozenset[int]
    limiter: Limiter | None = None  # the sender's, so replies and alerts share one budget

    def topics(self) -> Mapping[str, Topic]:
        """The topics of the rule book in force now (rules reload at runtime)."""
        return self.rulebook().topics


STATE_KEY = "newsbot"


def _state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    state: BotState = context.application.bot_data[STATE_KEY]
    return state


async def _db(engine: Engine, work: Callable[..., _T], *args: object) -> _T:
    """Run one transaction off the event loop."""

    def transaction() -> _T:
        with engine.begin() as connection:
            return work(connection, *args)

    return await asyncio.to_thread(transaction)


def command_args(message: Message) -> list[str]:
    """The words after the command (`/subscribe@bot oil, gold` gives `oil`, `gold`)."""
    words = (message.text or "").replace(",", " ").split()
    return words[1:]


async def _reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    limiter = _state(context).limiter
    if limiter is not None:
        while (wait := await limiter.try_acquire(chat.id, group=chat.id < 0)) > 0:
            await asyncio.sleep(min(wait, 5.0))
    await chat.send_message(
        text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW, reply_markup=markup
    )


async def _may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Private chats always; in groups and channels only the chat's admins."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == Chat.PRIVATE:
        return True
    message = update.effective_message
    if update.callback_query is None:
        if chat.type == Chat.CHANNEL:
            return True  # only a channel's admins can post in it
        if message is not None and message.sender_chat and message.sender_chat.id == chat.id:
            return True  # an anonymous group admin posts as the group itself
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        log.warning("cannot check admin rights in chat %d: %s", chat.id, error)
        return False
    return member.status in _ADMIN_STATUSES


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _reply(update, context, "Only this chat's admins can change its subscriptions.")


def _topic_line(topic: Topic) -> str:
    title = html.escape(shorten(topic.title or topic.id, 64), quote=False)
    line = (
        f"{html.escape(topic.emoji or '📰', quote=False)} <b>{title}</b> (<code>{topic.id}</code>)"
    )
    if topic.description:
        line += " — " + html.escape(shorten(" ".join(topic.description.split()), 160), quote=False)
    return line


def topics_keyboard(topics: Mapping[str, Topic], followed: set[str]) -> InlineKeyboardMarkup | None:
    """A button per topic (✅ followed, ➕ not), two to a row; pressing one toggles it."""
    buttons = [
        InlineKeyboardButton(
            f"{'✅' if topic_id in followed else '➕'} {topic.emoji or ''} {topic.title}".strip()[
                :60
            ],
            callback_data=f"{TOGGLE_PREFIX}{topic_id}",
        )
        for topic_id, topic in sorted(topics.items())[:_MAX_BUTTONS]
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _followed_topics(connection: Connection, chat_id: int) -> set[str]:
    return {
        value for kind, value in subs.chat_subscriptions(connection, chat_id) if kind == "topic"
    }


def _fit(lines: list[str], limit: int = 3800) -> str:
    """Join lines, stopping before Telegram's message limit."""
    kept, used = [], 0
    for line in lines:
        used += tg_length(line) + 1
        if used > limit:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept)


HELP = (
    "I send alerts about geopolitical news that moves markets: oil, gold, wars, sanctions, "
    "trade and central banks.\n\n"
    "/topics: every topic, with buttons to follow or drop it\n"
    "/subscribe oil gold $USO: follow topics and tickers\n"
    "/unsubscribe oil, /unsubscribe all\n"
    "/list: what this chat follows\n"
    "/mute 2h, /unmute: pause alerts (critical ones still come)\n"
    "/help: this message\n\n"
    "In groups and channels only admins change subscriptions."
)


USER_COMMANDS = (
    BotCommand("start", "What this bot does"),
    BotCommand("help", "Commands and topics"),
    BotCommand("topics", "Every topic, with buttons to follow or drop it"),
    BotCommand("subscribe", "Follow topics and $TICKERS: /subscribe oil $USO"),
    BotCommand("unsubscribe", "Drop topics or tickers: /unsubscribe oil, or all"),
    BotCommand("list", "What this chat follows"),
    BotCommand("mute", "Pause alerts: /mute 2h (critical ones still come)"),
    BotCommand("unmute", "Alerts again"),
)
OPERATOR_COMMANDS = (
    BotCommand("status", "Operators: sources, rules, queue"),
    BotCommand("reload", "Operators: reload the rules now"),
)


async def register_commands(bot: Bot, admin_ids: frozenset[int]) -> None:
    """The command menu: subscribers' commands for everyone, operators' too for admins.

    Best effort: a menu Telegram will not take now never keeps the bot from starting.
    """
    try:
        await bot.set_my_commands(list(USER_COMMANDS))
    except TelegramError as error:
        log.warning("command menu not set (%s); commands still work", error.message)
    for admin in sorted(admin_ids):
        await _operator_menu(bot, admin)


async def _operator_menu(bot: Bot, admin: int) -> None:
    try:
        scope = BotCommandScopeChat(admin)
        await bot.set_my_commands([*USER_COMMANDS, *OPERATOR_COMMANDS], scope=scope)
    except BadRequest:
        # Telegram knows no private chat with this admin yet; their /start sets the menu.
        log.debug("operator %s has no private chat with the bot yet", admin)
    except TelegramError as error:
        log.warning("operator %s's command menu not set (%s)", admin, error.message)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what the bot does, the commands, the topics as buttons."""
    state, chat = _state(context), update.effective_chat
    if chat is None:
        return
    await _db(state.engine, subs.remember_chat, chat.id, chat.type)
    followed = await _db(state.engine, _followed_topics, chat.id)
    await _reply(update, context, HELP, topics_keyboard(state.topics(), followed))
    if chat.type == Chat.PRIVATE and _is_operator(update, state):
        await _operator_menu(context.bot, chat.id)


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/topics: every topic with its title and description, a toggle button for each."""
    state, chat = _state(context), update.effective_chat
    if chat is None:
        return
    current = state.topics()
    if not current:
        await _reply(update, context, "No topics are defined yet.")
        return
    followed = await _db(state.engine, _followed_topics, chat.id)
    lines = ["<b>Topics</b> (press to follow or drop):", ""]
    lines += [_topic_line(topic) for _, topic in sorted(current.items())]
    await _reply(update, context, _fit(lines), topics_keyboard(current, followed))


def _split_targets(args: list[str]) -> tuple[list[str], list[str]]:
    """Topic names (lower case) and tickers (`$USO` → `USO`) among command arguments."""
    names, tickers = [], []
    for arg in args:
        if arg.startswith("$"):  # a lone `$` is a ticker that is not one, said as such
            tickers.append(arg[1:].upper())
        else:
            names.append(arg.lower())
    return names, tickers


def _near(name: str, topics: Mapping[str, Topic]) -> list[str]:
    """Up to three topics whose id or title is close to the name, the closest first."""
    scores: dict[str, float] = {}
    for topic_id, topic in topics.items():
        for text, cutoff in ((topic_id, 0.5), (topic.title.lower(), 0.6)):
            score = difflib.SequenceMatcher(None, name, text).ratio()
            if score >= cutoff:
                scores[topic_id] = max(scores.get(topic_id, 0.0), score)
    if not scores:
        return []
    # Only the close race: `oli` suggests oil, not gold as well.
    best = max(scores.values())
    ranked = sorted(scores, key=lambda topic_id: -scores[topic_id])
    return [topic_id for topic_id in ranked if scores[topic_id] >= best - 0.05][:3]


def _by_title(args: list[str], topics: Mapping[str, Topic]) -> str | None:
    """The topic whose title the arguments spell out (`/subscribe Crude oil`), if any.

    Ids and tickers come first: `/subscribe oil` is topic `oil` even if another is titled Oil.
    """
    if all(arg.lower() in topics or arg.startswith("$") for arg in args):
        return None
    wanted = " ".join(args).casefold()
    return next((t for t, topic in topics.items() if topic.title.casefold() == wanted), None)


def _unknown_topic(name: str, topics: Mapping[str, Topic]) -> str:
    shown = html.escape(shorten(name, 40), quote=False)
    near = _near(name, topics)
    if near:
        return f"Unknown topic “{shown}”. Did you mean: {', '.join(near)}?"
    hint = f" For a ticker write ${shown.upper()}." if _TICKER.fullmatch(name.upper()) else ""
    return f"Unknown topic “{shown}”. See /topics.{hint}"


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscribe oil gold $USO: follow topics and tickers, several at once."""
    state, chat, message = _state(context), update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    args = command_args(message)
    current = state.topics()
    if not args:
        followed = await _db(state.engine, _followed_topics, chat.id)
        await _reply(
            update,
            context,
            "Usage: /subscribe oil gold $USO (topics from /topics, tickers with $).",
            topics_keyboard(current, followed),
        )
        return
    if not await _may_change(update, context):
        await _refuse(update, context)
        return
    titled = _by_title(args, current)
    names, tickers = ([titled], []) if titled else _split_targets(args)
    known = [name for name in names if name in current]
    problems = [_unknown_topic(name, current) for name in names if name not in current]
    bad = [t for t in tickers if not _TICKER.fullmatch(t)]
    problems += [f"“${html.escape(shorten(t, 30), quote=False)}” is not a ticker." for t in bad]
    good = [t for t in tickers if _TICKER.fullmatch(t)]

    def work(connection: Connection) -> tuple[list[str], list[str]]:
        subs.remember_chat(connection, chat.id, chat.type)
        return (
            subs.subscribe(connection, chat.id, subs.TOPIC, known),
            subs.subscribe(connection, chat.id, subs.TICKER, good),
        )

    added_topics, added_tickers = await _db(state.engine, work)
    lines = []
    added = [_title(current, t) for t in added_topics] + [f"${t}" for t in added_tickers]
    already = [_title(current, t) for t in known if t not in added_topics]
    already += [f"${t}" for t in good if t not in added_tickers]
    if added:
        lines.append("Subscribed to " + ", ".join(added) + ".")
    if already:
        lines.append("Already following " + ", ".join(already) + ".")
    await _reply(update, context, "\n".join(lines + problems))


def _title(topics: Mapping[str, Topic], topic_id: str) -> str:
    topic = topics.get(topic_id)
    label = f"{topic.emoji} {topic.title}".strip() if topic else topic_id
    return html.escape(label, quote=False)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unsubscribe oil $USO, or /unsubscribe all."""
    state, chat, message = _state(context), update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    args = command_args(message)
    if not args:
        await _reply(update, context, "Usage: /unsubscribe oil $USO, or /unsubscribe all.")
        return
    if not await _may_change(update, context):
        await _refuse(update, context)
        return
    if [arg.lower() for arg in args] == ["all"]:
        count = await _db(state.engine, subs.unsubscribe_all, chat.id)
        await _reply(update, context, f"Unsubscribed from everything ({count} subscriptions).")
        return
    current = state.topics()
    titled = _by_title(args, current)
    names, tickers = ([titled], []) if titled else _split_targets(args)

    def work(connection: Connection) -> list[str]:
        return subs.unsubscribe(connection, chat.id, subs.TOPIC, names) + [
            f"${t}" for t in subs.unsubscribe(connection, chat.id, subs.TICKER, tickers)
        ]

    removed = await _db(state.engine, work)
    missing = [n for n in names if n not in removed and n in current] + [
        f"${t}" for t in tickers if f"${t}" not in removed
    ]
    unknown = [n for n in names if n not in removed and n not in current]
    lines = []
    if removed:
        lines.append("Unsubscribed from " + html.escape(", ".join(removed), quote=False) + ".")
    if missing:
        lines.append("Not following " + html.escape(", ".join(missing), quote=False) + ".")
    lines += [_unknown_topic(name, current) for name in unknown]
    await _reply(update, context, "\n".join(lines))


async def list_subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/list: this chat's topics and tickers, and its mute."""
    state, chat = _state(context), update.effective_chat
    if chat is None:
        return

    def work(connection: Connection) -> tuple[list[tuple[str, str]], datetime | None]:
        return subs.chat_subscriptions(connection, chat.id), subs.muted_until(connection, chat.id)

    rows, until = await _db(state.engine, work)
    current = state.topics()
    topic_names = [_title(current, v) for k, v in rows if k == subs.TOPIC]
    tickers = [f"${html.escape(v, quote=False)}" for k, v in rows if k == subs.TICKER]
    if not rows:
        lines = ["This chat follows nothing yet. Try /topics or /subscribe oil $USO."]
    else:
        lines = ["<b>This chat follows</b>"]
        if topic_names:
            lines.append("Topics: " + ", ".join(topic_names))
        if tickers:
            lines.append("Tickers: " + ", ".join(tickers))
    if until is not None and until > datetime.now(UTC):
        lines.append(f"Muted until {until:%Y-%m-%d %H:%M} UTC (critical alerts still come).")
    await _reply(update, context, _fit(lines))


async def mute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mute 2h: no alerts for a while, except critical ones."""
    state, chat, message = _state(context), update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    text = "".join(command_args(message))
    try:
        # A bare number is ambiguous (2 what?): a unit is required.
        seconds = parse_duration(text) if text and not text.replace(".", "").isdigit() else 0.0
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        await _reply(update, context, "Usage: /mute 2h (also 30m, 1d, 1h30m).")
        return
    if not await _may_change(update, context):
        await _refuse(update, context)
        return
    span = timedelta(seconds=min(seconds, _MAX_MUTE.total_seconds()))
    capped = " (the longest mute)" if span == _MAX_MUTE else ""
    until = datetime.now(UTC) + span

    def work(connection: Connection) -> None:
        subs.remember_chat(connection, chat.id, chat.type)
        subs.set_muted_until(connection, chat.id, until)

    await _db(state.engine, work)
    await _reply(
        update,
        context,
        f"Muted for {format_duration(span.total_seconds())}{capped}, "
        f"until {until:%Y-%m-%d %H:%M} UTC. "
        "Critical alerts still come. /unmute to end it.",
    )


async def unmute(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unmute: alerts again."""
    state, chat = _state(context), update.effective_chat
    if chat is None:
        return
    if not await _may_change(update, context):
        await _refuse(update, context)
        return

    def work(connection: Connection) -> bool:
        until = subs.muted_until(connection, chat.id)
        subs.set_muted_until(connection, chat.id, None)
        return until is not None and until > datetime.now(UTC)

    was_muted = await _db(state.engine, work)
    await _reply(
        update, context, "Alerts are on again." if was_muted else "This chat was not muted."
    )


def _is_operator(update: Update, state: BotState) -> bool:
    user = update.effective_user
    return user is not None and user.id in state.admin_ids


async def _call_hook(hook: Callable[[], str | Awaitable[str]]) -> str:
    """Await an async hook; run a sync one in a worker thread (it may read files or the DB)."""
    if inspect.iscoroutinefunction(hook):
        return str(await hook())
    result = await asyncio.to_thread(hook)
    return str(await result) if inspect.isawaitable(result) else str(result)


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/status (operators only): what the runtime reports."""
    await _operator_command(update, context, "/status", _state(context).hooks.status_text)


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (operators only): reload the rules now."""
    await _operator_command(update, context, "/reload", _state(context).hooks.reload)


async def _operator_command(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    name: str,
    hook: Callable[[], str | Awaitable[str]],
) -> None:
    """Answer with the hook's text if the sender is an operator, else say it is not for them."""
    state = _state(context)
    if not _is_operator(update, state):
        await _reply(update, context, f"{name} is for the bot's operators.")
        return
    text = await _call_hook(hook)
    await _reply(update, context, html.escape(shorten(text, 4000), quote=False))


async def toggle_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A topic button: follow or drop that topic, then redraw the buttons."""
    state, query = _state(context), update.callback_query
    if query is None or query.message is None or query.data is None:
        return
    chat = query.message.chat
    topic_id = query.data.removeprefix(TOGGLE_PREFIX)
    current = state.topics()
    if topic_id not in current:
        await query.answer("That topic no longer exists; see /topics.", show_alert=True)
        return
    if not await _may_change(update, context):
        await query.answer("Only this chat's admins can change its subscriptions.", show_alert=True)
        return

    def work(connection: Connection) -> tuple[bool, set[str]]:
        subs.remember_chat(connection, chat.id, chat.type)
        removed = subs.unsubscribe(connection, chat.id, subs.TOPIC, [topic_id])
        if not removed:
            subs.subscribe(connection, chat.id, subs.TOPIC, [topic_id])
        return not removed, _followed_topics(connection, chat.id)

    now_following, followed = await _db(state.engine, work)
    title = current[topic_id].title or topic_id
    await query.answer(("Following " if now_following else "Dropped ") + title)
    try:
        await query.edit_message_reply_markup(reply_markup=topics_keyboard(current, followed))
    except BadRequest as error:  # "message is not modified", or too old to edit
        log.debug("topic buttons not redrawn: %s", error)


async def my_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot added to or removed from a chat (or blocked by a user)."""
    state, changed = _state(context), update.my_chat_member
    if changed is None:
        return
    chat, status = changed.chat, changed.new_chat_member.status
    if status in _GONE_STATUSES:
        cancelled = await _db(state.engine, forget_chat, chat.id, f"bot is {status} in the chat")
        log.info("left chat %d (%s): unsubscribed, %d alerts cancelled", chat.id, status, cancelled)
    else:
        await _db(state.engine, subs.remember_chat, chat.id, chat.type)


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: its subscriptions and pending alerts follow the new id."""
    state, message = _state(context), update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await _db(state.engine, move_chat, old, new)
    log.info("chat %d became supergroup %d; subscriptions moved", old, new)


COMMAND_HANDLERS: dict[str, Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]] = {
    "start": start,
    "help": start,
    "topics": topics,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "list": list_subscriptions,
    "mute": mute,
    "unmute": unmute,
    "status": status,
    "reload": reload,
}


async def channel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Commands posted in a channel (PTB's CommandHandler skips channel posts)."""
    message = update.channel_post
    if message is None or not message.text or not message.text.startswith("/"):
        return
    name, _, bot_name = message.text.split()[0][1:].partition("@")
    if bot_name and bot_name.lower() != (context.bot.username or "").lower():
        return
    handler = COMMAND_HANDLERS.get(name.lower())
    if handler is not None:
        await handler(update, context)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not know, in a private chat: point to /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    name, _, bot_name = message.text.split()[0][1:].partition("@")
    if bot_name and bot_name.lower() != (context.bot.username or "").lower():
        return
    shown = html.escape(shorten(name, 32), quote=False)
    await _reply(update, context, f"Unknown command /{shown}. /help lists them.")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a handler's failure (the log filter keeps the token out)."""
    log.error("handler failed on %s", type(update).__name__, exc_info=context.error)
