"""Ticker symbols, found only where the text marks a symbol unambiguously (rules.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable
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

# $XOM, $brk.b: not after a letter, digit or $, not followed by a letter or digit.
_CASHTAG = re.compile(
    r"(?<![A-Za-z0-9$])\$([A-Za-z][A-Za-z]{0,5}(?:\.[A-Za-z]{1,2})?)(?![A-Za-z0-9])"
)

_EXCHANGES = (
    "NYSE Arca|NYSEARCA|NYSEAMERICAN|NYSE American|NYSE|NASDAQ|Nasdaq|AMEX|CBOE|BATS|"
    "OTCMKTS|OTC|TSXV|TSX|LSE|LON|ASX|HKEX|ETR|XETRA"
)
# NYSE:XOM, (NASDAQ: AAPL), NYSE Arca: USO, and the seed format's NYSE:[XOM](link).
_EXCHANGE_MENTION = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_EXCHANGES})\s?:\s?\[?([A-Z0-9]{{1,6}}(?:\.[A-Z]{{1,2}})?)(?![A-Za-z0-9])"
)


def normalize_symbol(raw: str) -> str | None:
    """The symbol in upper case (`brk.b` is BRK.B), or None when the text cannot be one."""
    symbol = raw.strip().upper()
    # ASCII before upper-casing: `ı` and `ſ` would otherwise pass as I and S.
    return symbol if raw.isascii() and SYMBOL.fullmatch(symbol) else None


def tickers_in_links(text: str) -> set[str]:
    """Symbols named by links to quote pages anywhere in the text."""
    found: set[str] = set()
    for match in _QUOTE_LINK.finditer(text):
        symbol = normalize_symbol(unquote(match.group("symbol")))
        if symbol:
            found.add(symbol)
    return found


def cashtags(text: str) -> set[str]:
    """Symbols written as cashtags ($XOM, $brk.b)."""
    return {m.group(1).upper() for m in _CASHTAG.finditer(text)}


def exchange_mentions(text: str) -> set[str]:
    """Symbols qualified by an exchange (NYSE:XOM, NASDAQ: AAPL)."""
    return {m.group(1) for m in _EXCHANGE_MENTION.finditer(text)}


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
