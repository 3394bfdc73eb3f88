"""Paraphrases of one event join through the knowledge base (issue 24, item 5): an official
named by title or by name, one release of one country told in other words, one company's
results; other countries, other releases, other months and other officials stay apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.article import Article
from bot.stories import StoryIndex
from tests.support.story_articles import linked, story_count

AT = datetime(2026, 3, 11, 13, 30, tzinfo=UTC)


def _item(source: str, title: str, summary: str, *, minutes: float = 0.0) -> Article:
    published = AT + timedelta(minutes=minutes)
    return linked(f"https://{source}.example/{minutes:g}", title, summary, source, published)


def test_an_official_named_by_title_or_by_name_is_one_story() -> None:
    assert (
        story_count(
            _item(
                "wire",
                "Fed's Powell Reiterates No 'Hurry' To Cut Interest Rates",
                "Federal Reserve Chair Jerome Powell told the Senate banking committee the"
                " central bank does not need to be in a hurry to cut interest rates again.",
            ),
            _item(
                "portal",
                "Fed Chair Powell says 'we do not need to be in a hurry' to cut rates",
                "Jerome Powell said in his testimony to the Senate that with the economy strong"
                " the Fed does not need to be in a hurry to adjust its policy stance.",
                minutes=25,
            ),
        )
        == 1
    )


def test_the_commission_chief_and_the_eu_president_are_one_speaker() -> None:
    assert (
        story_count(
            _item(
                "wire",
                "European Commission Chief Vows Response to Trump's Steel Tariffs",
                "The head of the European Commission said the tariffs on European steel and"
                " aluminium exports will trigger firm and proportionate countermeasures.",
            ),
            _item(
                "portal",
                "EU President Vows 'Firm And Proportionate Countermeasures' After Steel Tariffs",
                "Ursula von der Leyen vowed countermeasures in response to the 25% tariffs on"
                " steel and aluminium imports announced by Trump.",
                minutes=40,
            ),
        )
        == 1
    )


def test_two_fed_officials_quoted_are_two_speakers() -> None:
    assert (
        story_count(
            _item(
                "wire",
                "Fed's Goolsbee: Rates Can Come Down Over Time",
                "Chicago Fed President Austan Goolsbee said rates can come down over time.",
            ),
            _item(
                "portal",
                "Fed's Hammack: Rates Can Stay Steady For Some Time",
                "Cleveland Fed President Beth Hammack said rates can stay steady for some time.",
                minutes=20,
            ),
        )
        == 2
    )


_PPI = (
    "U.S. January PPI Rose a Faster Than Expected 0.4%; Annual Pace Jumped to 3.5%",
    "The producer price index rose 0.4% in January and 3.5% year over year, both faster than"
    " economists expected, the Labor Department said.",
)
_PPI_OTHER_WORDS = (
    "Wholesale prices pop and point to persistent pressures in the guts of the U.S. economy",
    "Wholesale prices rose sharply in January, the government said, another sign of sticky"
    " price pressures in the pipeline of the economy.",
)


def test_one_release_told_in_other_words_is_one_story() -> None:
    assert story_count(_item("wire", *_PPI), _item("portal", *_PPI_OTHER_WORDS, minutes=5)) == 1


def test_another_countrys_release_of_the_same_kind_stays_apart() -> None:
    assert (
        story_count(
            _item(
                "wire",
                "U.S. consumer prices rise by 3.0% in January, faster than anticipated",
                "U.S. consumer prices rose 3.0% in January from a year earlier, the Labor"
                " Department said, above the 2.9% economists expected.",
            ),
            _item(
                "portal",
                "UK consumer prices rise at hotter-than-anticipated rate in January",
                "British consumer prices rose 3.0% in January from a year earlier, the Office"
                " for National Statistics said, above what economists expected.",
                minutes=30,
            ),
        )
        == 2
    )


def test_producer_and_consumer_prices_of_one_morning_stay_apart() -> None:
    assert (
        story_count(
            _item("wire", *_PPI),
            _item(
                "portal",
                "U.S. consumer prices rise at hotter-than-anticipated rate in January",
                "U.S. consumer prices rose 0.5% in January and 3.0% year over year, faster than"
                " economists expected, the Labor Department said.",
                minutes=10,
            ),
        )
        == 2
    )


def test_one_release_for_two_months_stays_apart() -> None:
    assert (
        story_count(
            _item(
                "wire",
                "U.S. December PPI rose a faster than expected 0.4%",
                "The producer price index rose 0.4% in December, faster than expected.",
            ),
            _item(
                "portal",
                "U.S. producer prices rise at hotter-than-anticipated rate in January",
                "U.S. producer prices increased 0.4% in January, faster than expected.",
                minutes=10,
            ),
        )
        == 2
    )


def test_one_companys_results_told_in_other_words_are_one_story() -> None:
    assert (
        story_count(
            _item(
                "wire",
                "Acmeron Non-GAAP EPADS of $0.44, revenue of $45.75B; initiates Q1 outlook",
                "Acmeron reported fourth-quarter underlying replacement cost profit of $1.17"
                " billion, down from a year earlier, and revenue of $45.75 billion.",
            ),
            _item(
                "portal",
                "Acmeron's Q4 profit falls 60% amid weaker refining margins, prices",
                "Acmeron said its fourth-quarter underlying replacement cost profit fell to $1.17"
                " billion on weaker refining margins, lower than analysts expected.",
                minutes=45,
            ),
        )
        == 1
    )


def test_a_results_report_finds_its_copy_on_a_busy_results_day() -> None:
    index = StoryIndex()
    first = _item(
        "wire",
        "Acmeron Non-GAAP EPADS of $0.44, revenue of $45.75B; initiates Q1 outlook",
        "Acmeron reported fourth-quarter underlying profit of $1.17 billion and FY24 revenue"
        " of $189 billion, and posted lower full-year profit.",
    )
    story = index.assign(first)
    # Thirty other companies' reports in the same words: every word of the copy below is
    # then too common in the window to select it.
    others = [
        index.assign(
            _item(
                "flash",
                f"Company{chr(65 + number // 26)}{chr(65 + number % 26)} Posts Lower FY24"
                " Profit, Revenue",
                "The company posted lower FY24 profit and revenue, as its rival Acmeron did.",
                minutes=1 + number,
            )
        )
        for number in range(30)
    ]
    copy = _item(
        "portal",
        "Acmeron Posts Lower FY24 Profit, Revenue",
        "Acmeron said its FY24 underlying profit fell and its revenue declined, as refining"
        " margins weakened.",
        minutes=45,
    )
    assert index.assign(copy) == story
    assert story not in others


def test_one_move_told_by_where_it_went_is_one_story() -> None:
    assert (
        story_count(
            _item(
                "wire",
                "Disappointing U.S. CPI Data Sends Bitcoin Tumbling Below $95K",
                "Bitcoin fell below $95,000 after U.S. consumer prices rose more than expected"
                " in January.",
            ),
            _item(
                "portal",
                "Surging U.S. Inflation Sends Bitcoin Below $95K",
                "Hotter U.S. inflation data sent bitcoin below the $95,000 mark as traders"
                " pared bets on rate cuts.",
                minutes=50,
            ),
        )
        == 1
    )


def test_a_report_joins_the_larger_of_two_stories_one_release_split_into() -> None:
    index = StoryIndex()
    # One results release already told as two stories: the outlets' one and a wire's own.
    for minutes, source, title, summary in (
        (
            0,
            "portal",
            "Acmeron Non-GAAP EPADS of $0.44, revenue of $45.75B; initiates Q1 outlook",
            "Acmeron reported fourth-quarter underlying profit of $1.17 billion and FY24"
            " revenue of $189.19 billion, and announced a $1.75 billion share buyback.",
        ),
        (
            30,
            "news",
            "Acmeron's Profit Falls More Than Expected; Announces $1.75 Billion Share Buyback",
            "Acmeron's fourth-quarter profit fell more than expected and FY24 revenue"
            " declined to $189.19 billion; it announced a $1.75 billion share buyback.",
        ),
    ):
        index.add(_item(source, title, summary, minutes=minutes), "outlets")
    index.add(
        _item(
            "flash",
            "Acmeron Posts FY24 Revenue $189.19B",
            "Acmeron posted FY24 revenue of $189.19 billion, lower than a year earlier.",
            minutes=40,
        ),
        "flash",
    )
    copy = _item(
        "flash",
        "Acmeron Posts Lower FY24 Profit, Revenue",
        "Acmeron posted lower FY24 profit and revenue of $189.19 billion, and a $1.75 billion"
        " share buyback.",
        minutes=45,
    )
    assert index.assign(copy) == "outlets"


def test_an_article_about_something_else_keeps_its_best_story() -> None:
    index = StoryIndex()
    for minutes in (0, 20):
        index.add(
            _item(
                f"portal{minutes}",
                "Acmeron Non-GAAP EPADS of $0.44, revenue of $45.75B; initiates Q1 outlook",
                "Acmeron reported fourth-quarter underlying profit of $1.17 billion and"
                " announced a new chief executive to take over in April.",
                minutes=minutes,
            ),
            "results",
        )
    index.add(
        _item(
            "wire",
            "Acmeron names Jane Roe as chief executive",
            "Acmeron named Jane Roe as chief executive from April, replacing John Doe.",
            minutes=30,
        ),
        "ceo",
    )
    copy = _item(
        "news",
        "Acmeron names Jane Roe as new chief executive",
        "Acmeron named Jane Roe, a former rival executive, as chief executive from April.",
        minutes=40,
    )
    assert index.assign(copy) == "ceo"


def test_one_weeks_crude_stocks_told_in_other_words_is_one_story() -> None:
    assert (
        story_count(
            _item(
                "portal",
                "Crude inventory rises by 4.1M barrels for week ended Feb 7 - EIA",
                "U.S. commercial crude oil inventories rose by 4.1 million barrels in the week"
                " ended Feb. 7, the Energy Information Administration said.",
            ),
            _item(
                "wire",
                "U.S. Crude Oil Stockpiles Rise For Third Straight Week",
                "Commercial crude stockpiles in the U.S. increased for a third week, the EIA"
                " said, as refiners cut runs.",
                minutes=90,
            ),
        )
        == 1
    )


def test_crude_stocks_and_gas_storage_of_one_week_stay_apart() -> None:
    assert (
        story_count(
            _item(
                "portal",
                "U.S. Crude Oil Stockpiles Rise For Third Straight Week",
                "Commercial crude stockpiles in the U.S. increased for a third week, the EIA"
                " said, as refiners cut runs.",
            ),
            _item(
                "wire",
                "U.S. Natural Gas Storage Falls More Than Expected",
                "Natural gas in U.S. storage fell by 100 billion cubic feet last week, the EIA"
                " said, more than analysts expected.",
                minutes=30,
            ),
        )
        == 2
    )


_INDUSTRY = _item(
    "stats",
    "Canadian Industrial Output Tops Forecasts",
    "Industrial production in Canada rose by 0.6% month-on-month in January 2026, rebounding"
    " from an upwardly revised 0.4% fall in the previous month and beating market estimates"
    " of 0.2% gain. Output recovered for mining and utilities.",
)


def test_construction_output_beside_industrial_output_of_one_morning_stays_apart() -> None:
    building = _item(
        "stats",
        "Canadian Construction Output Grows More than Estimated",
        "Construction output in Canada increased by 1.4% year-on-year in January 2026,"
        " exceeding market forecasts of 1.0% and accelerating from an upwardly revised 0.9%"
        " rise.",
        minutes=11,
    )
    assert story_count(_INDUSTRY, building) == 2


def test_manufacturing_output_joins_industrial_production_of_one_release() -> None:
    factories = _item(
        "stats",
        "Canada Manufacturing Output Recovers in January",
        "Manufacturing production in Canada increased by 0.8% month-over-month in January"
        " 2026, rebounding from a 0.5% drop in the previous month and defying forecasts of a"
        " fall.",
        minutes=12,
    )
    assert story_count(_INDUSTRY, factories) == 1


_RESULTS = _item(
    "wire",
    "Finland's Brindlemoor Paper Q4 operating profit more than doubles",
    "Finnish forestry group Brindlemoor Paper said on Wednesday its fourth quarter operating"
    " profit more than doubled from a year earlier, driven by higher prices and cost savings.",
)


def test_a_corrected_repost_is_the_report_it_corrects() -> None:
    corrected = _item(
        "newswire",
        "Correction: Brindlemoor Paper Financial Statement Release 2025: Improved results in"
        " challenging markets",
        "Correction: Brindlemoor Paper Financial Statement Release 2025: Improved results in"
        " challenging markets. Fourth quarter operating profit more than doubled to EUR 210"
        " million.",
        minutes=30,
    )
    assert story_count(_RESULTS, corrected) == 1


def test_a_correction_notice_to_an_older_article_stays_apart() -> None:
    notice = _item(
        "newswire",
        "Correction to Brindlemoor Paper Mill Closure Article on Mar. 2",
        "An article on March 2 about Brindlemoor Paper's mill closure misstated the number of"
        " jobs affected.",
        minutes=30,
    )
    assert story_count(_RESULTS, notice) == 2


def test_flash_lines_of_one_results_release_are_one_story() -> None:
    lines = [
        _item("flashwire", "Quillmere Homes 4Q EPS $1.54 >QMHX", "", minutes=0),
        _item("flashwire", "Quillmere Homes 4Q Adj EPS $1.66 >QMHX", "", minutes=0.5),
        _item("flashwire", "Quillmere Homes 4Q Rev $7.36B >QMHX", "", minutes=1),
    ]
    assert story_count(*lines) == 1


def test_flash_lines_of_two_quarters_or_two_companies_stay_apart() -> None:
    fourth = _item("flashwire", "Quillmere Homes 4Q EPS $1.54 >QMHX", "")
    third = _item("flashwire", "Quillmere Homes 3Q EPS $1.21 >QMHX", "", minutes=1)
    other = _item("flashwire", "Brackenfield Foods 4Q EPS $0.88 >BKFD", "", minutes=2)
    assert story_count(fourth, third) == 2
    assert story_count(fourth, other) == 2
