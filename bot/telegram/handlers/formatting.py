"""Text of the replies: topic lines and labels, escaped, and fitted to one message."""

from __future__ import annotations

import html
from collections.abc import Mapping

from bot.alerts.render import shorten, tg_length
from bot.rules import Topic


def escape(text: str) -> str:
    """Text made safe for an HTML message (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


def topic_line(topic: Topic) -> str:
    """One topic for /topics: emoji, title, id, and its description shortened."""
    title = escape(shorten(topic.title or topic.id, 64))
    line = f"{escape(topic.emoji or '📰')} <b>{title}</b> (<code>{topic.id}</code>)"
    if topic.description:
        line += " — " + escape(shorten(" ".join(topic.description.split()), 160))
    return line


def topic_label(topics: Mapping[str, Topic], topic_id: str) -> str:
    """A topic's emoji and title (its id when the rules no longer define it), escaped."""
    topic = topics.get(topic_id)
    label = f"{topic.emoji} {topic.title}".strip() if topic else topic_id
    return escape(label)


def fit(lines: list[str], limit: int = 3800) -> str:
    """Join lines, stopping before Telegram's message limit."""
    kept, used = [], 0
    for line in lines:
        used += tg_length(line) + 1
        if used > limit:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept)
