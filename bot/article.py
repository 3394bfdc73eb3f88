"""The article: the unit every stage after the sources works on, and its identity."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.control_chars import without_controls

# Query parameters that only track the reader; they never change which article a link names.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "yclid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "cmpid",
        "ncid",
        "sr_share",
        "spm",
        "wt_mc",
    }
)
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "__s")
# The database's id column: a longer id is stored as its hash.
MAX_ID_LENGTH = 512
# The moments an article may carry as published: far enough from datetime's limits that every
# later stage can shift them to a chat's time zone or add days; outside them a date is a typo.
EARLIEST_PUBLISHED = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_PUBLISHED = datetime(3000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Article:
    """One news item from a feed or a seed file, analysed and ready for the rules."""

    id: str
    title: str
    summary: str = ""
    body: str = ""
    link: str | None = None
    source: str = ""
    published: datetime | None = None
    tickers: frozenset[str] = field(default_factory=frozenset)
    origin: str = ""  # where it was read: a seed file path or a feed URL

    def __post_init__(self) -> None:
        # Whatever the source, the text every later stage shows (alerts, digests, logs, CLI
        # output) holds no terminal control and no bidi override; the id is left as made.
        set_field = object.__setattr__
        set_field(self, "title", without_controls(self.title, one_line=True))
        set_field(self, "summary", without_controls(self.summary))
        set_field(self, "body", without_controls(self.body))
        set_field(self, "source", without_controls(self.source, one_line=True))
        if self.link is not None:
            set_field(self, "link", without_controls(self.link, one_line=True))


def published_utc(moment: datetime) -> datetime | None:
    """The aware moment in UTC, or None when it overflows or falls outside the usable years."""
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc if EARLIEST_PUBLISHED <= utc < LATEST_PUBLISHED else None


def canonical_link(url: str) -> str | None:
    """The link with scheme and host lower-cased, no fragment and no tracking parameters."""
    url = url.strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.lower()
    scheme = parts.scheme.lower()
    if (scheme, host.rsplit(":", 1)[-1]) in (("http", "80"), ("https", "443")):
        host = host.rsplit(":", 1)[0]
    query = urlencode(
        [
            (key, value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if not _is_tracking(key)
        ],
        doseq=True,
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in _TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES)


def article_id(
    *, link: str | None, guid: str | None, source: str, title: str, published: datetime | None
) -> str:
    """The article's id: canonical link, else the feed's guid, else a stable hash."""
    if link and (canonical := canonical_link(link)):
        return canonical
    if guid and guid.strip():
        return guid.strip()
    stamp = published.isoformat() if published else ""
    digest = hashlib.sha256(f"{source}\x1f{title}\x1f{stamp}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def told_apart(articles: Sequence[Article], guids: Sequence[str | None]) -> list[Article]:
    """The articles of one feed document (with each item's guid), distinct items that share a
    link given distinct ids; the same item twice keeps one id.

    A link names one article only when one item of the document carries it. Items that share
    it (a live blog's `#block-N` updates, a feed linking every item to one page) are told
    apart by their link's fragment, else their guid, else their title. A link no other item
    shares keeps its id (the canonical link), so ids stored before stay valid.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for index, article in enumerate(articles):
        if article.link and article.id == canonical_link(article.link):
            groups[article.id].append(index)
    result = list(articles)
    for shared, members in groups.items():
        if len(members) < 2:
            continue
        fragments = [_fragment(articles[index].link) for index in members]
        keys = [(guids[index] or "").strip() for index in members]
        by_fragment = len(set(fragments)) > 1
        by_guid = by_fragment or len(set(keys)) > 1
        for index, fragment, guid in zip(members, fragments, keys, strict=True):
            if by_fragment and fragment:
                told = f"{shared}#{fragment}"
            elif by_guid and guid:
                # A guid that is a link of its own (Seeking Alpha's `.../MarketCurrent:N`) is
                # the item's permalink: the same item in another feed then has the same id.
                own = canonical_link(guid)
                told = own if own and own != shared else f"{shared}#{guid}"
            else:
                title = articles[index].title
                told = f"{shared}#title:{hashlib.sha256(title.encode()).hexdigest()[:16]}"
            if len(told) > MAX_ID_LENGTH:
                told = f"sha256:{hashlib.sha256(told.encode()).hexdigest()[:32]}"
            result[index] = replace(articles[index], id=told)
    return result


def _fragment(link: str | None) -> str:
    """The link's fragment when it names a part of the page (`#block-3`); "" for none or for
    parameters (`#xtor=RSS-3`), which track the reader like `utm_*`."""
    fragment = urlsplit(link).fragment if link else ""
    return "" if "=" in fragment else fragment.strip()
