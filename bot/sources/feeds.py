"""Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into articles; pure and synchronous."""

from __future__ import annotations

import calendar
import codecs
import io
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import ParseError as _XMLParseError
from xml.sax import SAXException

import defusedxml.ElementTree as _safe_et
import feedparser
from defusedxml import DefusedXmlException

from bot.article import Article, article_id, published_utc, told_apart
from bot.control_chars import without_controls
from bot.errors import NewsbotError
from bot.sources.html_text import html_links, html_to_text, joined_link
from bot.tickers import structured_tickers, symbol_from_category, tickers_in_text

# Expat only: feedparser would otherwise try to import the libxml2 driver on every parse
# (failed imports are not cached) and libxml2 treats entities its own way.
feedparser.api.PREFERRED_XML_PARSERS = ["xml.sax.expatreader"]

MAX_FEED_BYTES = 5 * 1024 * 1024
_SA_NAMESPACE = "https://seekingalpha.com/api/1.0"
_JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")
# Entities a DOCTYPE may keep: a literal value with no reference to anything else.
_SAFE_ENTITY = re.compile(rb"""<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"&%<]*)"|'([^'&%<]*)')\s*>""")
_MAX_SAFE_ENTITIES = 64
_MAX_ENTITY_EXPANSION = 1024 * 1024
_ENCODING_DECL = re.compile(r"""(<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


log = logging.getLogger(__name__)


class FeedParseError(NewsbotError):
    """The document holds no feed that can be read; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """An item of a feed document that could not be read, and why."""

    position: int  # 1 for the document's first item
    label: str  # its title or id, as far as it could be read
    reason: str

    def __str__(self) -> str:
        return f"item {self.position} ({self.label or 'untitled'}): {self.reason}"


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document's articles and the hints it gives about polling."""

    articles: list[Article] = field(default_factory=list)
    title: str = ""
    ttl: float | None = None  # seconds, from RSS <ttl>
    skipped: list[SkippedItem] = field(default_factory=list)  # items that could not be read


def parse_feed_bytes(
    data: bytes, *, source: str, url: str = "", content_type: str | None = None
) -> list[Article]:
    """The articles of a feed document; raises FeedParseError when it holds no feed."""
    return parse_feed(data, source=source, url=url, content_type=content_type).articles


def parse_feed(
    data: bytes, *, source: str, url: str = "", content_type: str | None = None
) -> ParsedFeed:
    """The articles, title and `ttl` of a feed document; raises FeedParseError if there is none."""
    if len(data) > MAX_FEED_BYTES:
        raise FeedParseError(f"document over {MAX_FEED_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise FeedParseError("empty document")
    data, content_type = _to_ascii_compatible(data, content_type)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _parse_json_feed(data, source=source, url=url)
    return _parse_xml_feed(_defuse_prolog(data), source=source, url=url, content_type=content_type)


# --- XML feeds -------------------------------------------------------------------------------


def _parse_xml_feed(data: bytes, *, source: str, url: str, content_type: str | None) -> ParsedFeed:
    headers = {"content-location": url} if url else {}
    if content_type:
        headers["content-type"] = content_type
    # A BytesIO, never the bytes: feedparser treats a bare string as a URL or file name to open.
    parsed = feedparser.parse(
        io.BytesIO(data), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    if not entries and not version:
        raise FeedParseError(_no_feed_reason(data, parsed))
    if not entries and isinstance(parsed.get("bozo_exception"), SAXException):
        # Ill-formed with no entry is a broken answer (say, truncated), not an empty feed.
        error = " ".join(str(parsed.get("bozo_exception") or "ill-formed").split())[:200]
        raise FeedParseError(f"ill-formed feed with no entries: {error}")
    symbols = _sa_symbols(data, len(entries))
    articles: list[Article] = []
    guids: list[str | None] = []
    skipped: list[SkippedItem] = []
    for index, entry in enumerate(entries):
        try:
            articles.append(
                _xml_article(entry, source=source, url=url, extra_symbols=symbols[index])
            )
        except Exception as error:  # one bad item never costs the feed its other items
            label = str(entry.get("title") or entry.get("id") or "")
            skipped.append(_skipped(index, label, error))
        else:
            guids.append(str(entry.get("id") or "") or None)
    feed = parsed.get("feed") or {}
    title = html_to_text(feed.get("title", ""))
    return ParsedFeed(told_apart(articles, guids), title, _ttl(feed.get("ttl")), skipped)


def _skipped(index: int, label: str, error: Exception) -> SkippedItem:
    log.debug("feed item %d failed", index + 1, exc_info=error)
    reason = without_controls(" ".join(f"{type(error).__name__}: {error}".split())[:200])
    shown = without_controls(" ".join(html_to_text(label).split())[:100])
    return SkippedItem(index + 1, shown, reason)


def _xml_article(
    entry: dict[str, Any], *, source: str, url: str, extra_symbols: Iterable[str]
) -> Article:
    title_detail = entry.get("title_detail") or {}
    raw_title = str(entry.get("title") or "")
    if title_detail.get("type") in _HTML_TYPES:
        title = html_to_text(raw_title)
    else:
        title = html_to_text(raw_title.replace("<", "&lt;"))  # plain text: only decode references
    raw_summary = str(entry.get("summary") or "")
    contents = [
        str(item.get("value") or "")
        for item in entry.get("content") or []
        if isinstance(item, Mapping)
    ]
    raw_body = "\n".join(part for part in contents if part)
    link = str(entry.get("link") or "") or None
    base = link or url
    hrefs = [
        str(item.get("href") or "")
        for item in entry.get("links") or []
        if isinstance(item, Mapping)
    ]
    for html in (raw_summary, raw_body):
        hrefs.extend(html_links(html, base))
    summary = html_to_text(raw_summary)
    body = html_to_text(raw_body)
    tickers = tickers_in_text(
        "\n".join([raw_title, title, raw_summary, raw_body, link or "", *hrefs])
    )
    tickers |= structured_tickers(extra_symbols)
    if not extra_symbols and entry.get("sa_symbol"):
        tickers |= structured_tickers([entry["sa_symbol"]])
    for tag in entry.get("tags") or []:
        if isinstance(tag, Mapping) and (
            symbol := symbol_from_category(str(tag.get("term") or ""))
        ):
            tickers.add(symbol)
    # dict.get: FeedParserDict.get maps updated_parsed to published_parsed with a warning.
    published = _struct_time(dict.get(entry, "published_parsed")) or _struct_time(
        dict.get(entry, "updated_parsed")
    )
    guid = str(entry.get("id") or "") or None
    return Article(
        id=article_id(link=link, guid=guid, source=source, title=title, published=published),
        title=title,
        summary=summary,
        body=body if body != summary else "",
        link=link,
        source=source,
        published=published,
        tickers=frozenset(tickers),
        origin=url,
    )


def _sa_symbols(data: bytes, count: int) -> list[list[str]]:
    """Every `sa:symbol` of each item: feedparser keeps only the last one of an item."""
    empty: list[list[str]] = [[] for _ in range(count)]
    if _SA_NAMESPACE.encode() not in data:
        return empty
    try:
        root = _safe_et.fromstring(data, forbid_dtd=False, forbid_entities=True)
    except (_XMLParseError, DefusedXmlException, ValueError):
        return empty  # ill-formed: feedparser's single `sa_symbol` per entry is the fallback
    items = [el for el in root.iter() if el.tag in ("item", "{http://www.w3.org/2005/Atom}entry")]
    if len(items) != count:
        return empty
    tag = f"{{{_SA_NAMESPACE}}}symbol"
    return [[el.text.strip() for el in item.iter(tag) if el.text] for item in items]


def _no_feed_reason(data: bytes, parsed: Mapping[str, object]) -> str:
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return "not a feed: an HTML page"
    error = parsed.get("bozo_exception")
    if error is not None:
        return f"not a feed: {' '.join(str(error).split())[:200]}"
    return "not a feed: no RSS, Atom or JSON Feed content"


def _struct_time(value: object) -> datetime | None:
    if not isinstance(value, time.struct_time | tuple):
        return None
    try:
        moment = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None
    return published_utc(moment)


def _ttl(value: object) -> float | None:
    try:
        minutes = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if minutes > 0 else None


# --- Hostile XML -----------------------------------------------------------------------------


def _to_ascii_compatible(data: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """UTF-16/32 documents as UTF-8, so the prolog checks below see them; others unchanged."""
    codec = _wide_codec(data[:4])
    if codec is None:
        return data, content_type
    text = data.decode(codec, errors="replace").lstrip("\ufeff")
    text = _ENCODING_DECL.sub(r"\1\2utf-8\2", text, count=1)
    plain_type = content_type.split(";")[0].strip() if content_type else None
    return text.encode("utf-8"), plain_type


def _wide_codec(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    patterns = {
        b"\x00\x00\x00<": "utf-32-be",
        b"<\x00\x00\x00": "utf-32-le",
        b"\x00<\x00?": "utf-16-be",
        b"<\x00?\x00": "utf-16-le",
        b"\x00{": "utf-16-be",
        b"{\x00": "utf-16-le",
    }
    for pattern, codec in patterns.items():
        if head.startswith(pattern):
            return codec
    return None


def _defuse_prolog(data: bytes) -> bytes:
    """The document with its DOCTYPE reduced to harmless entities, so nothing expands or is fetched.

    Billion laughs (entities built of entities), external entities (SYSTEM/PUBLIC), parameter
    entities and external DTDs are dropped; their references then stay as literal text.
    """
    span = _doctype_span(data)
    if span is None:
        return data
    start, end, name = span
    subset = data[start:end]
    safe = [
        (m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
        for m in _SAFE_ENTITY.finditer(subset)
    ]
    rest = data[end:]
    expansion = sum(rest.count(b"&" + key + b";") * len(value) for key, value in safe)
    if not safe or len(safe) > _MAX_SAFE_ENTITIES or expansion > _MAX_ENTITY_EXPANSION:
        return data[:start] + rest
    declarations = b"\n".join(b'<!ENTITY %s "%s">' % (key, value) for key, value in safe)
    return data[:start] + b"<!DOCTYPE " + name + b" [\n" + declarations + b"\n]>" + rest


def _doctype_span(data: bytes) -> tuple[int, int, bytes] | None:
    """Start, end and root name of the DOCTYPE in the prolog, or None when there is none."""
    pos, size = 0, len(data)
    if data.startswith(codecs.BOM_UTF8):
        pos = 3
    while pos < size:
        while pos < size and data[pos] in b" \t\r\n":
            pos += 1
        if data.startswith(b"<?", pos):
            close = data.find(b"?>", pos + 2)
            pos = size if close < 0 else close + 2
        elif data.startswith(b"<!--", pos):
            close = data.find(b"-->", pos + 4)
            pos = size if close < 0 else close + 3
        elif data[pos : pos + 9].upper() == b"<!DOCTYPE":
            name = re.match(rb"\s*([^\s\[>]*)", data[pos + 9 : pos + 200])
            return pos, _doctype_end(data, pos + 9), name.group(1) if name else b"feed"
        else:
            return None
    return None


def _doctype_end(data: bytes, pos: int) -> int:
    """The index just past the DOCTYPE's closing `>`, skipping quotes and the internal subset."""
    depth, quote, size = 0, 0, len(data)
    while pos < size:
        char = data[pos]
        if quote:
            if char == quote:
                quote = 0
        elif char in b"\"'":
            quote = char
        elif data.startswith(b"<!--", pos):
            close = data.find(b"-->", pos + 4)
            pos = size if close < 0 else close + 2
        elif char == ord("["):
            depth += 1
        elif char == ord("]"):
            depth = max(0, depth - 1)
        elif char == ord(">") and depth == 0:
            return pos + 1
        pos += 1
    return size


# --- JSON Feed -------------------------------------------------------------------------------


def _parse_json_feed(data: bytes, *, source: str, url: str) -> ParsedFeed:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise FeedParseError(
            f"not a feed: invalid JSON ({' '.join(str(error).split())[:120]})"
        ) from None
    if not isinstance(document, dict) or document.get("version") not in _JSON_FEED_VERSIONS:
        raise FeedParseError("not a feed: JSON without a JSON Feed version")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedParseError("not a feed: JSON Feed without `items`")
    base = _text(document.get("feed_url")) or url
    articles: list[Article] = []
    guids: list[str | None] = []
    skipped: list[SkippedItem] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        try:
            articles.append(_json_article(item, source=source, url=url, base=base))
        except Exception as error:  # one bad item never costs the feed its other items
            skipped.append(
                _skipped(index, _text(item.get("title")) or _text(item.get("id")), error)
            )
        else:
            guids.append(_text(item.get("id")) or None)
    return ParsedFeed(
        told_apart(articles, guids), html_to_text(_text(document.get("title"))), None, skipped
    )


def _json_article(item: Mapping[str, object], *, source: str, url: str, base: str) -> Article:
    raw_title = _text(item.get("title"))
    raw_html = _text(item.get("content_html"))
    raw_text = _text(item.get("content_text"))
    raw_summary = _text(item.get("summary"))
    link = _text(item.get("url")) or _text(item.get("external_url")) or None
    if link:
        link = joined_link(base, link)  # a link that is no URL is dropped, the item kept
    hrefs = html_links(raw_html, link or base)
    title = html_to_text(raw_title.replace("<", "&lt;"))
    summary = html_to_text(raw_summary.replace("<", "&lt;"))
    body = html_to_text(raw_html) if raw_html else html_to_text(raw_text.replace("<", "&lt;"))
    raw_tags = item.get("tags")
    tags: list[object] = raw_tags if isinstance(raw_tags, list) else []
    tickers = tickers_in_text(
        "\n".join([raw_title, raw_summary, raw_html, raw_text, link or "", *hrefs])
    )
    tickers |= {symbol for tag in tags if (symbol := symbol_from_category(_text(tag)))}
    published = _iso_date(item.get("date_published")) or _iso_date(item.get("date_modified"))
    guid = _text(item.get("id")) or None
    return Article(
        id=article_id(link=link, guid=guid, source=source, title=title, published=published),
        title=title,
        summary=summary,
        body=body,
        link=link,
        source=source,
        published=published,
        tickers=frozenset(tickers),
        origin=url,
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, int) else ""


def _iso_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return published_utc(parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed)
