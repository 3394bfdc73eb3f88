"""Stories read the knowledge base's entities: other companies, countries or releases named
in the headlines keep two items apart; one release told in other words is one story."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.article import Article
from tests.support.story_articles import story_count

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


def test_two_listed_companies_winning_alike_contracts_are_two_stories() -> None:
    summary = "The Pentagon awarded a $2.1 billion contract for aerial refuelling tankers."
    assert (
        story_count(
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
    assert story_count(trade, output) == 2


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
    assert story_count(claims, prices) == 2


def test_two_trusts_results_under_one_word_and_no_symbol_in_common_are_two_stories() -> None:
    flash = _item(1, "Quillon REIT 4Q EPS C$0.45 >QRT.UN.T")
    release = _item(
        2,
        "Tarrock REIT Reports Fourth Quarter 2024 Results",
        'TORONTO, Feb. 12, 2025 - Tarrock Real Estate Investment Trust ("Tarrock" or "the'
        ' REIT") is pleased to announce its financial results for the fourth quarter and year'
        " ended December 31, 2024.",
    )
    assert story_count(flash, release) == 2


def test_call_remarks_and_interviews_are_not_the_results_they_comment() -> None:
    flash = _item(
        1,
        "Earnings Flash (ZMB) Zembla Foods Reports Q4 Adjusted EPS $1.20, vs. FactSet Est of $1.10",
    )
    call = _item(
        2,
        "Zembla Foods outlines 2025 adjusted EPS guidance of $4-$4.30, emphasizes growth in Europe",
        "Earnings Call Insights: Zembla Foods (NYSE:ZMB) Q4 2024 Management View CEO Anna Berg"
        " highlighted a 12% sales growth in Europe and adjusted EPS of $1.20.",
    )
    assert story_count(flash, call) == 2
    results = _item(
        3,
        "Zembla Foods Q4 adjusted EPS $1.20 beats estimates",
        "Zembla Foods reported fourth-quarter adjusted earnings of $1.20 per share on Tuesday,"
        " above estimates of $1.10.",
    )
    interview = _item(
        4,
        "Zembla Foods CEO says price cuts in Europe will weigh on margins in interview",
        "Zembla Foods chief executive said in an interview on Tuesday that adjusted earnings"
        " of $1.20 per share came as the company cut prices in Europe.",
    )
    assert story_count(results, interview) == 2


def test_an_official_confirmation_follows_the_report_it_confirms() -> None:
    report = _item(
        1,
        "Brennick in talks to buy cancer drugmaker Solvaro, sources say",
        "Brennick is in advanced talks to acquire U.S. cancer drugmaker Solvaro for about $3"
        " billion, according to people familiar with the matter.",
    )
    confirmation = _item(
        2,
        "Brennick confirms talks to buy cancer drugmaker Solvaro",
        "Brennick said on Tuesday it is in discussions to acquire U.S. cancer drugmaker"
        " Solvaro, confirming earlier media reports.",
    )
    assert story_count(report, confirmation) == 2


def test_a_stock_approaching_its_results_is_a_preview_not_the_results() -> None:
    preview = _item(
        1,
        "Halvor Health Approaches Q4 Earnings With Shares Near Lows",
        "Halvor Health reports fourth-quarter earnings on Wednesday; the stock is down 30% in"
        " the past year.",
    )
    results = _item(
        2,
        "Halvor Health Q4 earnings beat estimates as shares jump",
        "Halvor Health reported fourth-quarter earnings above estimates on Wednesday and its"
        " shares rose 8%.",
        minutes=60 * 20,
    )
    assert story_count(preview, results) == 2


def test_one_release_told_in_other_words_is_one_story() -> None:
    flash = _item(
        1, "U.S. February CPI Rose a Faster Than Expected 0.5%; Annual Rate Climbed to 3.2%"
    )
    rewrite = _item(
        2,
        "American consumer prices climb at hotter-than-forecast pace in February",
        "Consumer prices in the United States increased by more than economists had forecast"
        " last month, the Labor Department said on Wednesday.",
    )
    assert story_count(flash, rewrite) == 1


def test_the_same_release_of_another_country_stays_apart() -> None:
    american = _item(
        1, "U.S. February CPI Rose a Faster Than Expected 0.5%; Annual Rate Climbed to 3.2%"
    )
    portuguese = _item(
        2,
        "Portugal consumer prices climb at hotter-than-forecast pace in February",
        "Consumer prices in Portugal increased by more than economists had forecast last"
        " month, the statistics office said on Wednesday.",
    )
    assert story_count(american, portuguese) == 2


def test_a_daily_column_a_day_later_is_another_day_s_news() -> None:
    text = (
        "Energy stocks were higher in the afternoon, with the NYSE Energy Sector Index and the"
        " Energy Select Sector SPDR Fund rising 0.8% as crude gained."
    )
    monday = _item(1, "Sector Update: Energy", text)
    tuesday = _item(2, "Sector Update: Energy", text, minutes=60 * 24)
    assert story_count(monday, tuesday) == 2


def test_an_official_s_view_after_a_release_is_not_the_release() -> None:
    release = _item(
        1,
        "U.S. February CPI Rose a Faster Than Expected 0.5%",
        "Consumer prices rose 0.5% last month, the Labor Department said on Wednesday.",
    )
    view = _item(
        2,
        "Fed is going to be even more cautious about inflation after CPI report",
        "Powell said the Fed is holding where it is after the hotter-than-expected February"
        " CPI; consumer prices rose 0.5% last month.",
    )
    assert story_count(release, view) == 2


def test_one_daily_fixing_with_another_figure_two_days_later_is_another_story() -> None:
    text = "The central bank sets the daily midpoint of the yuan against the dollar."
    first = _item(
        1, "PBOC sets USD/CNY reference rate for today at 7.1710 (vs. estimate at 7.2971)", text
    )
    later = _item(
        2,
        "PBOC sets USD/CNY reference rate for today at 7.1706 (vs. estimate at 7.2739)",
        text,
        minutes=60 * 48,
    )
    assert story_count(first, later) == 2


def test_two_outlets_previews_of_one_release_are_each_their_own_story() -> None:
    first = _item(
        1,
        "Halvor Health Q4 Earnings Preview: Margins and Guidance On Watch",
        "Halvor Health reports fourth-quarter earnings on Wednesday; investors watch margins.",
    )
    second = _item(
        2,
        "Halvor Health's earnings are on deck. Here are the two biggest things to watch.",
        "Halvor Health reports fourth-quarter earnings on Wednesday; margins and guidance matter.",
    )
    assert story_count(first, second) == 2


def test_brokers_raising_targets_after_results_are_not_the_results() -> None:
    results = _item(
        1,
        "Halvor Health rises on quarterly sales, profit beat",
        "Halvor Health shares rose 8% after quarterly sales and profit beat estimates.",
    )
    targets = _item(
        2,
        "Halvor Health Shares Jump After Wedbush, UBS Raise Price Targets Following Higher Q4"
        " Results",
        "Halvor Health shares rose 8% after quarterly sales and profit beat estimates.",
    )
    assert story_count(results, targets) == 2
