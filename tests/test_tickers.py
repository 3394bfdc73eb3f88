"""Ticker extraction: only where the text marks a symbol unambiguously."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.sources.seeds import scan_seeds
from bot.tickers import symbol_from_category, tickers_in_text
from tests.support.databases import corpus_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WTI at $71.41 a barrel", set()),
        ("buy $XOM now", {"XOM"}),
        ("Berkshire $brk.b rose", {"BRK.B"}),
        ("oil ETF (NYSE Arca: USO) fell", {"USO"}),
        ("Exxon (NYSE:XOM) and Apple (NASDAQ: AAPL)", {"XOM", "AAPL"}),
        ("NYSEARCA:UCO", {"UCO"}),
        ('(NYSE:[XOM](https://seekingalpha.com/symbol/XOM "Exxon"))', {"XOM"}),
        ("The US and IT sectors ON ALL days, says OPEC", set()),
        ("a$XOM and $$XOM and $XOMX1 are not cashtags", set()),
        ("$TOOLONGX is not a ticker", set()),
        # A symbol cut short names another company: $M&M.NS is not M, $IL:MLD.M not IL.
        ("$M&M.NS and ($IL:MLD.M) and $GC=F, but $XOM: up 3%", {"XOM"}),
        ('[CL1:COM](https://seekingalpha.com/symbol/CL1:COM "Crude Oil Futures")', {"CL1:COM"}),
        ("https://seekingalpha.com/symbol/MCD/ratings/quant-ratings", {"MCD"}),
        ("https://finance.yahoo.com/quote/BRK-B?p=BRK-B", {"BRK-B"}),
        ("https://www.tradingview.com/symbols/NASDAQ-AAPL/", {"AAPL"}),
        ("https://www.marketwatch.com/investing/stock/aapl", {"AAPL"}),
        ("https://www.nasdaq.com/market-activity/stocks/msft#x", {"MSFT"}),
        ("https://www.cnbc.com/quotes/AAPL?qsearchterm=", {"AAPL"}),
        ("[S&P](https://www.cnbc.com/quotes/.SPX?qsearch=1)", {".SPX"}),
        ("https://finance.yahoo.com/quote/%5EGSPC/", {"^GSPC"}),
        ("https://www.benzinga.com/quote/BRK%2FB", {"BRK/B"}),
        ("https://seekingalpha.com/news/4407064-trump-putin", set()),
        ("https://notseekingalpha.com/symbol/FAKE", set()),
    ],
)
def test_tickers_in_text(text: str, expected: set[str]) -> None:
    assert tickers_in_text(text) == expected


def test_exchange_categories() -> None:
    assert symbol_from_category("NYSE:XOM") == "XOM"
    assert symbol_from_category("Energy") is None


def test_real_articles_never_take_bare_words_for_tickers() -> None:
    """Over every real seed-format article, US/IT/ON/ALL/OPEC appear only when marked."""
    folder = corpus_path("seekalpha")
    articles, problems = scan_seeds(folder)
    assert problems == []
    assert len(articles) > 1900
    for article in articles:
        raw = Path(article.origin).read_text(encoding="utf-8")
        for word in {"US", "IT", "ON", "ALL", "OPEC", "CEO", "AI"} & article.tickers:
            marked = re.search(
                rf"(symbol/{word}\b|\${word}\b|[A-Z]+\s?:\s?\[?{word}\b)", raw, re.IGNORECASE
            )
            assert marked, f"{article.origin}: bare word {word} taken for a ticker"
