"""Watches as rules: every chat's queries in one compiled book, plus a small book of changes.

A chat's watches are one topic, `watch:<chat id>`, whose rules are the watches by name. The
big book is compiled rarely (start, merges in the background); a change compiles only the
small `recent` book and hides the big book's old version of that watch until the next merge.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.article import Article
from bot.rules.compile import compile_specs
from bot.rules.engine import Match, RuleBook, Topic
from bot.rules.loader import FileSpec, RuleSpec, SetSpec
from bot.rules.query import QueryError, parse_query

log = logging.getLogger(__name__)

WATCH_TOPIC_PREFIX = "watch:"
WATCH_EMOJI = "👁"
WATCH_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
MAX_NAME_LENGTH = 32

# (chat id, watch name)
WatchKey = tuple[int, str]


def watch_topic(chat_id: int) -> str:
    """The topic id of a chat's watches in the watch book."""
    return f"{WATCH_TOPIC_PREFIX}{chat_id}"


def watch_chat(topic: str) -> int | None:
    """The chat whose watches a topic id names, or None for an operators' topic."""
    if not topic.startswith(WATCH_TOPIC_PREFIX):
        return None
    try:
        return int(topic[len(WATCH_TOPIC_PREFIX) :])
    except ValueError:
        return None


def watch_label(name: str) -> str:
    """How alerts and digests name a watch: `👁 hormuz`."""
    return f"{WATCH_EMOJI} {name}"


def name_problem(name: str) -> str | None:
    """Why a watch name cannot be used, or None when it can."""
    if len(name) > MAX_NAME_LENGTH:
        return f"a watch name has at most {MAX_NAME_LENGTH} characters"
    if not WATCH_NAME.fullmatch(name):
        return (
            "a watch name is lower-case letters, digits, - and _, starting with a letter or digit"
        )
    return None


def compile_watches(
    queries: Mapping[WatchKey, str],
    shared_sets: Mapping[str, SetSpec],
    *,
    cache: Path | None = None,
) -> tuple[RuleBook, dict[WatchKey, QueryError]]:
    """One rule book of every watch; a watch that cannot compile is left out and returned.

    `cache`: a folder keeping the compiled key database, so that a start with the same
    watches reads it rather than compiling it again.
    """
    # Compiling 100,000 watches makes millions of objects, and the cyclic collector would
    # walk the growing heap again and again: 24 s instead of 4.6 s measured (bench/watch.py).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compile_watches(queries, shared_sets, cache)
    finally:
        if collecting:
            gc.enable()


def _compile_watches(
    queries: Mapping[WatchKey, str], shared_sets: Mapping[str, SetSpec], cache: Path | None
) -> tuple[RuleBook, dict[WatchKey, QueryError]]:
    bad: dict[WatchKey, QueryError] = {}
    specs: dict[int, list[RuleSpec]] = {}
    for key, text in queries.items():
        try:
            specs.setdefault(key[0], []).append(parse_query(text, name=key[1]))
        except QueryError as error:
            bad[key] = error
    try:
        book, problems = compile_specs(_files(specs), shared_sets, cache=cache)
    except Exception:  # a bug one query triggers: leave it out, never every chat's watches
        log.exception("watch book not compiled as a whole; compiling each watch alone")
        bad.update(_uncompilable(queries, specs, shared_sets))
        specs = {
            chat: [spec for spec in rules if (chat, spec.name) not in bad]
            for chat, rules in specs.items()
        }
        book, problems = compile_specs(_files(specs), shared_sets)
    if not problems:
        return book, bad
    # Rare (an operator removed a set a watch names): find the watches at fault alone.
    broken_chats = {chat for chat in specs if any(p.path == _path(chat) for p in problems)}
    for chat in broken_chats:
        for spec in specs[chat]:
            _, found = compile_specs(_files({chat: [spec]}), shared_sets)
            own = [p for p in found if p.path == _path(chat)]
            if own:
                bad[(chat, spec.name)] = QueryError(
                    queries[(chat, spec.name)], own[0].column, own[0].message
                )
        specs[chat] = [spec for spec in specs[chat] if (chat, spec.name) not in bad]
    book, _ = compile_specs(_files(specs), shared_sets)
    return book, bad


def _uncompilable(
    queries: Mapping[WatchKey, str],
    specs: Mapping[int, list[RuleSpec]],
    shared_sets: Mapping[str, SetSpec],
) -> dict[WatchKey, QueryError]:
    """The watches that fail to compile even alone, with why."""
    bad: dict[WatchKey, QueryError] = {}
    for chat, rules in specs.items():
        for spec in rules:
            try:
                compile_specs(_files({chat: [spec]}), shared_sets)
            except Exception as error:
                text = queries[(chat, spec.name)]
                bad[(chat, spec.name)] = QueryError(text, 1, f"cannot be compiled: {error}")
    return bad


def _files(specs: Mapping[int, list[RuleSpec]]) -> list[FileSpec]:
    return [
        FileSpec(_path(chat), is_topic=True, topic=watch_topic(chat), rules=tuple(rules))
        for chat, rules in specs.items()
        if rules
    ]


def _path(chat_id: int) -> str:
    return f"<watches {chat_id}>"


@dataclass(frozen=True, slots=True)
class WatchBook:
    """Every watch, ready to match: the big book, the recent changes, what they supersede."""

    base: RuleBook = field(default_factory=RuleBook.empty)
    recent: RuleBook = field(default_factory=RuleBook.empty)
    # (topic, rule) of the base book changed or removed since it was compiled.
    hidden: frozenset[tuple[str, str]] = frozenset()

    def match(self, article: Article, streams: tuple[str, str, str] | None = None) -> list[Match]:
        """Every watch the article matches: topic `watch:<chat id>`, rule the watch's name."""
        found = self.base.match(article, streams)
        if self.hidden:
            found = [m for m in found if (m.topic, m.rule) not in self.hidden]
        if self.recent.rule_count:
            found.extend(self.recent.match(article, streams))
        return found

    @property
    def watch_count(self) -> int:
        """Watches that can match."""
        return self.base.rule_count - len(self.hidden) + self.recent.rule_count


def hidden_keys(keys: Iterable[WatchKey]) -> frozenset[tuple[str, str]]:
    """The (topic, rule) pairs of these watches, as the books name them."""
    return frozenset((watch_topic(chat), name) for chat, name in keys)


def watch_as_topic(name: str) -> Topic:
    """The pseudo topic alerts name a watch by: emoji 👁, the watch's name as its title."""
    label = watch_label(name)
    return Topic(id=label, title=name, description="", emoji=WATCH_EMOJI, path="")


def by_chat(matches: Iterable[Match]) -> tuple[tuple[Match, ...], dict[int, tuple[Match, ...]]]:
    """The operators' topic matches, and per chat its watches' matches as `👁 name` topics."""
    topics: list[Match] = []
    chats: dict[int, list[Match]] = {}
    for match in matches:
        chat = watch_chat(match.topic)
        if chat is None:
            topics.append(match)
        else:
            chats.setdefault(chat, []).append(match._replace(topic=watch_label(match.rule)))
    return tuple(topics), {chat: tuple(found) for chat, found in chats.items()}
