"""Which topics and tickers a command's words name, and why a word names none."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from bot.alerts.render import shorten
from bot.rules import Topic
from bot.telegram.handlers.formatting import escape
from bot.tickers import normalize_symbol


def named_targets(words: list[str], topics: Mapping[str, Topic]) -> tuple[list[str], list[str]]:
    """Topic names (lower case) and tickers (`$USO` → `USO`) the words name.

    A topic title spelled out (`/subscribe Crude oil`) names that one topic; a word that
    begins the id of exactly one topic (`fed` for `fed-rates`) names that topic.
    """
    titled = _by_title(words, topics)
    if titled is not None:
        return [titled], []
    names, tickers = [], []
    for word in words:
        if word.startswith("$"):  # a lone `$` is a ticker that is not one, said as such
            tickers.append(word[1:].upper())
        else:
            names.append(_completed(word.lower(), topics))
    return names, tickers


_SHORTEST_PREFIX = 3  # `fed` names fed-rates; `f` or `g` are more likely typos


def _completed(name: str, topics: Mapping[str, Topic]) -> str:
    """The topic id the name begins, when it is no id itself and begins exactly one."""
    if name in topics or len(name) < _SHORTEST_PREFIX:
        return name
    starting = [topic_id for topic_id in topics if topic_id.startswith(name)]
    return starting[0] if len(starting) == 1 else name


def _by_title(words: list[str], topics: Mapping[str, Topic]) -> str | None:
    """The topic whose title the words spell out, if any.

    Ids and tickers come first: `/subscribe oil` is topic `oil` even if another is titled Oil.
    """
    if all(word.lower() in topics or word.startswith("$") for word in words):
        return None
    wanted = " ".join(words).casefold()
    return next((t for t, topic in topics.items() if topic.title.casefold() == wanted), None)


def near(name: str, topics: Mapping[str, Topic]) -> list[str]:
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


def unknown_topic(name: str, topics: Mapping[str, Topic]) -> str:
    """Why a word is no topic: the topics it is close to, or a hint to write it as a ticker."""
    shown = escape(shorten(name, 40))
    close = near(name, topics)
    if close:
        return f"Unknown topic “{shown}”. Did you mean: {', '.join(close)}?"
    hint = f" For a ticker write ${shown.upper()}." if normalize_symbol(name) else ""
    return f"Unknown topic “{shown}”. See /topics.{hint}"


def unknown_topics(names: list[str], topics: Mapping[str, Topic]) -> str | None:
    """One line for every word that is no topic: the words (shortened), the near names."""
    names = list(dict.fromkeys(names))
    if not names:
        return None
    if len(names) == 1:
        return unknown_topic(names[0], topics)
    line = f"Unknown topics {some_of([f'“{escape(shorten(n, 30))}”' for n in names])}."
    close = {name: near(name, topics) for name in names}
    suggestions: dict[str, str] = {}  # topic id → the first word it is near
    for name, topic_ids in close.items():
        for topic_id in topic_ids:
            suggestions.setdefault(topic_id, name)
    if suggestions:
        pairs = [f"{t} (for “{escape(shorten(name, 30))}”)" for t, name in suggestions.items()]
        line += f" Did you mean: {some_of(pairs, shown=5)}?"
    line += " See /topics."
    symbols = [
        "$" + escape(shorten(name.upper(), 30))
        for name, topic_ids in close.items()
        if not topic_ids and normalize_symbol(name)
    ]
    if symbols:
        line += f" A ticker is written with $: {some_of(symbols, shown=3)}."
    return line


def not_a_ticker(symbol: str) -> str:
    """Why a `$word` is no ticker."""
    return f"“${escape(shorten(symbol, 30))}” is not a ticker."


def not_tickers(symbols: list[str]) -> str | None:
    """One line for every `$word` that is no ticker."""
    symbols = list(dict.fromkeys(symbols))
    if len(symbols) <= 1:
        return not_a_ticker(symbols[0]) if symbols else None
    return f"{some_of([f'“${escape(shorten(s, 30))}”' for s in symbols])} are not tickers."


def some_of(items: list[str], shown: int = 8) -> str:
    """Items joined by commas; past `shown` of them, the count of the rest instead."""
    if len(items) <= shown:
        return ", ".join(items)
    return f"{', '.join(items[:shown])} and {len(items) - shown} more"
