"""Held alerts as a digest: grouped by topic, highest priority first, within Telegram's limit."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.alerts.assemble import PRIORITIES
from bot.alerts.render import (
    MAX_MESSAGE,
    local_time,
    one_line,
    safe_href,
    shorten,
    visible_length,
)
from bot.alerts.source_names import source_name
from bot.durations import format_duration
from bot.rules import Topic

_RANK: dict[str, int] = {name: rank for rank, name in enumerate(PRIORITIES)}
_MARK = {"critical": "🚨 ", "high": "⚠️ "}
_TITLE_LIMIT = 160
_ROOM = MAX_MESSAGE - 96  # what a part may fill, leaving room for its `(continued)` header
NO_TOPIC = ""  # items a chat follows by ticker only


@dataclass(frozen=True, slots=True)
class HeldItem:
    """One held alert as a digest lists it."""

    title: str
    link: str | None
    source: str
    published: datetime | None
    priority: str
    groups: tuple[str, ...]  # topic ids (or `👁 name` for a watch) the alert named
    outlets: int = 1  # how many sources told the story


def render_digest(
    items: Sequence[HeldItem],
    topics: Mapping[str, Topic],
    *,
    zone: ZoneInfo,
    heading: str,
    late: timedelta | None = None,
    source_names: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """The digest as Telegram HTML messages (as few as 4096 characters allow); none if empty.

    Times are in `zone`, with the date for those not of `now`'s day there.
    """
    if not items:
        return []
    e = _escape
    moment = now or datetime.now(UTC)
    head = [f"<b>🗞 {e(heading)}</b>"]
    if late is not None and late >= timedelta(minutes=1):
        head.append(e(f"Sent {format_duration(late.total_seconds())} late: the bot was down."))
    lines: list[str] = []
    for group, members in _grouped(items):
        lines.append("")
        lines.append(f"<b>{e(_group_label(group, topics))}</b>")
        lines.extend(_item_line(item, zone, source_names, moment) for item in members)
    return _split(head, lines)


def _grouped(items: Sequence[HeldItem]) -> list[tuple[str, list[HeldItem]]]:
    """Items under their first group, the group with the highest priority first."""
    groups: dict[str, list[HeldItem]] = {}
    for item in items:
        groups.setdefault(item.groups[0] if item.groups else NO_TOPIC, []).append(item)
    for members in groups.values():
        members.sort(key=lambda item: (-_RANK.get(item.priority, 1), _moment(item)))
    return sorted(
        groups.items(),
        key=lambda pair: (-max(_RANK.get(i.priority, 1) for i in pair[1]), pair[0] == NO_TOPIC),
    )


def _moment(item: HeldItem) -> float:
    return item.published.timestamp() if item.published else 0.0


def _group_label(group: str, topics: Mapping[str, Topic]) -> str:
    if group == NO_TOPIC:
        return "💲 Tickers you follow"
    topic = topics.get(group)
    if topic is None:
        return group
    return f"{one_line(topic.emoji) or '📰'} {shorten(one_line(topic.title or topic.id), 64)}"


def _item_line(
    item: HeldItem, zone: ZoneInfo, names: Mapping[str, str] | None, now: datetime
) -> str:
    e = _escape
    title = e(shorten(one_line(item.title) or "(untitled)", _TITLE_LIMIT))
    href = safe_href(item.link)
    linked = f'<a href="{html.escape(href)}">{title}</a>' if href else title
    facts = [shorten(one_line(source_name(item.source, names)), 40)]
    if item.published is not None:
        facts.append(local_time(item.published, zone, now, zone_name=False))
    if item.outlets > 1:
        facts.append(f"{item.outlets} sources")
    return f"• {_MARK.get(item.priority, '')}{linked} — {e(', '.join(facts))}"


def _split(head: list[str], lines: list[str]) -> list[str]:
    """Whole lines into messages under Telegram's limit; later parts say they continue."""
    messages: list[str] = []
    current, used, added = list(head), visible_length("\n".join(head)), 0
    for line in lines:
        size = visible_length(line) + 1
        if added and used + size > _ROOM:
            messages.append("\n".join(current).rstrip())
            current, used, added = ["<i>(continued)</i>"], len("(continued)"), 0
        current.append(line)
        used, added = used + size, added + 1
    messages.append("\n".join(current).rstrip())
    return messages


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
