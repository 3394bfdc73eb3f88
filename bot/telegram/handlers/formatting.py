"""Text of the replies: topic lines and labels, escaped; status text without paths."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from bot.alerts.render import shorten
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


_WORD = re.compile(r"\S+")
_EDGE_PUNCTUATION = "\"'()[]{}<>,;:!?“”‘’«»"
# A file name: a word, a dot, and an extension that starts with a letter (`oil.yaml`, not 3.11).
_FILE_NAME = re.compile(r"[\w@+-]+(?:\.[\w@+-]+)*\.[A-Za-z][A-Za-z0-9]{0,7}")


def without_paths(text: str) -> str:
    """The text with every path, file name and URL replaced by `…`, for eyes other than admins'.

    A word counts as a path when it holds a slash or a backslash; punctuation around it stays.
    """

    def hide(match: re.Match[str]) -> str:
        word = match.group()
        core = word.lstrip(_EDGE_PUNCTUATION).rstrip(_EDGE_PUNCTUATION + ".")
        if not core:
            return word
        if "/" in core or "\\" in core or _FILE_NAME.fullmatch(core):
            start = word.index(core)
            return word[:start] + "…" + word[start + len(core) :]
        return word

    return _WORD.sub(hide, text)
