"""Ticker symbols, found only where the text marks a symbol unambiguously (rules.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

# The one symbol syntax: of article tickers, of `$SYM` rule terms and of `/subscribe $SYM`.
# A letter or digit (after an optional `.` as CNBC's .SPX, or `^` as Yahoo's ^GSPC), then up
# to 23 letters, digits and `. : = ^ & / _ -`: CL1:COM, BRK.B, GC=F, M&M.NS, BRK/B, 7203.T.
SYMBOL = re.compile(r"[.^]?[A-Z0-9][A-Z0-9.:=^&/_-]{0,23}")

# Quote-page links: the symbol is the path segment after these prefixes.
_QUOTE_LINK = re.compile(
    r"""(?ix)
    (?<![a-z0-9.-])(?:https?://)?(?:[a-z0-9-]+\.)*
    (?:
        seekingalpha\.com/symbol/
      | finance\.yahoo\.com/quote/
      | cnbc\.com/quotes/
      | benzinga\.com/quote/
      | marketwatch\.com/investing/[a-z-]+/
      | nasdaq\.com/market-activity/[a-z-]+/
      | tradingview\.com/symbols/(?P<exchange>[a-z0-9_]+)-
    )
    (?P<symbol>[^/?#\s"'<>()\[\]]+)
    """
)
# The same links found from their quote-page part: `_QUOTE_LINK` tries its optional scheme and
# host labels at every character, which cost more than the rest of a seed's parsing; this
# finds the page part, then checks the host before it as `_QUOTE_LINK` would (`_quote_links`).
_QUOTE_PAGE = re.compile(
    _QUOTE_LINK.pattern.replace(r"(?<![a-z0-9.-])(?:https?://)?(?:[a-z0-9-]+\.)*", ""),
    re.IGNORECASE | re.VERBOSE,
)
_HOST_CHAR = re.compile(r"[a-z0-9.-]", re.IGNORECASE)
# `.com/` (no other letters fold to c, o or m) and how far before it each site's name starts.
_DOT_COM = re.compile(r"\.[cC][oO][mM]/")
_NAME_WIDTHS = (13, 12, 11, 8, 6, 4)
_HOST_LABELS = re.compile(r"(?:[a-z0-9-]+\.)*", re.IGNORECASE)

# $XOM, $brk.b: not after a letter, digit or $, not followed by a letter, digit or a symbol's
# `&`, `:`, `=` or `^` (`$M&M.NS` is no cashtag of M: a symbol cut short names another).
_CASHTAG = re.compile(
    r"\$(?<![A-Za-z0-9$]\$)([A-Za-z][A-Za-z]{0,5}(?:\.[A-Za-z]{1,2})?)(?![A-Za-z0-9&=^]|:[A-Za-z0-9])"
)

_EXCHANGES = (
    "NYSE Arca|NYSEARCA|NYSEAMERICAN|NYSE American|NYSE|NASDAQ|Nasdaq|AMEX|CBOE|BATS|"
    "OTCMKTS|OTC|TSXV|TSX|LSE|LON|ASX|HKEX|ETR|XETRA"
)
# NYSE:XOM, (NASDAQ: AAPL), NYSE Arca: USO, and the seed format's NYSE:[XOM](link).
_EXCHANGE_MENTION = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_EXCHANGES})\s?:\s?\[?([A-Z0-9]{{1,6}}(?:\.[A-Z]{{1,2}})?)(?![A-Za-z0-9])"
)
# The same without the look-behind, which made `re` try every position: `exchange_mentions`
# checks the character before each match instead.
_EXCHANGE_AT = re.compile(_EXCHANGE_MENTION.pattern.removeprefix("(?<![A-Za-z0-9])"))
_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def normalize_symbol(raw: str) -> str | None:
    """The symbol in upper case (`brk.b` is BRK.B), or None when the text cannot be one."""
    symbol = raw.strip().upper()
    # ASCII before upper-casing: `ı` and `ſ` would otherwise pass as I and S.
    return symbol if raw.isascii() and SYMBOL.fullmatch(symbol) else None


def tickers_in_links(text: str) -> set[str]:
    """Symbols named by links to quote pages anywhere in the text."""
    found: set[str] = set()
    for match in _quote_links(text):
        symbol = normalize_symbol(unquote(match.group("symbol")))
        if symbol:
            found.add(symbol)
    return found


def _quote_links(text: str) -> Iterator[re.Match[str]]:
    """The matches `_QUOTE_LINK.finditer` gives, with the symbol group, found faster.

    Every quote page is `<name>.com/...`: each `.com/` names the few places a page part can
    start. `_QUOTE_LINK` starts a match where no host character precedes it, so its scheme and
    host labels are exactly the run of host characters before the page part, which must start
    at or after the end of the previous match and be labels only.
    """
    position = done = 0
    for dot in _DOT_COM.finditer(text):
        for width in _NAME_WIDTHS:
            start = dot.start() - width
            if start < position:
                continue
            match = _QUOTE_PAGE.match(text, start)
            if match is None:
                continue
            host = start
            while host > 0 and _HOST_CHAR.match(text, host - 1):
                host -= 1
            if host >= done and _HOST_LABELS.fullmatch(text, host, start):
                yield match
                done = position = match.end()
            else:
                position = start + 1


def cashtags(text: str) -> set[str]:
    """Symbols written as cashtags ($XOM, $brk.b)."""
    if "$" not in text:
        return set()
    return {m.group(1).upper() for m in _CASHTAG.finditer(text)}


def exchange_mentions(text: str) -> set[str]:
    """Symbols qualified by an exchange (NYSE:XOM, NASDAQ: AAPL)."""
    found: set[str] = set()
    search, position = _EXCHANGE_AT.search, 0
    while (match := search(text, position)) is not None:
        start = match.start()
        if start and text[start - 1] in _ASCII_ALNUM:
            position = start + 1  # where `_EXCHANGE_MENTION` would look next
        else:
            found.add(match.group(1))
            position = match.end()
    return found


def tickers_in_text(text: str) -> set[str]:
    """Every unambiguous symbol in a piece of raw text: links, cashtags, exchange mentions."""
    return tickers_in_links(text) | cashtags(text) | exchange_mentions(text)


def structured_tickers(values: Iterable[object]) -> set[str]:
    """Symbols from structured data (front matter lists, sa:symbol, EXCHANGE:SYMBOL tags)."""
    found: set[str] = set()
    for value in values:
        if not isinstance(value, str | int):
            continue
        symbol = normalize_symbol(str(value).lstrip("$"))
        if symbol:
            found.add(symbol)
    return found


def symbol_from_category(term: str) -> str | None:
    """The symbol of an `EXCHANGE:SYMBOL` feed category, or None for any other category."""
    match = _EXCHANGE_MENTION.fullmatch(term.strip())
    return match.group(1) if match else None
