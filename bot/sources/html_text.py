"""Plain text and links out of feed HTML, with a real HTML parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Elements whose content is never text a reader sees.
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "svg", "math"})
# Elements that end a line of text.
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div",
        "dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
        "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag in ("img", "input"):
            self.parts.append(" ")
        if tag == "a":
            self.links.extend(value for name, value in attrs if name == "href" and value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP:  # a self-closed <script/> opens nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            # A newline in the source is just a space; only block elements break lines.
            self.parts.append(_WHITESPACE.sub(" ", data))


def _parse(html: str) -> _TextParser:
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return parser


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: no tags or scripts, entities decoded, spaces collapsed."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return _collapse(html)
    return _collapse("".join(_parse(html).parts))


def html_links(html: str, base: str = "") -> list[str]:
    """The `href` of every link in an HTML fragment, in order, made absolute against `base`;
    an href that is no URL at all (`http://[2001:db8::1/x`) is left out."""
    if not html or "<" not in html:
        return []
    joined = (joined_link(base, href) for href in _parse(html).links)
    return [link for link in joined if link is not None]


def joined_link(base: str, href: str) -> str | None:
    """The href made absolute against `base`, or None when either is not a URL that parses."""
    try:
        return urljoin(base, href)
    except ValueError:  # an unclosed IPv6 bracket, a bad port: in the href or in the base
        pass
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    return href if parts.scheme and parts.netloc else None  # absolute: needs no base


def _collapse(text: str) -> str:
    text = _SPACES.sub(" ", text.replace("\xa0", " "))
    return _NEWLINES.sub("\n", text).strip()
