"""Alerts as Telegram HTML (every piece of text escaped, within 4096 characters) or plain text."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import urlsplit

from bot.alerts.assemble import Alert
from bot.rules import Match, Topic
from bot.rules.terms import TermError, TickerTerm, parse_term, readable_term

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units after entity parsing
SUMMARY_LIMIT = 480
_TITLE_LIMIT = 300
_SOURCE_LIMIT = 64
_TOPIC_TITLE_LIMIT = 64
_TERM_LIMIT = 48
_MAX_TOPICS = 5
_MAX_RULES = 8
_MAX_TERMS = 6
_SUMMARY_FLOOR = 200
_MAX_TICKERS = 12
_DEFAULT_EMOJI = "📰"
_PRIORITY_LABEL = {
    "low": "low priority",
    "normal": "normal priority",
    "high": "⚠️ high priority",
    "critical": "🚨 CRITICAL",
}
_SPACES = re.compile(r"\s+")


def tg_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(message: str) -> int:
    """Length of an HTML message after Telegram's entity parsing (tags gone, entities decoded)."""
    parser = _TextOnly()
    parser.feed(message)
    parser.close()
    return tg_length("".join(parser.parts))


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _clean(text: str) -> str:
    """One line of text: control characters dropped, whitespace runs collapsed."""
    kept = "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch) != "Cc")
    return _SPACES.sub(" ", kept).strip()


def shorten(text: str, limit: int) -> str:
    """The text cut to `limit` UTF-16 units at a word boundary, with an ellipsis when cut."""
    if tg_length(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    kept, used = [], 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > limit - 1:
            break
        kept.append(ch)
        used += size
    cut = "".join(kept)
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def _safe_href(link: str | None) -> str | None:
    """The link when it is a plain http(s) URL, else None (no javascript:, no data:)."""
    if not link:
        return None
    link = link.strip()
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in link):
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return link


def _topic_label(topic_id: str, topics: Mapping[str, Topic]) -> tuple[str, str]:
    topic = topics.get(topic_id)
    emoji = _clean(topic.emoji) if topic and topic.emoji else _DEFAULT_EMOJI
    title = _clean(topic.title) if topic and topic.title else topic_id
    return shorten(emoji, 8), shorten(title, _TOPIC_TITLE_LIMIT)


def _rule_line(match: Match, topics: Mapping[str, Topic]) -> tuple[str, str, list[str]]:
    terms = [shorten(_clean(readable_term(term)), _TERM_LIMIT) for term in match.terms[:_MAX_TERMS]]
    if len(match.terms) > _MAX_TERMS:
        terms.append(f"+{len(match.terms) - _MAX_TERMS} more")
    _, title = _topic_label(match.topic, topics)
    return shorten(_clean(match.rule), _TERM_LIMIT), title, terms


def _when(alert: Alert) -> str:
    published = alert.article.published
    return published.strftime("%Y-%m-%d %H:%M UTC") if published else ""


# Markdown emphasis and code marks, and line-start heading and quote marks, in a body.
_MARKDOWN_MARKS = re.compile(
    r"(?m)\*\*|__|`+|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)"
    r"|^\s{0,3}(?:#{1,6}|>)\s"
)
# Below this, a body gives no summary worth a line (counted in characters: CJK has no spaces).
_MIN_SUMMARY_CHARS = 24


def _summary_source(alert: Alert) -> str:
    """The article's summary, else the start of its body as plain text; empty if too thin."""
    article = alert.article
    if article.summary.strip():
        return _clean(article.summary)
    lines = article.body[:5000].strip().splitlines()
    # The seed format ends with the source's own link, which reads as just its name.
    if lines and lines[-1].strip().casefold() == article.source.strip().casefold():
        lines.pop()
    text = _clean(_MARKDOWN_MARKS.sub("", "\n".join(lines)))
    return text if len(text) >= _MIN_SUMMARY_CHARS else ""


def _tickers(alert: Alert, limit: int | None = _MAX_TICKERS) -> list[str]:
    """The article's tickers, the chat's own and those the rules named first; `limit` shown."""
    named = {symbol for m in alert.matches for term in m.terms if (symbol := _symbol(term))}
    names = sorted(alert.article.tickers, key=lambda t: (t not in alert.tickers, t not in named, t))
    shown = [shorten(_clean(name), 24) for name in names[:limit]]
    if limit is not None and len(names) > limit:
        shown.append(f"+{len(names) - limit} more")
    return shown


def _symbol(term: str) -> str | None:
    """The symbol of a `$` term; None for any other term."""
    try:
        parsed = parse_term(term)
    except TermError:
        return None
    return parsed.symbol if isinstance(parsed, TickerTerm) else None


