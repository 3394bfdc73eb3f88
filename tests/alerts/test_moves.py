"""The 💹 line: the topics' instruments, the chat's tickers, a few quotes by where named."""

from __future__ import annotations

from bot.alerts import alert_for, render_html
from bot.alerts.moves import shown_instruments
from bot.article import Article
from bot.rules import Match, Topic

TOPICS = {"gold": Topic("gold", "Gold", "", "🥇", "rules/gold.yaml")}
GOLD = [Match("gold", "record", "high", "active", ("gold",))]
FOOTER = (
    "Here are some exchange-traded funds that track the benchmark S&P 500 index (SP500): "
    "(SPY), (VOO), (IVV), (RSP), and (SPXU)."
)


def _article(title: str, body: str, tickers: set[str]) -> Article:
    return Article(id=title, title=title, body=body, tickers=frozenset(tickers))


def test_topics_instruments_then_followed_then_quotes_by_where_named() -> None:
    article = _article(
        "Gold hits record as NEM, ZZZ rally",
        "Miners ZZZ and AAA rose; AAA said output would grow. Later MMM, a rival, fell.\n\n"
        + FOOTER,
        {"ZZZ", "AAA", "MMM", "NEM", "SPY", "VOO", "IVV", "RSP", "SPXU", "SP500"},
    )
    alert = alert_for(article, GOLD, topics={"gold"}, tickers={"MMM"})
    assert alert is not None
    shown = shown_instruments(alert)
    # gold's instruments (the topic cares for the gold entity), most direct first ...
    assert shown[:4] == ["XAUUSD:CUR", "GC1:COM", "GLD", "IAU"]
    # ... then the chat's own $MMM, then quotes by where named: ZZZ in the headline and the
    # lead, NEM in the headline, AAA twice in the lead; never A-Z.
    assert shown[4:] == ["MMM", "ZZZ", "NEM", "AAA"]
    assert not {"SPY", "VOO", "IVV", "RSP", "SPXU", "SP500"} & set(shown)


def test_no_line_when_nothing_is_grounded() -> None:
    article = _article("Council approves park", FOOTER, {"SPY", "VOO", "IVV", "RSP", "SPXU"})
    alert = alert_for(article, [Match("gold", "r", "normal", "active", ("park",))], topics=None)
    assert alert is not None
    assert shown_instruments(alert) == []
    assert "💹" not in render_html(alert, TOPICS)
