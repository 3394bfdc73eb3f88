"""Paraphrases of one event that name a party in other ways (issue 24, item 5): a listed
company by its name, by its symbol or by its tags; one party's refusal told by several
outlets. Another company, another party's answer, or the same party answering something
else stay apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.article import Article
from bot.stories import StoryIndex
from bot.stories.features import describe
from bot.stories.same_event import one_answer
from tests.support.story_articles import linked, story_count

AT = datetime(2026, 3, 12, 21, 10, tzinfo=UTC)


def _item(
    source: str,
    title: str,
    summary: str,
    *,
    minutes: float = 0.0,
    tickers: frozenset[str] = frozenset(),
) -> Article:
    published = AT + timedelta(minutes=minutes)
    article = linked(f"https://{source}.example/{minutes:g}", title, summary, source, published)
    return replace(article, tickers=tickers)


# Carlisle Companies is listed as CSL in the shipped knowledge base (listed.tsv).
RESULTS_FLASH = _item(
    "wire",
    "Carlisle Companies Q4 Adjusted EPS Rises, Revenue Tops Estimates; Updates 2026 Outlook",
    "Carlisle Companies reported fourth-quarter adjusted earnings of $5.30 per diluted share,"
    " up from $4.47 a year earlier, on revenue of $1.28 billion.",
)
SYMBOL_RECAP = _item(
    "portal",
    "CSL Earnings: Carlisle Stock Climbs on Strong Results and Guidance",
    "Shares of Carlisle (CSL) rose in after-hours trading after the building products maker"
    " reported results and an outlook above what analysts expected.",
    minutes=50,
)


def test_a_company_by_its_symbol_and_by_its_name_is_one_story() -> None:
    assert story_count(RESULTS_FLASH, SYMBOL_RECAP) == 1


def test_another_company_by_its_symbol_stays_apart() -> None:
    other = _item(
        "portal",
        "CRWS Earnings: Crown Crafts Stock Climbs on Strong Results and Guidance",
        "Shares of Crown Crafts (CRWS) rose after the infant products maker reported results"
        " and an outlook above what analysts expected.",
        minutes=50,
    )
    assert story_count(RESULTS_FLASH, other) == 2


def test_a_peers_results_tagged_with_the_company_stay_another_company() -> None:
    peer = _item(
        "portal",
        "Crown Crafts Q3 Adjusted EPS Rises, Revenue Tops Estimates; Updates 2026 Outlook",
        "Crown Crafts reported third-quarter adjusted earnings of $0.12 per diluted share, on"
        " revenue of $23.3 million; building products peer Carlisle reported on Tuesday.",
        minutes=50,
        tickers=frozenset({"CRWS", "CSL"}),
    )
    assert story_count(RESULTS_FLASH, peer) == 2


CHIP_PLAN = _item(
    "wire",
    "Northwind AI works with TSMC to make its own accelerator chips: report",
    "Northwind AI is pushing ahead with plans to make its first in-house accelerator, working"
    " with Taiwan Semiconductor Manufacturing on production next year.",
    tickers=frozenset({"TSM", "NVDA"}),
)
CHIP_PLAN_REWRITE = _item(
    "daily",
    "To cut reliance on Nvidia, Northwind AI to finalise its own accelerator chip design",
    "Northwind AI is pushing ahead with its plan to reduce its reliance on Nvidia by making"
    " its first in-house accelerator, to go into production next year.",
    minutes=35,
)


def test_a_company_in_one_articles_tags_is_one_the_other_names() -> None:
    assert story_count(CHIP_PLAN, CHIP_PLAN_REWRITE) == 1


def test_without_the_tag_the_other_company_is_another_story() -> None:
    untagged = replace(CHIP_PLAN, tickers=frozenset())
    assert story_count(untagged, CHIP_PLAN_REWRITE) == 2


REFUSAL_FIRST = _item(
    "wire",
    "Zelensky fires back at Trump over minerals proposal, says 'no'",
    "Ukrainian President Volodymyr Zelensky appeared to push back at reports that Washington"
    " wants half of Ukraine's rare earths and said he would not sign such a document.",
)
REFUSAL_SECOND = _item(
    "daily",
    "Volodymyr Zelensky says 'no' to Trump administration's demand for minerals",
    "Ukraine's leader appeared to shut down a proposal from the U.S. administration to take"
    " a large share of the country's mineral resources in exchange for past aid.",
    minutes=240,
)
REFUSAL_BRUSHED = _item(
    "magazine",
    "Zelensky brushes off Trump's minerals demand as rift with Washington deepens",
    "Kyiv and Washington have sparred over aid since the new administration took office; the"
    " dispute reached a new level this week.",
    minutes=8 * 60 + 40,
)
REFUSAL_LATER = _item(
    "portal",
    "Zelensky Rejects Trump's Massive $500 Billion Minerals Demand",
    "In a high-stakes showdown, Ukrainian President Volodymyr Zelensky has turned down Donald"
    " Trump's demand for $500 billion worth of rare earths, as reported earlier.",
    minutes=12 * 60 + 50,
)


def test_one_partys_refusal_told_in_other_words_is_one_story() -> None:
    assert story_count(REFUSAL_FIRST, REFUSAL_SECOND, REFUSAL_BRUSHED, REFUSAL_LATER) == 1


def test_the_same_party_refusing_something_else_is_another_story() -> None:
    other = _item(
        "daily",
        "Zelensky rejects Trump's call for elections in Ukraine",
        "Ukrainian President Volodymyr Zelensky rejected a call by Donald Trump to hold"
        " elections while martial law is in force.",
        minutes=120,
    )
    assert story_count(REFUSAL_FIRST, other) == 2


def test_the_same_partys_later_claim_is_not_its_refusal() -> None:
    claim = _item(
        "daily",
        "Zelensky calls Trump's minerals demand an attempt to 'sell our country'",
        "In an interview on Wednesday, Volodymyr Zelensky said the U.S. proposal for Ukraine's"
        " minerals would sell the country and that it was not serious.",
        minutes=22 * 60,
    )
    assert story_count(REFUSAL_FIRST, claim) == 2


def test_the_other_partys_answer_is_not_one_answer() -> None:
    answer = _item(
        "daily",
        "Trump hits back at Zelensky, rejects Kyiv's counterproposal on minerals",
        "President Donald Trump said Volodymyr Zelensky should have signed the minerals deal.",
        minutes=120,
    )
    assert not one_answer(describe(REFUSAL_FIRST), describe(answer), 2.0)
    assert one_answer(describe(REFUSAL_FIRST), describe(REFUSAL_SECOND), 4.0)


def _busy_day() -> StoryIndex:
    """An index holding a busy morning of one subject: every word of its headlines is in
    more than 1% of the window, so none of them selects earlier articles by itself."""
    index = StoryIndex()
    places = """Brazil Canada Mexico Korea Japan Germany India Vietnam Turkey Taiwan Sweden
    Austria Australia Argentina Chile Peru Egypt Spain Italy France Poland Norway Finland
    Belgium Netherlands Ireland""".split()
    for number, place in enumerate(places):
        index.assign(
            _item(
                f"filler{number}",
                f"{place} steelmakers weigh the cost of new U.S. levies on metals",
                f"Producers in {place} said the new tariffs Trump signs on steel and aluminum"
                f" imports would cut their exports; officials in {place} asked for talks.",
                minutes=-300 + number * 5,
            )
        )
    return index


def test_a_headline_of_common_words_finds_its_event_on_a_busy_day() -> None:
    index = _busy_day()
    signed = index.assign(
        _item(
            "wire",
            "Trump imposes 25% tariffs on steel and aluminum, says no exemptions",
            "President Donald Trump on Monday signed orders imposing new 25% tariffs on all"
            " imports of steel and aluminum, saying no country would be exempt.",
        )
    )
    copy = index.assign(
        _item(
            "daily",
            "Trump signs off on new aluminum and steel tariffs",
            "President Trump on Monday signed proclamations imposing tariffs on all steel and"
            " aluminum imports, ending the exemptions of every country.",
            minutes=45,
        )
    )
    assert copy == signed


def test_a_markets_move_on_a_busy_day_is_still_its_own_story() -> None:
    index = _busy_day()
    signed = index.assign(
        _item(
            "wire",
            "Trump imposes 25% tariffs on steel and aluminum, says no exemptions",
            "President Donald Trump on Monday signed orders imposing new 25% tariffs on all"
            " imports of steel and aluminum, saying no country would be exempt.",
        )
    )
    reaction = index.assign(
        _item(
            "daily",
            "Steel stocks jump as Trump signs new aluminum and steel tariffs",
            "Shares of steel producers rose after President Trump signed tariffs on all steel"
            " and aluminum imports, ending the exemptions of every country.",
            minutes=45,
        )
    )
    assert reaction != signed
