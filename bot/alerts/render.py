"""Alerts as Telegram HTML (every piece of text escaped, within 4096 characters) or plain text."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from html.parser import HTMLParser
from urllib.parse import urlsplit

from bot.alerts.assemble import Alert
from bot.alerts.moves import shown_instruments
from bot.alerts.source_names import source_name
from bot.article import Article
from bot.rules import Topic
from bot.rules.terms import TermError, TickerTerm, find_term, parse_term, readable_term
from bot.rules.watches import WATCH_EMOJI

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units after entity parsing
SUMMARY_LIMIT = 480
_TITLE_LIMIT = 300
_SOURCE_LIMIT = 64
_TOPIC_TITLE_LIMIT = 64
_TERM_LIMIT = 48
_MAX_TOPICS = 5
_WHY_TOPICS = 3
_WHY_TERMS = 6
_WHY_TOPIC_TERMS = 3
_WHY_TICKERS = 2  # the tickers line lists them all; the why line names the strongest
_QUOTE_LIMIT = 220
_MORE_TICKERS = 5  # shown after those the rules named and the chat follows
_MAX_NAMED_TICKERS = 12
_OLD_AFTER = timedelta(hours=2)
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


def one_line(text: str) -> str:
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


def safe_href(link: str | None) -> str | None:
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
    if topic is None and topic_id.startswith(WATCH_EMOJI):  # `👁 name`: a watch, its own emoji
        name = topic_id.removeprefix(WATCH_EMOJI).strip()
        return WATCH_EMOJI, shorten(name, _TOPIC_TITLE_LIMIT)
    emoji = one_line(topic.emoji) if topic and topic.emoji else _DEFAULT_EMOJI
    title = one_line(topic.title) if topic and topic.title else topic_id
    return shorten(emoji, 8), shorten(title, _TOPIC_TITLE_LIMIT)


def _as_found(article: Article, term: str) -> str:
    """A prefix or a regular expression as the article's words that it matched
    (`negotiations`, `force majeure`), other terms as readable."""
    written = term.strip()
    if written.endswith("*") or (len(written) > 2 and written[0] == written[-1] == "/"):
        for text in (article.title, article.summary, article.body[:5000]):
            if (span := _find(text, term)) and span[1] > span[0]:
                return text[span[0] : span[1]]
    return readable_term(term)


@dataclass(frozen=True, slots=True)
class _Why:
    """Why a chat gets the alert: per topic its strongest terms, and where the first occurs."""

    topics: tuple[tuple[str, tuple[str, ...]], ...]
    strongest: tuple[str, ...]


def _why(alert: Alert, topics: Mapping[str, Topic]) -> _Why:
    """Terms ranked: tickers of the article first, then terms of the headline, then the rest."""
    article = alert.article
    ranked: list[tuple[int, int, str, str]] = []
    for order, (topic, term) in enumerate(
        (match.topic, term) for match in alert.matches for term in match.terms
    ):
        if (symbol := _symbol(term)) is not None:
            rank = 0 if symbol in article.tickers else 2
        else:
            rank = 1 if _find(article.title, term) else 2
        ranked.append((rank, order, topic, term))
    ranked.sort()
    shown: dict[str, list[str]] = {topic: [] for topic in alert.topics[:_WHY_TOPICS]}
    seen: set[str] = set()
    tickers = total = 0
    for rank, _, topic, term in ranked:
        words = _as_found(article, term)
        key = words.casefold().lstrip("$")
        if topic not in shown or total >= _WHY_TERMS:
            continue
        # A term another topic (or watch) shows already is left out, unless this one would
        # show nothing at all: each names at least one of its terms.
        if key in seen and shown[topic]:
            continue
        if len(shown[topic]) >= _WHY_TOPIC_TERMS:
            continue
        if rank == 0:
            if tickers >= _WHY_TICKERS:
                continue
            tickers += 1
        seen.add(key)
        shown[topic].append(words)
        total += 1
    labels = tuple((_topic_label(topic, topics)[1], tuple(terms)) for topic, terms in shown.items())
    strongest = tuple(term for rank, _, _, term in ranked if rank > 0 or term.startswith("$"))
    return _Why(labels, strongest)


def _why_text(why: _Why) -> str:
    parts = []
    for title, terms in why.topics:
        shown = ", ".join(shorten(one_line(term), _TERM_LIMIT) for term in terms)
        parts.append(f"{title}: {shown}" if shown else title)
    return " · ".join(parts)


# A sentence ends at . ! ? … before a capital, but not after an initial (`U.S. President`).
_SENTENCE_END = re.compile(r"(?<=[^A-Z.][.!?…])\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def _first_term(text: str, terms: tuple[str, ...]) -> tuple[int, int] | None:
    """Where the strongest of these terms that occurs in the text is."""
    return next((span for term in terms if (span := _find(text, term))), None)


def _quote(text: str, terms: tuple[str, ...]) -> tuple[str, int, int] | None:
    """The sentence where the strongest term occurs, cut to a short quote, with its span."""
    span = _first_term(text, terms)
    if span is None:
        return None
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, span[0])), default=0)
    end_match = _SENTENCE_END.search(text, span[1])
    end = end_match.start() if end_match else len(text)
    sentence = text[start:end]
    left, right = span[0] - start, span[1] - start
    if tg_length(sentence) > _QUOTE_LIMIT:  # centred on the term, cut at words
        side = max(20, (_QUOTE_LIMIT - (right - left)) // 2)
        cut_start = max(0, left - side)
        if cut_start:
            cut_start = sentence.find(" ", cut_start, left) + 1 or cut_start
        cut_end = min(len(sentence), right + side)
        space = sentence.rfind(" ", right, cut_end)
        cut_end = space if space > 0 and cut_end < len(sentence) else cut_end
        prefix = "…" if cut_start else ""
        suffix = "…" if cut_end < len(sentence) else ""
        sentence = prefix + sentence[cut_start:cut_end] + suffix
        left, right = left - cut_start + len(prefix), right - cut_start + len(prefix)
    return sentence, left, right


def _highlighted(text: str, left: int, right: int) -> str:
    e = _escape
    return f"{e(text[:left])}<b>{e(text[left:right])}</b>{e(text[right:])}"


def local_time(moment: datetime, zone: tzinfo, now: datetime, *, zone_name: bool = True) -> str:
    """A moment as the chat reads it: `21:33 EST` today in its zone, else with the date."""
    local = moment.astimezone(zone)
    shown = (
        f"{local:%H:%M}"
        if local.date() == now.astimezone(zone).date()
        else f"{local:%Y-%m-%d %H:%M}"
    )
    name = local.tzname() if zone_name else None
    return f"{shown} {name}" if name else shown


def _when(alert: Alert, zone: tzinfo, now: datetime) -> str:
    published = alert.article.published
    return local_time(published, zone, now) if published else ""


def _age(alert: Alert, now: datetime) -> str:
    """`published 3 days ago` when the article is old: an archive is not breaking news."""
    published = alert.article.published
    if published is None or now - published < _OLD_AFTER:
        return ""
    seconds = (now - published).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600)):
        if seconds >= size:
            number = int(seconds // size)
            return f"published {number} {unit}{'' if number == 1 else 's'} ago"
    return ""


def _byline(alert: Alert, sources: Mapping[str, str] | None, now: datetime, zone: tzinfo) -> str:
    source = shorten(one_line(source_name(alert.article.source, sources)), _SOURCE_LIMIT)
    parts = (source, _when(alert, zone, now), _age(alert, now))
    return " · ".join(part for part in parts if part)


# Markdown emphasis and code marks, and line-start heading and quote marks, in a body.
_MARKDOWN_MARKS = re.compile(
    r"(?m)\*\*|__|`+|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)"
    r"|^\s{0,3}(?:#{1,6}|>)\s"
)
# Below this, a body gives no summary worth a line (counted in characters: CJK has no spaces).
_MIN_SUMMARY_CHARS = 24


# `By Kirk MaltaisGrain exports…`, `By Nick TimiraosWASHINGTON —`: a byline glued to the text
# (a last name of three letters or more: `By Jamie McGeever` is one name, not a glue).
_BYLINE_GLUED = re.compile(
    r"^By (?:[A-Z][\w'.-]*\s){0,3}[A-Z][a-z'.-]{2,}(?<!Mac)"
    r"(?=[A-Z][a-z]|[A-Z]{2,}\b|[A-Z]\.[A-Z])"
)
# `weekly report.In the report`: a sentence glued to the next one.
_SENTENCE_GLUED = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
# `Key points:Fed chief reiterate…`: a heading whose bullet points lost their line breaks.
_POINTS_GLUED = re.compile(r"^(?P<heading>[A-Z][\w ]{0,30}):(?=[A-Z])")
# Where glued bullet points meet (`further cutsEconomy`), guessed when no body has them.
_POINT_JOIN = re.compile(r"(?<=[a-z])(?=[A-Z])")
_BULLET = re.compile(r"^(?:[*+•-]|\d{1,2}[.)])\s+")
_BYLINE_LINE = re.compile(r"^By\s+[A-Z][\w'.,& -]{0,60}$")
_CREDIT_WORDS = 6


def _is_credit(line: str) -> bool:
    """A photo credit or byline before the text: `luza studios`, `By Avi Salzman`."""
    words = line.split()
    if _BYLINE_LINE.match(line):
        return True
    return 0 < len(words) <= _CREDIT_WORDS and len(line) < 40 and line[-1] not in '.!?:;"”'


def _summary_source(alert: Alert) -> str:
    """The article's summary, else the start of its body as plain text; empty if too thin.

    Sources glue a summary's parts (a byline, bullet points, sentences): the joins are
    repaired, and bullet points that lost their breaks are read from the body instead.
    """
    article = alert.article
    summary = one_line(article.summary)
    if not summary:
        return _body_text(article)
    summary = _SENTENCE_GLUED.sub(" ", _BYLINE_GLUED.sub("", summary).strip())
    points = _POINTS_GLUED.match(summary)
    if points is None:
        return summary
    from_body = _body_text(article)
    if from_body.startswith(f"{points['heading']}: "):
        return from_body
    rest = summary[points.end() :]
    return f"{points['heading']}: " + _POINT_JOIN.sub("; ", rest)


def _body_text(article: Article) -> str:
    """The start of the body as one plain line, bullet points ended with `;`."""
    lines = [line.strip() for line in article.body[:5000].strip().splitlines()]
    # The seed format ends with the source's own link, which reads as just its name.
    if lines and lines[-1].casefold() == article.source.strip().casefold():
        lines.pop()
    lines = _ended_points(lines)
    lines = [_MARKDOWN_MARKS.sub("", line).strip() for line in lines]
    while lines and (not lines[0] or _is_credit(lines[0])):
        lines.pop(0)
    text = one_line(" ".join(lines))
    return text if len(text) >= _MIN_SUMMARY_CHARS else ""


def _ended_points(lines: list[str]) -> list[str]:
    """Bullet lines without their marks, each ended (`;`, the last `.`) so joins still read."""
    ended = []
    for number, line in enumerate(lines):
        point = _BULLET.match(line)
        if point is None:
            ended.append(line)
            continue
        text = line[point.end() :].rstrip()
        following = next((later for later in lines[number + 1 :] if later), "")
        last = _BULLET.match(following) is None
        if text and text[-1] not in ".!?;:":
            text += "." if last else ";"
        ended.append(text)
    return ended


def _tickers(alert: Alert, limit: int | None = _MORE_TICKERS) -> list[str]:
    """The 💹 line: what the article moves that the chat cares about (bot/alerts/moves.py);
    capped unless `limit` is None (a terminal shows every grounded one)."""
    shown = shown_instruments(alert, capped=limit is not None)
    return [shorten(one_line(name), 24) for name in shown]


def _find(text: str, term: str) -> tuple[int, int] | None:
    """Where a term (as written in a rule) first occurs in the text, as whole words."""
    try:
        return find_term(text, parse_term(term))
    except TermError:
        return None


def _symbol(term: str) -> str | None:
    """The symbol of a `$` term; None for any other term."""
    try:
        parsed = parse_term(term)
    except TermError:
        return None
    return parsed.symbol if isinstance(parsed, TickerTerm) else None


def render_html(
    alert: Alert,
    topics: Mapping[str, Topic],
    *,
    sources: Mapping[str, str] | None = None,
    now: datetime | None = None,
    zone: tzinfo = UTC,
) -> str:
    """The alert as one Telegram message in HTML parse mode, at most 4096 characters.

    Times are in `zone`, the chat's.
    """
    moment = now or datetime.now(UTC)
    why = _why(alert, topics)
    without_summary = _html(alert, topics, why, sources, moment, zone, summary="")
    budget = MAX_MESSAGE - visible_length(without_summary) - 2
    summary = shorten(_summary_source(alert), max(0, min(SUMMARY_LIMIT, budget)))
    return _html(alert, topics, why, sources, moment, zone, summary=summary)


def _html(
    alert: Alert,
    topics: Mapping[str, Topic],
    why: _Why,
    sources: Mapping[str, str] | None,
    now: datetime,
    zone: tzinfo,
    *,
    summary: str,
) -> str:
    e = _escape
    lines = [_html_header(alert, topics)]
    title = e(shorten(one_line(alert.article.title) or "(untitled)", _TITLE_LIMIT))
    href = safe_href(alert.article.link)
    lines.append(f'<b><a href="{html.escape(href)}">{title}</a></b>' if href else f"<b>{title}</b>")
    if byline := _byline(alert, sources, now, zone):
        lines.append(f"<i>{e(byline)}</i>")
    in_summary = _first_term(summary, why.strongest) if summary else None
    if summary:
        lines.append("")
        lines.append(_highlighted(summary, *in_summary) if in_summary else e(summary))
    if in_summary is None and (quoted := _quote_in(alert, why.strongest)):
        lines.append(f"<blockquote>{_highlighted(*quoted)}</blockquote>")
    tail = []
    if why.topics and alert.matches:
        tail.append("🔎 " + e(_why_text(why)))
    if tickers := _tickers(alert):
        tail.append("💹 " + e(", ".join(tickers)))
    if alert.tickers:
        tail.append(
            "🔔 following " + e(", ".join(f"${t}" for t in alert.tickers[:_MAX_NAMED_TICKERS]))
        )
    if tail:
        lines.append("")
        lines.extend(tail)
    return "\n".join(lines)


def _quote_in(alert: Alert, terms: tuple[str, ...]) -> tuple[str, int, int] | None:
    """The quote of the strongest term from the summary, else the body (never the title)."""
    article = alert.article
    for text in (one_line(article.summary), one_line(_MARKDOWN_MARKS.sub("", article.body[:5000]))):
        if text and (quoted := _quote(text, terms)):
            return quoted
    return None


def _html_header(alert: Alert, topics: Mapping[str, Topic]) -> str:
    e = _escape
    parts = []
    for topic_id in alert.topics[:_MAX_TOPICS]:
        emoji, title = _topic_label(topic_id, topics)
        parts.append(f"{e(emoji)} <b>{e(title)}</b>")
    if not parts:
        parts.append(
            "💲 <b>" + e(", ".join(f"${t}" for t in alert.tickers[:_MAX_NAMED_TICKERS])) + "</b>"
        )
    if len(alert.topics) > _MAX_TOPICS:
        parts.append(e(f"+{len(alert.topics) - _MAX_TOPICS} more"))
    return " · ".join(parts) + " — " + e(_PRIORITY_LABEL.get(alert.priority, alert.priority))


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def render_text(
    alert: Alert,
    topics: Mapping[str, Topic],
    *,
    sources: Mapping[str, str] | None = None,
    now: datetime | None = None,
    zone: tzinfo = UTC,
) -> str:
    """The alert as plain text for a terminal, laid out like the Telegram message."""
    moment = now or datetime.now(UTC)
    why = _why(alert, topics)
    heads = []
    for topic_id in alert.topics[:_MAX_TOPICS]:
        emoji, title = _topic_label(topic_id, topics)
        heads.append(f"{emoji} {title}")
    if not heads:
        heads.append(", ".join(f"${t}" for t in alert.tickers))
    lines = [" · ".join(heads) + " — " + _PRIORITY_LABEL.get(alert.priority, alert.priority)]
    lines.append(shorten(one_line(alert.article.title) or "(untitled)", _TITLE_LIMIT))
    if byline := _byline(alert, sources, moment, zone):
        lines.append(byline)
    if href := safe_href(alert.article.link):
        lines.append(f"🔗 {href}")
    summary = shorten(_summary_source(alert), SUMMARY_LIMIT)
    if summary:
        lines.append("")
        lines.append(summary)
    in_summary = bool(summary) and _first_term(summary, why.strongest) is not None
    if not in_summary and (quoted := _quote_in(alert, why.strongest)):
        lines.append(f"❝ {quoted[0]} ❞")
    tail = []
    if why.topics and alert.matches:
        tail.append("🔎 " + _why_text(why))
    # A terminal has no length limit and an operator reading it wants every ticker.
    if tickers := _tickers(alert, limit=None):
        tail.append("💹 " + ", ".join(tickers))
    if tail:
        lines.append("")
        lines.extend(tail)
    return "\n".join(lines)
