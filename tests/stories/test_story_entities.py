"""Stories read the knowledge base's entities: other companies, countries or releases named
in the headlines keep two items apart; one release told in other words is one story."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.article import Article
from bot.stories import StoryIndex

AT = datetime(2026, 3, 5, 13, 30, tzinfo=UTC)


def _item(number: int, title: str, summary: str = "", *, minutes: float = 0.0) -> Article:
    return Article(
        id=f"https://desk.example/{number}",
        title=title,
        summary=summary,
        link=f"https://desk.example/{number}",
        source=f"outlet{number}",
        published=AT + timedelta(minutes=minutes or 20 * number),
    )


def _story_count(*articles: Article) -> int:
    """How many stories an empty index makes of the articles, fed in order."""
    index = StoryIndex()
    return len({index.assign(article) for article in articles})


def test_two_listed_companies_winning_alike_contracts_are_two_stories() -> None:
    summary = "The Pentagon awarded a $2.1 billion contract for aerial refuelling tankers."
    assert (
        _story_count(
            _item(1, "Boeing wins $2.1 billion Air Force contract for refuelling tankers", summary),
            _item(
                2,
                "Lockheed Martin wins $2.1 billion Air Force contract for refuelling tankers",
                summary,
            ),
        )
        == 2
    )


def test_two_indicators_of_one_country_and_day_are_two_stories() -> None:
    trade = _item(
        1,
        "UK trade deficit widens more than expected in December",
        "Britain's goods trade deficit widened to 17.4 billion pounds in December, official"
        " data showed on Thursday, as the economy grew 0.1% in the fourth quarter.",
    )
    output = _item(
        2,
        "UK economy grows 0.1% in fourth quarter, avoiding recession",
        "Britain's economy grew 0.1% in the last three months of 2024, official data showed"
        " on Thursday, while the trade deficit widened to 17.4 billion pounds.",
    )
    assert _story_count(trade, output) == 2


def test_weekly_jobless_claims_beside_producer_prices_are_two_stories() -> None:
    claims = _item(
        1,
        "U.S. weekly jobless claims fall to 213,000",
        "Initial claims for state unemployment benefits fell 7,000 to 213,000 last week, the"
        " Labor Department said on Thursday, as producer prices rose 0.4% in January.",
    )
    prices = _item(
        2,
        "U.S. producer prices rise 0.4% in January",
        "Producer prices rose 0.4% last month, the Labor Department said on Thursday, while"
        " initial claims for unemployment benefits fell to 213,000.",
    )
    assert _story_count(claims, prices) == 2
