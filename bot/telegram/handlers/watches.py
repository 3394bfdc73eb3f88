"""/watch, /watches, /unwatch and the remove buttons: a chat's own queries in the rule language."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.alerts.render import one_line, shorten, visible_length
from bot.rules import RuleBook
from bot.rules.loader import SetSpec
from bot.rules.query import QueryError, compile_query, query_regex_cost, shared_sets
from bot.rules.regexes import CHAT_COST
from bot.rules.watches import MAX_NAME_LENGTH, WATCH_EMOJI, name_problem
from bot.storage import subscriptions as subs
from bot.storage import watches as store
from bot.storage.articles import stored_since
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.formatting import escape
from bot.telegram.handlers.targets import some_of
from bot.wording import count

log = logging.getLogger(__name__)

UNWATCH_PREFIX = "w-:"
LOOK_BACK = timedelta(days=7)
WATCH_REFUSAL = "Only this chat's admins can change its watches."
_EXAMPLE_TITLE = 160

WATCH_USAGE = (
    "<b>/watch NAME QUERY</b>: your own alert, in the rule language.\n"
    "NAME: lower-case letters, digits, - and _. QUERY: words, and these:\n\n"
    "<code>crude oil</code>: both words, anywhere (side by side means AND)\n"
    '<code>"crude oil"</code>: the phrase\n'
    "<code>sanction*</code>: sanction, sanctions, sanctioned…\n"
    "<code>=OPEC</code>: exactly this case\n"
    "<code>$USO</code>: an article tagged with the ticker\n"
    "<code>OR</code>, <code>NOT</code>, <code>( )</code>: AND binds tighter than OR\n"
    "<code>NEAR/5(Putin talks)</code>: within 5 words of each other\n"
    "<code>/opec\\+?/</code>: a regular expression\n\n"
    "Examples:\n"
    "<code>/watch hormuz Hormuz ($USO OR $BNO OR tanker*)</code>\n"
    '<code>/watch redsea Houthi* (attack* OR strike*) (ship* OR "Red Sea") '
    'NOT "weekly recap"</code>\n'
    "<code>/watch peace NEAR/5(Putin talks) OR NEAR/5(Zelensky ceasefire)</code>\n"
    "<code>/watch chips $NVDA (export* OR China) NOT earnings</code>\n"
    "\n"
    "/watches lists them, /unwatch NAME removes one."
)


@dataclass(frozen=True, slots=True)
class _Preview:
    """How the query fares on the headlines stored over the last days."""

    matched: int
    looked_at: int
    example: str | None


def _name_and_query(update: Update) -> tuple[str, str]:
    """The first word after the command, and the rest as written (commas and spaces kept)."""
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=2) if message else []
    name = parts[1] if len(parts) > 1 else ""
    query = parts[2].strip() if len(parts) > 2 else ""
    return name, query


_JOINERS = ("OR", "AND")  # a rest starting with one continues the first word


@dataclass(frozen=True, slots=True)
class _Split:
    """How /watch's words were read: a name and a query, or the whole text as the query."""

    name: str | None  # None: a name is generated from the query
    query: str
    why: str | None = None  # why the whole text is the query, said in the answer


def _split(first: str, rest: str, shared: Mapping[str, SetSpec]) -> _Split | str:
    """NAME QUERY when the first word is a name as written; else the whole text, told.

    A first word with capitals or punctuation (`Iran`, `Bad!`) is the query's first term,
    and so is one the rest joins with OR or AND (`oil OR gas`).
    Returns the answer instead when neither reading can be used.
    """
    whole = f"{first} {rest}".strip()
    if name_problem(first) is None:
        if not rest:
            return (
                f"Give <b>{escape(first)}</b> a query: <code>/watch {escape(first)} QUERY</code>. "
                "/watch explains the syntax."
            )
        joiner = rest.split()[0]
        if joiner not in _JOINERS:
            return _Split(first, rest)
        # No query starts with OR or AND: the whole text is the query, broken or not, and
        # a broken one gets the whole text's refusal (where it breaks), not the rest's.
        return _Split(None, whole, f"{joiner} joins “{escape(first)}” to the rest, so it is a term")
    # Capitals alone (`Iran`) make a term: a whole text that is no query gets the query's
    # refusal. Other characters (`Bad!`) may be a name mistyped: then the name's rule.
    if name_problem(first.lower()) is None or _reads(whole, shared):
        shown = escape(shorten(first, 40))
        if len(first) > MAX_NAME_LENGTH:
            why = f"“{shown}” is longer than a watch name's {MAX_NAME_LENGTH} characters"
            return _Split(None, whole, f"{why}, so it is part of the query")
        return _Split(None, whole, f"“{shown}” cannot be a watch name, so it is part of the query")
    problem = name_problem(first.lower()) or ""
    return f"{escape(problem)}. Usage: /watch NAME QUERY (/watch explains)."


