"""The kinds of false merge found over the whole archive (issue 21), on hand-written
articles, and grouping by a bot whose window is still empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.article import Article
from bot.stories import StoryIndex
from tests.support.story_copies import POWELL

AT = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def _item(number: int, title: str, summary: str = "", *, hours: float = 0.0) -> Article:
    return Article(
        id=f"https://wire.example/{number}",
        title=title,
        summary=summary,
        link=f"https://wire.example/{number}",
        source="wire",
        published=AT + timedelta(minutes=number, hours=hours),
    )


def _story_count(*articles: Article) -> int:
    """How many stories an empty index makes of the articles, fed in order."""
    index = StoryIndex()
    return len({index.assign(article) for article in articles})


def test_a_fresh_index_groups_seven_outlets_of_one_testimony_from_the_first_article() -> None:
    outlets = [
        Article(
            id=f"https://{source}.example/powell",
            title=title,
            summary=summary,
            link=f"https://{source}.example/powell",
            source=source,
            published=AT + timedelta(minutes=9 * number),
        )
        for number, (source, title, summary) in enumerate(POWELL)
    ]
    assert _story_count(*outlets) == 1


def test_one_results_template_about_two_companies_is_two_stories() -> None:
    assert (
        _story_count(
            _item(1, "Acme Industries Dec-Quarter Consol Net Profit 240.4 Million Rupees"),
            _item(2, "Bolt Engineering Dec-Quarter Consol Net Profit 156.2 Million Rupees"),
        )
        == 2
    )
    assert (
        _story_count(
            _item(1, "BRIEF-Acme Safety Q4 Adjusted EPS USD 2.25 Vs. IBES Estimate USD 2.24"),
            _item(2, "BRIEF-Globex Payments Q4 Adjusted EPS USD 2.95 Vs. IBES Estimate USD 2.96"),
        )
        == 2
    )


def test_rating_notes_on_different_stocks_are_different_stories() -> None:
    assert (
        _story_count(
            _item(1, "Acme Holdings Is Maintained at Sector Perform by Northbank Capital"),
            _item(2, "Globex Is Maintained at Outperform by Northbank Capital"),
            _item(3, "Initech Is Maintained at Outperform by Northbank Capital"),
        )
        == 3
    )


def test_recurring_screens_and_listicles_are_never_one_story() -> None:
    assert (
        _story_count(
            _item(1, "Undiscovered Gems Three Promising Small Caps With Strong Potential"),
            _item(2, "Undiscovered Gems And 2 Other Hidden Small Caps With Strong Potential"),
            _item(3, "Acme Unusual Options Activity"),
            _item(4, "Globex Unusual Options Activity"),
        )
        == 4
    )


def test_listings_named_in_the_headline_tell_companies_apart() -> None:
    assert (
        _story_count(
            _item(1, "Many Still Looking Away From Acme Petrochemical Co.,Ltd. (SHSE:600346)"),
            _item(2, "Many Still Looking Away From Globex Network Co.,Ltd. (SHSE:600050)"),
        )
        == 2
    )


def test_the_same_daily_column_on_another_day_is_another_story() -> None:
    table = "7,432,896 33.38 +0.47 6,015,545 18.51 -0.08"  # a price table, no words
    other = "5,088,163 6.66 -0.02 4,799,911 11.59 -0.04"
    assert (
        _story_count(
            _item(1, "Manila Closing Stock Prices", table),
            _item(2, "Manila Closing Stock Prices", other, hours=24),
        )
        == 2
    )


def test_an_offering_priced_after_its_announcement_is_a_follow_up() -> None:
    assert (
        _story_count(
            _item(1, "Acme Therapeutics Announces Proposed Public Offering of Common Stock"),
            _item(2, "Acme Therapeutics Announces Pricing of Public Offering of Common Stock"),
        )
        == 2
    )
