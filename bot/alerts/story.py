"""A story's alert as later copies edit it: the first alert, then how widely it is confirmed."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo

from bot.alerts.render import (
    MAX_MESSAGE,
    _topic_label,
    local_time,
    one_line,
    safe_href,
    shorten,
    visible_length,
)
from bot.alerts.source_names import source_name
from bot.rules import Topic
from bot.storage.stories import StoryArticle
from bot.wording import count

_SOURCE_LIMIT = 48
_MAX_LINKS = 12
_RAISED = {"high": "⚠️ high priority", "critical": "🚨 CRITICAL"}


def story_edit_html(
    first_text: str,
    first_article_id: str,
    story: Sequence[StoryArticle],
    *,
    topics: Mapping[str, Topic],
    new_topics: Sequence[str] = (),
    raised_to: str | None = None,
    sources: Mapping[str, str] | None = None,
    now: datetime,
    zone: tzinfo = UTC,
) -> str:
    """The first alert's text with the story's confirmation under it, within 4096 characters.

    `new_topics` and `raised_to` name what later copies matched that the first alert did not;
    times are in `zone`, the chat's.
    """
    outlets: dict[str, StoryArticle] = {}  # each outlet's first article, in arrival order
    for article in story:
        name = shorten(one_line(source_name(article.source, sources)), _SOURCE_LIMIT)
        outlets.setdefault(name or "unnamed source", article)
    first_outlet = next(
        (name for name, article in outlets.items() if article.id == first_article_id), None
    )
    others = [(name, article) for name, article in outlets.items() if name != first_outlet]
    moments = [article.published or article.first_seen for article in story]
    lines = [""]
    if moments:
        lines.append("📣 " + html.escape(_confirmed(len(outlets), min(moments), now, zone)))
    extra = []
    if new_topics:
        labels = [" ".join(_topic_label(topic, topics)) for topic in new_topics]
        extra.append("also " + ", ".join(labels))
    if raised_to in _RAISED:
        extra.append("now " + _RAISED[raised_to])
    if extra:
        lines.append("➕ " + html.escape(" · ".join(extra)))
    for shown in range(min(len(others), _MAX_LINKS), -1, -1):
        links = [_link(name, article) for name, article in others[:shown]]
        if len(others) > shown:
            links.append(html.escape(f"+{len(others) - shown} more"))
        text = "\n".join([first_text, *lines, *(["Also: " + " · ".join(links)] if links else [])])
        if visible_length(text) <= MAX_MESSAGE:
            return text
    return first_text


def _confirmed(outlets: int, first: datetime, now: datetime, zone: tzinfo) -> str:
    """`3 sources · first 14:02 UTC` in the chat's zone (the date too when not today there)."""
    return f"{count(outlets, 'source')} · first {local_time(first, zone, now)}"


def _link(name: str, article: StoryArticle) -> str:
    href = safe_href(article.link)
    label = html.escape(name, quote=False)
    return f'<a href="{html.escape(href)}">{label}</a>' if href else label