def render_html(alert: Alert, topics: Mapping[str, Topic]) -> str:
    """The alert as one Telegram message in HTML parse mode, at most 4096 characters."""
    rules = _MAX_RULES
    without_summary = _html(alert, topics, summary="", rules=rules)
    # Every piece is capped; only a flood of long rule lines can still crowd out the summary.
    while rules > 1 and visible_length(without_summary) > MAX_MESSAGE - _SUMMARY_FLOOR:
        rules //= 2
        without_summary = _html(alert, topics, summary="", rules=rules)
    budget = MAX_MESSAGE - visible_length(without_summary) - 2
    summary = shorten(_summary_source(alert), max(0, min(SUMMARY_LIMIT, budget)))
    return _html(alert, topics, summary=summary, rules=rules)


def _html(alert: Alert, topics: Mapping[str, Topic], *, summary: str, rules: int) -> str:
    e = _escape
    lines = [_html_header(alert, topics)]
    title = e(shorten(_clean(alert.article.title) or "(untitled)", _TITLE_LIMIT))
    href = _safe_href(alert.article.link)
    lines.append(f'<b><a href="{html.escape(href)}">{title}</a></b>' if href else f"<b>{title}</b>")
    byline = " · ".join(
        part
        for part in (shorten(_clean(alert.article.source), _SOURCE_LIMIT), _when(alert))
        if part
    )
    if byline:
        lines.append(f"<i>{e(byline)}</i>")
    if summary:
        lines.append("")
        lines.append(e(summary))
    tail = []
    if tickers := _tickers(alert):
        tail.append("💹 " + e(", ".join(tickers)))
    for match in alert.matches[:rules]:
        rule, topic_title, terms = _rule_line(match, topics)
        terms_text = f": {e(', '.join(terms))}" if terms else ""
        tail.append(f"🔎 <b>{e(rule)}</b> ({e(topic_title)}){terms_text}")
    if len(alert.matches) > rules:
        tail.append(e(f"+{len(alert.matches) - rules} more rules"))
    if alert.tickers:
        tail.append("🔔 following " + e(", ".join(f"${t}" for t in alert.tickers[:_MAX_TICKERS])))
    if tail:
        lines.append("")
        lines.extend(tail)
    return "\n".join(lines)


def _html_header(alert: Alert, topics: Mapping[str, Topic]) -> str:
    e = _escape
    parts = []
    for topic_id in alert.topics[:_MAX_TOPICS]:
        emoji, title = _topic_label(topic_id, topics)
        parts.append(f"{e(emoji)} <b>{e(title)}</b>")
    if not parts:
        parts.append(
            "💲 <b>" + e(", ".join(f"${t}" for t in alert.tickers[:_MAX_TICKERS])) + "</b>"
        )
    if len(alert.topics) > _MAX_TOPICS:
        parts.append(e(f"+{len(alert.topics) - _MAX_TOPICS} more"))
    return " · ".join(parts) + " — " + e(_PRIORITY_LABEL.get(alert.priority, alert.priority))


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def render_text(alert: Alert, topics: Mapping[str, Topic]) -> str:
    """The alert as plain text for a terminal, laid out like the Telegram message."""
    heads = []
    for topic_id in alert.topics[:_MAX_TOPICS]:
        emoji, title = _topic_label(topic_id, topics)
        heads.append(f"{emoji} {title}")
    if not heads:
        heads.append(", ".join(f"${t}" for t in alert.tickers))
    lines = [" · ".join(heads) + " — " + _PRIORITY_LABEL.get(alert.priority, alert.priority)]
    lines.append(shorten(_clean(alert.article.title) or "(untitled)", _TITLE_LIMIT))
    byline = " · ".join(
        part
        for part in (shorten(_clean(alert.article.source), _SOURCE_LIMIT), _when(alert))
        if part
    )
    if byline:
        lines.append(byline)
    if href := _safe_href(alert.article.link):
        lines.append(f"🔗 {href}")
    if summary := shorten(_summary_source(alert), SUMMARY_LIMIT):
        lines.append("")
        lines.append(summary)
    tail = []
    # A terminal has no length limit and an operator reading it wants every ticker.
    if tickers := _tickers(alert, limit=None):
        tail.append("💹 " + ", ".join(tickers))
    for match in alert.matches[:_MAX_RULES]:
        rule, topic_title, terms = _rule_line(match, topics)
        tail.append(f"🔎 {rule} ({topic_title})" + (f": {', '.join(terms)}" if terms else ""))
    if len(alert.matches) > _MAX_RULES:
        tail.append(f"+{len(alert.matches) - _MAX_RULES} more rules")
    if tail:
        lines.append("")
        lines.extend(tail)
    return "\n".join(lines)
