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

    A topic title spelled out names that one topic, beside other words too
    (`/subscribe gold Crude oil`); a word that begins the id of exactly one topic (`fed`
    for `fed-rates`) names that topic.
    """
    names, tickers = [], []
    index = 0
    while index < len(words):
        word = words[index]
        titled = _title_at(words, index, topics)
        if titled is not None:
            topic_id, length = titled
            names.append(topic_id)
            index += length
            continue
        if word.startswith("$"):  # a lone `$` is a ticker that is not one, said as such
            tickers.append(word[1:].upper())
        else:
            names.append(_completed(word.lower(), topics))
        index += 1
    return names, tickers


def _title_at(words: list[str], start: int, topics: Mapping[str, Topic]) -> tuple[str, int] | None:
    """The topic whose title the words from `start` spell out (the longest), and its length.

    Ids and tickers come first: `/subscribe oil` is topic `oil` even if another is titled Oil.
    """
    titles = {topic.title.casefold(): topic_id for topic_id, topic in topics.items()}
    longest = max((len(title.split()) for title in titles), default=0)
    for length in range(min(longest, len(words) - start), 0, -1):
        if length == 1 and (words[start].lower() in topics or words[start].startswith("$")):
            return None
        topic_id = titles.get(" ".join(words[start : start + length]).casefold())
        if topic_id is not None:
            return topic_id, length
    return None


_SHORTEST_PREFIX = 3  # `fed` names fed-rates; `f` or `g` are more likely typos


def _completed(name: str, topics: Mapping[str, Topic]) -> str:
    """The topic id the name begins, when it is no id itself and begins exactly one."""
    if name in topics or len(name) < _SHORTEST_PREFIX:
        return name
    starting = [topic_id for topic_id in topics if topic_id.startswith(name)]
    return starting[0] if len(starting) == 1 else name


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
    symbol = name.rstrip(".")  # a sentence's full stop, not part of the symbol
    hint = f" For a ticker write ${escape(symbol.upper())}." if normalize_symbol(symbol) else ""
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