def _reads(query: str, shared: Mapping[str, SetSpec]) -> bool:
    """Whether the text compiles as a query."""
    try:
        compile_query(query, shared)
    except QueryError:
        return False
    return True


def _generated_name(query: str, taken: Collection[str]) -> str:
    """A name from the query's first words (`iran-sanctions`), not one the chat uses."""
    words = re.findall(r"[a-z0-9]+", query.lower())
    base = "-".join(words[:3])[:MAX_NAME_LENGTH].strip("-") or "watch"
    name, number = base, 1
    while name in taken:
        number += 1
        suffix = f"-{number}"
        name = base[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return name


def _usage(book: RuleBook) -> str:
    """The syntax, with the shared lists of the rules in force (`@crude_etfs`...)."""
    names = sorted(name for name in shared_sets(book) if not name.startswith("@"))
    if not names:
        return WATCH_USAGE
    shown = some_of([f"<code>@{escape(name)}</code>" for name in names], shown=40)
    return WATCH_USAGE.replace(
        "\n\n/watches", f"\nShared lists a query can name: {shown}.\n\n/watches", 1
    )


class _RegexBudgetSpent(Exception):
    """The chat's watches would together cost more regex work than one chat may."""

    def __init__(self, cost: int) -> None:
        super().__init__(cost)
        self.cost = cost


def _refusal(error: QueryError) -> str:
    """A bad query's answer: the query with a caret under the fault, and what is wrong."""
    return (
        f"That query cannot be used, at character {error.position}:\n"
        f"<code>{escape(error.pointer(indent=''))}</code>\n"
        f"{escape(error.reason)}. Nothing was saved; /watch explains the syntax."
    )


def _preview(connection: Connection, book: RuleBook, since: datetime) -> _Preview:
    stored = stored_since(connection, since)
    matched = [article for article in stored if book.match(article)]
    example = matched[0].title if matched else None
    return _Preview(len(matched), len(stored), example)


async def watch(update: Update, context: BotContext) -> None:
    """/watch NAME QUERY: add or replace one of this chat's watches."""
    first, rest = _name_and_query(update)
    state = context.state
    if not first:
        await context.reply(_usage(state.rulebook()))
        return
    shared = shared_sets(state.rulebook())
    split = _split(first, rest, shared)
    if isinstance(split, str):
        await context.reply(split)
        return
    query = split.query
    if len(query) > state.max_query_length:
        await context.reply(
            f"A query has at most {state.max_query_length} characters; this one has "
            f"{len(query)}. Nothing was saved."
        )
        return
    if not await context.may_change():
        await context.reply(WATCH_REFUSAL)
        return
    try:
        book = compile_query(query, shared)
    except QueryError as error:
        await context.reply(_refusal(error))
        return
    chat = context.chat
    since = datetime.now(UTC) - LOOK_BACK

    def work(connection: Connection) -> tuple[str, bool]:
        subs.remember_chat(connection, chat.id, chat.type)
        kept = store.chat_watches(connection, chat.id)
        name = split.name
        if name is None:  # never replaces: a generated name is one the chat does not use
            name = _generated_name(query, {w.name for w in kept})
        others = sum(query_regex_cost(w.query) for w in kept if w.name != name)
        if others + query_regex_cost(query) > CHAT_COST:
            raise _RegexBudgetSpent(others)
        return name, store.put_watch(connection, chat.id, name, query, limit=state.max_watches)

    try:
        name, replaced = await context.transaction(work)
    except _RegexBudgetSpent as spent:
        await context.reply(
            f"This chat's regexes would cost more than {CHAT_COST:,} RE2 instructions together "
            f"(its other watches use {spent.cost:,}). Nothing was saved: shorten the repeats "
            "(such as \\pL{15}), use words instead, or /unwatch a regex watch."
        )
        return
    except store.TooManyWatches:
        await context.reply(
            f"This chat keeps {count(state.max_watches, 'watch', 'watches')} already, the most "
            "it can. /watches lists them; /unwatch NAME makes room."
        )
        return
    await asyncio.to_thread(state.hooks.watches_changed)
    preview = await context.transaction(_preview, book, since)
    lines = [_saved(name, query, replaced=replaced, preview=preview)]
    if split.why is None and name not in re.findall(r"[a-z0-9_-]+", query.lower()):
        lines.append(
            f"\n<b>{escape(name)}</b> is the name only, not a term; to look for it too: "
            f"<code>/watch {escape(name)} {escape(name)} {escape(query)}</code>"
        )
    if split.why is not None:
        lines.append(
            f"\n{split.why}, named <b>{escape(name)}</b>. To name it yourself: "
            f"<code>/watch NAME {escape(query)}</code>, then /unwatch {escape(name)}."
        )
    await context.reply("\n".join(lines))


def _saved(name: str, query: str, *, replaced: bool, preview: _Preview) -> str:
    verb = "Replaced" if replaced else "Watching"
    lines = [
        f"{verb} {WATCH_EMOJI} <b>{escape(name)}</b>: <code>{escape(query)}</code>",
        "Alerts start with the next matching article.",
        "",
        f"Over the last 7 days it would have matched {preview.matched} of "
        f"{count(preview.looked_at, 'stored headline')} (the bot keeps headlines, sources and "
        "tickers, not article text, so matches in a summary or body are not counted here).",
    ]
    if preview.example is not None:
        title = escape(shorten(one_line(preview.example), _EXAMPLE_TITLE))
        lines.append(f"For example: <i>{title}</i>")
    return "\n".join(lines)


async def list_watches(update: Update, context: BotContext) -> None:
    """/watches: this chat's watches, a button to remove each."""
    found = await context.transaction(store.chat_watches, context.chat.id)
    text, markup = _listing(found, context.state.max_watches)
    await context.reply(text, markup)


def _listing(found: list[store.Watch], limit: int) -> tuple[str, InlineKeyboardMarkup | None]:
    if not found:
        return "This chat has no watches. /watch explains how to add one.", None
    lines = [f"<b>Watches</b> ({len(found)} of {limit}; press one to remove it):", ""]
    lines += [
        f"{WATCH_EMOJI} <b>{escape(w.name)}</b>: <code>{escape(w.query)}</code>" for w in found
    ]
    buttons = [
        InlineKeyboardButton(f"✖ {w.name}", callback_data=f"{UNWATCH_PREFIX}{w.name}")
        for w in found
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return _fit(lines), InlineKeyboardMarkup(rows)


def _fit(lines: list[str], limit: int = 3800) -> str:
    """The lines that fit one message (the list is redrawn by editing a single message)."""
    kept, used = [], 0
    for line in lines:
        used += visible_length(line) + 1
        if used > limit:
            kept.append("… (every watch still has its button)")
            break
        kept.append(line)
    return "\n".join(kept)


async def unwatch(update: Update, context: BotContext) -> None:
    """/unwatch NAME (several at once), or /unwatch all."""
    words = [word.lower() for word in context.words]
    if not words:
        await context.reply("Usage: /unwatch NAME, or /unwatch all. /watches lists them.")
        return
    if not await context.may_change():
        await context.reply(WATCH_REFUSAL)
        return
    chat_id = context.chat.id
    names = None if words == ["all"] else words
    removed = await context.transaction(store.remove_watches, chat_id, names)
    if removed:
        await asyncio.to_thread(context.state.hooks.watches_changed)
    lines = []
    if removed:
        lines.append("Removed " + ", ".join(f"<b>{escape(n)}</b>" for n in removed) + ".")
    missing = [n for n in names or [] if n not in removed]
    if missing:
        shown = ", ".join(escape(shorten(n, 40)) for n in missing)
        lines.append(f"No watch named {shown}. /watches lists them.")
    if not lines:
        lines.append("This chat has no watches.")
    await context.reply("\n".join(lines))


async def unwatch_button(update: Update, context: BotContext) -> None:
    """A remove button under /watches: remove that watch, then redraw the list."""
    query = update.callback_query
    if query is None or query.message is None or query.data is None:
        return
    if not await context.may_change():
        await query.answer(WATCH_REFUSAL, show_alert=True)
        return
    chat_id = query.message.chat.id
    name = query.data.removeprefix(UNWATCH_PREFIX)

    def work(connection: Connection) -> tuple[list[str], list[store.Watch]]:
        return store.remove_watches(connection, chat_id, [name]), store.chat_watches(
            connection, chat_id
        )

    removed, left = await context.transaction(work)
    if removed:
        await asyncio.to_thread(context.state.hooks.watches_changed)
    await query.answer(f"Removed {name}" if removed else f"{name} was already gone")
    text, markup = _listing(left, context.state.max_watches)
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except BadRequest as error:  # too old to edit, or unchanged
        log.debug("watch list not redrawn: %s", error)
