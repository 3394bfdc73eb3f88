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

    A topic title spelled out (`/subscribe Crude oil`) names that one topic.
    """
    titled = _by_title(words, topics)
    if titled is not None:
        return [titled], []
    names, tickers = [], []
    for word in words:
        if word.startswith("$"):  # a lone `$` is a ticker that is not one, said as such
            tickers.append(word[1:].upper())
        else:
            names.append(word.lower())
    return names, tickers


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


def not_a_ticker(symbol: str) -> str:
    """Why a `$word` is no ticker."""
    return f"“${escape(shorten(symbol, 30))}” is not a ticker."
