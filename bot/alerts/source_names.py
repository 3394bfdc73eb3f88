"""Sources as subscribers read them: `Seeking Alpha`, not `seekalpha_articles`."""

from __future__ import annotations

from collections.abc import Mapping

# The source names of the seed format (front matter `categories`), as their outlets write them.
# Operators add or override names in feeds.yaml (`sources:`, and `title:` per feed).
KNOWN_SOURCES: Mapping[str, str] = {
    "seekalpha": "Seeking Alpha",
    "seekalpha_articles": "Seeking Alpha",
    "business-standard": "Business Standard",
    "benzinga": "Benzinga",
    "morningstar": "Morningstar",
    "tipranks": "TipRanks",
    "tipranks_announcements": "TipRanks",
    "tipranks_others": "TipRanks",
    "simplywall": "Simply Wall St",
    "thehill": "The Hill",
    "moneycontrol": "Moneycontrol",
    "investing_us": "Investing.com",
    "investing": "Investing.com",
    "techcrunch": "TechCrunch",
    "coinlive_articles": "Coinlive",
    "coindesk": "CoinDesk",
    "stockinvest": "StockInvest.us",
    "etf": "ETF.com",
    "fiercepharma": "Fierce Pharma",
    "biopharmadive": "BioPharma Dive",
    "pharmexec": "Pharmaceutical Executive",
    "digitalcommerce360": "Digital Commerce 360",
    "smartphonemagazine": "Smartphone Magazine",
    "tradingview": "TradingView",
    # Wire services and papers operators write by their short names (`source: reuters`).
    "reuters": "Reuters",
    "bloomberg": "Bloomberg",
    "cnbc": "CNBC",
    "ft": "Financial Times",
    "wsj": "The Wall Street Journal",
    "ap": "AP",
    "afp": "AFP",
    "marketwatch": "MarketWatch",
    "barrons": "Barron's",
    "nikkei": "Nikkei Asia",
    "yahoo": "Yahoo Finance",
    "yahoo_finance": "Yahoo Finance",
    "scmp": "South China Morning Post",
    "bbc": "BBC",
    "guardian": "The Guardian",
    "nyt": "The New York Times",
    "economist": "The Economist",
    "politico": "Politico",
    "axios": "Axios",
    "apnews": "AP",
    "dowjones": "Dow Jones",
    "fxstreet": "FXStreet",
    "kitco": "Kitco",
    "oilprice": "OilPrice.com",
    "argus": "Argus",
    "platts": "S&P Global Platts",
    "tass": "TASS",
    "xinhua": "Xinhua",
    "aljazeera": "Al Jazeera",
}


def source_name(source: str, names: Mapping[str, str] | None = None) -> str:
    """The source's display name: the operator's, else a known outlet's, else as written."""
    if names and (name := names.get(source)):
        return name
    return KNOWN_SOURCES.get(source.strip().casefold(), source)
