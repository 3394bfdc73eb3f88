"""The kinds of false merge found over the whole archive (issue 21), on hand-written
articles, and grouping by a bot whose window is still empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.article import Article
from bot.stories import StoryIndex
from tests.support.story_articles import linked, story_count
from tests.support.story_copies import POWELL

AT = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _item(number: int, title: str, summary: str = "", *, hours: float = 0.0) -> Article:
    published = AT + timedelta(minutes=number, hours=hours)
    return linked(f"https://wire.example/{number}", title, summary, "wire", published)


def test_a_fresh_index_groups_seven_outlets_of_one_testimony_from_the_first_article() -> None:
    outlets = [
        linked(f"https://{source}.example/powell", title, summary, source, AT + 9 * number * MINUTE)
        for number, (source, title, summary) in enumerate(POWELL)
    ]
    assert story_count(*outlets) == 1


def test_one_results_template_about_two_companies_is_two_stories() -> None:
    assert (
        story_count(
            _item(1, "Acme Industries Dec-Quarter Consol Net Profit 240.4 Million Rupees"),
            _item(2, "Bolt Engineering Dec-Quarter Consol Net Profit 156.2 Million Rupees"),
        )
        == 2
    )
    assert (
        story_count(
            _item(1, "BRIEF-Acme Safety Q4 Adjusted EPS USD 2.25 Vs. IBES Estimate USD 2.24"),
            _item(2, "BRIEF-Globex Payments Q4 Adjusted EPS USD 2.95 Vs. IBES Estimate USD 2.96"),
        )
        == 2
    )


def test_rating_notes_on_different_stocks_are_different_stories() -> None:
    assert (
        story_count(
            _item(1, "Acme Holdings Is Maintained at Sector Perform by Northbank Capital"),
            _item(2, "Globex Is Maintained at Outperform by Northbank Capital"),
            _item(3, "Initech Is Maintained at Outperform by Northbank Capital"),
        )
        == 3
    )


def test_recurring_screens_and_listicles_are_never_one_story() -> None:
    assert (
        story_count(
            _item(1, "Undiscovered Gems Three Promising Small Caps With Strong Potential"),
            _item(2, "Undiscovered Gems And 2 Other Hidden Small Caps With Strong Potential"),
            _item(3, "Acme Unusual Options Activity"),
            _item(4, "Globex Unusual Options Activity"),
        )
        == 4
    )


def test_listings_named_in_the_headline_tell_companies_apart() -> None:
    assert (
        story_count(
            _item(1, "Many Still Looking Away From Acme Petrochemical Co.,Ltd. (SHSE:600346)"),
            _item(2, "Many Still Looking Away From Globex Network Co.,Ltd. (SHSE:600050)"),
        )
        == 2
    )


def test_the_same_daily_column_on_another_day_is_another_story() -> None:
    table = "7,432,896 33.38 +0.47 6,015,545 18.51 -0.08"  # a price table, no words
    other = "5,088,163 6.66 -0.02 4,799,911 11.59 -0.04"
    assert (
        story_count(
            _item(1, "Manila Closing Stock Prices", table),
            _item(2, "Manila Closing Stock Prices", other, hours=24),
        )
        == 2
    )


def test_an_offering_priced_after_its_announcement_is_a_follow_up() -> None:
    assert (
        story_count(
            _item(1, "Acme Therapeutics Announces Proposed Public Offering of Common Stock"),
            _item(2, "Acme Therapeutics Announces Pricing of Public Offering of Common Stock"),
        )
        == 2
    )


def test_two_kinds_of_event_of_one_company_are_two_stories() -> None:
    # Results and a buyback, results and a new CFO, results and an executive's remark.
    results = "Sonic Group reports Q3 results"
    summary = "Sonic Group said quarterly operating profit rose on games and music."
    for other in (
        "Sonic Group: To Buy Back Up to Y50.0B of Own Shares by May 14",
        "Sonic Group announces new CFO",
        "Sonic Group Has Close to 400 Companies on List of Potential Targets, CEO Says",
    ):
        assert story_count(_item(1, results, summary), _item(2, other, summary)) == 2, other
    # Two outlets' reports of the results stay one story.
    assert (
        story_count(
            _item(1, results, summary),
            _item(2, "Sonic Group Q3 operating profit rises on games, music", summary),
        )
        == 1
    )


def test_one_speakers_two_remarks_are_two_stories() -> None:
    assert (
        story_count(
            _item(1, "Investors Shouldn't Only Bet on U.S. Equities This Year, Kestrel CIO Says"),
            _item(2, "U.S. Midcaps Could Benefit Most From Trump Policies, Kestrel CIO Says"),
        )
        == 2
    )


def test_a_move_before_the_open_and_the_open_are_two_stories() -> None:
    summary = (
        "Wall Street's main indexes were set to rise as investors parsed producer prices data."
    )
    assert (
        story_count(
            _item(1, "Wall St set for slightly higher open after producer prices data", summary),
            _item(2, "Wall St opens higher after producer prices data", summary),
        )
        == 2
    )


def test_background_digests_and_a_named_view_stay_apart_from_the_event() -> None:
    event = _item(
        1,
        "Activist Kestrel builds $2.5B stake in Ridgeline Energy, seeks operational changes",
        "Activist Kestrel Partners has built a $2.5 billion stake in refiner Ridgeline Energy.",
    )
    for other in (
        "Kestrel Had Received 1 Board Seat After Disclosing $1B Stake in Ridgeline in Late 2023",
        "Activist Kestrel's recent holdings and campaigns",
        "Kestrel's Ridgeline stake aimed at forcing a midstream spin-off: Wedbush",
    ):
        copy = _item(
            2,
            other,
            "Activist Kestrel Partners has built a $2.5 billion stake in refiner Ridgeline Energy.",
            hours=1,
        )
        assert story_count(event, copy) == 2, other
    assert (
        story_count(
            event,
            _item(
                3,
                "Kestrel Partners builds $2.5 billion stake in Ridgeline Energy",
                "Activist Kestrel Partners has built a $2.5 billion stake in refiner Ridgeline.",
                hours=1,
            ),
        )
        == 1
    )


DOMAIN = (
    "Domain Holdings Australia on Thursday reported first-half results and said chief"
    " executive Jason Pellegrino will leave the property portal on Feb. 28."
)


def test_results_and_a_ceo_leaving_are_two_stories() -> None:
    assert (
        story_count(
            _item(1, "Domain 1H Ebit A$59.2M Vs. A$47.5M Ex-Significant Items", DOMAIN),
            _item(2, "Domain CEO Jason Pellegrino Will Leave on Feb 28", DOMAIN),
        )
        == 2
    )


def test_daily_items_of_two_days_are_two_stories() -> None:
    forum = "This is the forum for daily political discussion. A new version is published daily."
    assert (
        story_count(
            _item(1, "Politics And The Markets 02/10/25", forum),
            _item(2, "Politics And The Markets 02/11/25", forum, hours=24),
        )
        == 2
    )
    # A headline-only table a day later is the next day's, however equal its headline.
    assert (
        story_count(
            _item(1, "SGX Sicom RSS3 Rubber Untraded at Midday"),
            _item(2, "SGX Sicom RSS3 Rubber Untraded at Midday", hours=24),
        )
        == 2
    )


def test_one_column_template_about_two_companies_is_two_stories() -> None:
    assert (
        story_count(
            _item(
                1,
                "Earnings Snapshot: Incyte reports Q4 revenue beat, profit misses estimate",
                "Earnings snapshot: the quarter's figures against estimates and the outlook.",
            ),
            _item(
                2,
                "Earnings Snapshot: BP expects lower Q1 upstream production, issues outlook",
                "Earnings snapshot: the quarter's figures against estimates and the outlook.",
            ),
        )
        == 2
    )


def test_a_holder_crossing_up_and_another_crossing_down_are_two_notices() -> None:
    notice = "Notice of change of interests of substantial holder in Key Petroleum Limited."
    assert (
        story_count(
            _item(1, "Acorn Oil & Gas Ceases Substantial Holding in Key Petroleum", notice),
            _item(2, "Acorn Group Becomes Substantial Holder in Key Petroleum", notice),
        )
        == 2
    )


def test_miners_shares_are_not_the_metal_they_mine() -> None:
    summary = "Gold rose above $2,900 an ounce for the first time as tariff worries grew."
    assert (
        story_count(
            _item(1, "Gold closes above $2,900 for first time on tariff worries", summary),
            _item(2, "Gold miners gain as bullion prices race to record highs", summary),
        )
        == 2
    )


def test_a_listicle_of_another_horizon_is_another_item() -> None:
    summary = "Here is how much an investment in this stock would be worth today."
    assert (
        story_count(
            _item(
                1, "If You Invested $100 In This Stock 10 Years Ago, You Would Have This", summary
            ),
            _item(
                2, "If You Invested $100 In This Stock 20 Years Ago, You Would Have This", summary
            ),
        )
        == 2
    )


def test_a_rise_and_a_fall_of_one_market_are_two_moves() -> None:
    summary = "Gold prices moved as investors weighed new U.S. tariffs on steel and aluminum."
    assert (
        story_count(
            _item(1, "Gold jumps to peak on Trump tariff fears", summary),
            _item(2, "Gold falls from peak on Trump tariff fears", summary, hours=3),
        )
        == 2
    )


def test_an_ebitda_item_and_a_buyback_are_two_stories() -> None:
    summary = "Royal BAM Groep reported its 2024 figures and plans to return cash to shareholders."
    assert (
        story_count(
            _item(1, "BAM Groep delivers adjusted EBITDA of EUR 333 million over 2024", summary),
            _item(2, "Royal BAM Groep to return EUR50M to shareholders via share buyback", summary),
        )
        == 2
    )


def test_one_brokers_initiations_of_two_stocks_are_two_notes() -> None:
    assert (
        story_count(
            _item(
                1,
                "Acme Biologics Initiated at Buy by Northbank",
                "(23:22 GMT) Acme Biologics Price Target Announced at $86.00/Share by Northbank",
            ),
            _item(
                2,
                "Globex Therapeutics Initiated at Neutral by Northbank",
                "(23:25 GMT) Globex Therapeutics Price Target Announced at $38.00/Share by"
                " Northbank",
            ),
        )
        == 2
    )
    results = _item(
        1,
        "Kestrel Motors' Q3 margin surprises Street; analysts mixed on future growth",
        "Kestrel Motors' December quarter results sparked optimism among analysts.",
    )
    note = _item(2, "Kestrel Motors Target Price Raised to INR250 From INR247 by Northbank")
    assert story_count(results, note) == 2


def test_monthly_sales_of_two_companies_of_one_country_are_two_stories() -> None:
    assert (
        story_count(
            _item(
                1,
                "Zhenqi Holdings Says January Sales Up 3.2% Y/Y At T$65.8 Bln",
                "Zhenqi Holdings Ltd :SAYS JANUARY SALES UP 3.2% Y/Y AT T$65.8 BILLION"
                " ($2.01 billion)($1 = 32.7770 Taiwan dollars)",
            ),
            _item(
                2,
                "Taiwan Widget Says January Revenue Down 2.9% Y/Y At T$16.46 Bln",
                "Taiwan Widget Co Ltd :SAYS JANUARY REVENUE DOWN 2.9% Y/Y AT T$16.46 BILLION"
                " ($502.29 million)($1 = 32.7700 Taiwan dollars)",
            ),
        )
        == 2
    )


def test_results_of_two_companies_opening_with_one_word_are_two_stories() -> None:
    assert (
        story_count(
            _item(
                1,
                "Jordan Widget Industries FY Profit Rises",
                "Jordan Widget Industries PLC :FY PROFIT 2.1 MILLION DINARS VERSUS 1.8 MILLION"
                " DINARS YEAR AGO",
            ),
            _item(
                2,
                "Jordan Harbour Bank FY Profit Rises",
                "Jordan Harbour Bank PLC :FY PROFIT 9.4 MILLION DINARS VERSUS 8.8 MILLION"
                " DINARS YEAR AGO",
                hours=2,
            ),
        )
        == 2
    )


def test_a_votes_early_trends_and_its_outcome_are_news_of_their_moments() -> None:
    count = (
        "Counting of votes is underway for the Northland assembly elections. As per the early"
        " trends, the Blue Party is leading on 41 seats while the Green Party is ahead on 27."
    )
    assert (
        story_count(
            _item(1, "Northland poll results: Ada Moss trails in Eastfield, Ben Lark ahead", count),
            _item(2, "Northland assembly result: Cal Reed leads, Ben Lark trails", count, hours=1),
            _item(3, "Blue Party's Ben Lark loses Westfield seat to Cal Reed", count, hours=3),
            _item(
                4, "Cal Reed to Dee Fern: Who will be Blue Party's chief minister?", count, hours=3
            ),
        )
        == 4
    )


def test_two_editions_of_one_sector_column_are_two_items() -> None:
    assert (
        story_count(
            _item(
                1,
                "Sector Update: Health Care",
                "Health care stocks were lower Monday afternoon, with the NYSE Health Care Index"
                " and the Health Care Select Sector SPDR Fund each shedding 0.4%. The iShares"
                " Biotechnology ETF fell 1%. In corporate news, Acme Bio rose.",
            ),
            _item(
                2,
                "Sector Update: Health Care",
                "Health care stocks were lower late Monday afternoon, with the NYSE Health Care"
                " Index and the Health Care Select Sector SPDR Fund each easing 0.2%. The iShares"
                " Biotechnology ETF fell 1.1%. In corporate news, Globex Bio fell.",
                hours=2,
            ),
        )
        == 2
    )


def test_two_filing_notices_of_one_company_are_two_items() -> None:
    filed = "Acme Rebel Holdings filed a Form 8K with the U.S Securities and Exchange Commission."
    assert (
        story_count(
            _item(1, "Acme Rebel Holdings Files 8K - Listing Notice >ARBL", filed),
            _item(2, "Acme Rebel Holdings Files 8K - Regulation FD >ARBL", filed),
        )
        == 2
    )


def test_oil_companies_shares_are_not_the_inventory_report() -> None:
    assert (
        story_count(
            _item(1, "US Total Weekly EIA Crude Oil Stocks Rise by 4.3 Million Barrels"),
            _item(
                2,
                "Oil stocks fall on rising US crude stockpiles, hawkish fed comments",
                "Shares of U.S. oil and gas companies fall, tracking declining oil prices after"
                " data showed U.S. crude stockpiles rose by 4.3 million barrels.",
            ),
        )
        == 2
    )


def test_an_outlets_opinion_section_is_not_the_results_it_discusses() -> None:
    opinion = linked(
        "https://seekingalpha.com/article/7000001-quality-of-fizzco-earnings",
        "Never Thought The Quality Of Fizzco's Earnings Was All That Good",
        "By the time most readers see this, Fizzco (NYSE:FZC) will have reported Q4 earnings.",
        "seekalpha_articles",
        AT,
    )
    flash = _item(30, "Fizzco 4Q Adj EPS 55c >FZC")
    assert story_count(opinion, flash) == 2
    column = linked(
        "https://daily.example/opinion/fizzco-results-column",
        "Fizzco's quarterly beat on strong demand hides a weaker business",
        "Fizzco beat quarterly results estimates on strong demand for its sodas.",
        "daily",
        AT + MINUTE,
    )
    report = _item(
        40,
        "Fizzco beats quarterly results estimates on strong demand",
        "Fizzco beat fourth-quarter estimates for revenue and profit on strong demand.",
    )
    assert story_count(column, report) == 2


def test_a_daily_item_of_two_weekdays_is_two_items() -> None:
    calendar = (
        "6:00 AM NFIB Small Business Optimism. 8:30 AM Consumer Price Index. 10:00 AM Fed Chair"
        " testimony."
    )
    assert (
        story_count(
            _item(1, "Monday's economic calendar", calendar),
            _item(2, "Tuesday's Economic Calendar", calendar, hours=24),
        )
        == 2
    )


def test_one_release_of_two_countries_is_two_stories() -> None:
    assert (
        story_count(
            _item(
                1,
                "Sweden Industrial Output Rises for 2nd Month",
                "Industrial production in Sweden advanced by 9% year-on-year in December, up from"
                " a 2.6% increase in the previous month.",
            ),
            _item(
                2,
                "Bulgaria's industrial output down 3.9% y/y in Dec",
                "Bulgaria's industrial production index fell by an annual 3.9% in December after"
                " adding a revised 2.4% in November, the statistical office said.",
                hours=4,
            ),
        )
        == 2
    )


def test_two_holders_stakes_in_one_company_are_two_notices() -> None:
    notice = "Learning Gadgets Group plc received a notification of major holdings."
    assert (
        story_count(
            _item(1, "Glazer Capital Acquires Significant Stake in Learning Gadgets", notice),
            _item(2, "Northbank Group Increases Stake in Learning Gadgets", notice, hours=6),
        )
        == 2
    )


def test_a_courts_ruling_and_a_fact_without_it_are_two_stories() -> None:
    ruling = _item(
        1,
        "Federal Employee 'Buyout' Program Can Proceed, Court Rules",
        "A federal judge has ruled that a deferred-resignation plan the administration offered"
        " to federal workers can proceed.",
    )
    uptake = _item(
        2,
        "About 75,000 federal workers accept administration buyout program",
        "About 75,000 federal workers accepted the deferred buyout program of the"
        " administration, a spokesperson for the Office of Personnel Management said.",
    )
    assert story_count(ruling, uptake) == 2


def test_two_companies_dividends_of_one_amount_are_two_declarations() -> None:
    fund = (
        "First Harbour Specialty Finance and Financial Opportunities Fund Declares its Quarterly"
        " Distribution of $0.10 Per Share"
    )
    assert (
        story_count(
            _item(
                1,
                fund,
                fund + ". The fund's board declared a regular quarterly distribution of $0.10"
                " per share payable March 31.",
            ),
            _item(
                2,
                "Advanced Gadgets declares $0.10 dividend",
                "Advanced Gadgets declared $0.10/share quarterly dividend, in line with previous."
                " Forward yield 0.35% Payable March 7; for shareholders of record Feb. 24.",
                hours=10,
            ),
        )
        == 2
    )


def test_two_remarks_on_one_call_are_two_stories() -> None:
    assert (
        story_count(
            _item(1, "Maison Deputy CEO and COO: 2025 Will Be a Year of Stabilization"),
            _item(2, "Maison Deputy CEO and COO: 1H Should Be Quite Low in Terms of Profitability"),
        )
        == 2
    )


def _insight(number: int, title: str, summary: str = "") -> Article:
    """A machine-written item of Benzinga's per-company `/insights/` section."""
    link = f"https://www.benzinga.com/insights/options/25/02/{number}/item-{number}"
    return linked(link, title, summary, "benzinga", AT + number * MINUTE)


def test_machine_written_items_about_two_companies_are_two_items() -> None:
    assert (
        story_count(
            _insight(1, "Behind the Scenes of Acme Robotics's Latest Options Trends"),
            _insight(2, "Behind the Scenes of Globex Wholesale's Latest Options Trends"),
        )
        == 2
    )


def test_a_machine_written_item_still_joins_its_own_repost_and_a_recap_its_results() -> None:
    item = "Behind the Scenes of Acme Robotics's Latest Options Trends"
    assert story_count(_insight(1, item), _insight(2, item)) == 1
    release = (
        "Fizzco reported fourth-quarter adjusted earnings of $2.27 per share, beating the"
        " consensus of $2.10, on revenue of $1.71 billion."
    )
    assert (
        story_count(
            _item(1, "Fizzco 4Q Adj EPS $2.27 >FZC", release),
            _insight(20, "Insights into Fizzco Q4 Earnings", release),
        )
        == 1
    )


_VALUATION_PIECE = (
    "There wouldn't be many who think Fizzco's (NYSE:FZC) price-to-earnings (or \"P/E\") ratio"
    " of 19.4x is worth a mention when the median P/E in the United States is similar."
)


def test_a_valuation_piece_is_not_the_results_it_discusses() -> None:
    assert (
        story_count(
            _item(
                1,
                "Investors Aren't Entirely Convinced By Fizzco's (NYSE:FZC) Earnings",
                _VALUATION_PIECE,
            ),
            _item(
                2,
                "Fizzco Non-GAAP EPS of $1.20 in-line, revenue of $399M misses by $6.46M",
                "Fizzco press release (NYSE:FZC): Q4 Non-GAAP EPS of $1.20 in-line. Revenue of"
                " $399M (+11.8% Y/Y) misses by $6.46M.",
                hours=3,
            ),
        )
        == 2
    )


def test_a_valuation_piece_still_joins_its_own_repost() -> None:
    title = "Investors Aren't Entirely Convinced By Fizzco's (NYSE:FZC) Earnings"
    assert story_count(_item(1, title, _VALUATION_PIECE), _item(2, title, _VALUATION_PIECE)) == 1


def test_a_halt_over_delayed_results_is_not_the_results() -> None:
    assert (
        story_count(
            _item(
                1,
                "Sandgate Logistics FY Profit Rises",
                "SANDGATE LOGISTICS :FY NET PROFIT ATTRIBUTABLE $125 MILLION VERSUS $50 MILLION",
            ),
            _item(
                2,
                "Sandgate Logistics to Halt Trading on Abu Dhabi Bourse Amid Delay in Financial"
                " Results",
                "Sandgate Logistics shares will temporarily pause trading on the Abu Dhabi"
                " Securities Exchange from Friday after a delay in its financial results.",
                hours=1,
            ),
        )
        == 2
    )


def test_a_halt_still_joins_another_outlets_report_of_it() -> None:
    assert (
        story_count(
            _item(
                1,
                "Sandgate Logistics to Halt Trading on Abu Dhabi Bourse Amid Delay in Financial"
                " Results",
                "Sandgate Logistics shares will temporarily pause trading on the Abu Dhabi"
                " Securities Exchange from Friday after a delay in its financial results.",
            ),
            _item(
                2,
                "Sandgate Logistics Halts Trading in Abu Dhabi Over Delayed Results",
                "Trading in Sandgate Logistics shares on the Abu Dhabi Securities Exchange is"
                " suspended from Friday as its financial results are delayed.",
                hours=1,
            ),
        )
        == 1
    )


_UK_RETAIL = (
    "Retail sales in the United Kingdom rose by 2.5% year-on-year in January 2025, a slowdown"
    " from the 3.1% increase in December but still well above market expectations of 0.2%."
)


def test_a_countrys_retail_sales_and_one_retailers_sales_are_two_stories() -> None:
    assert (
        story_count(
            _item(1, "UK Retail Sales Top Forecasts in January", _UK_RETAIL),
            _item(
                2,
                "Maruhana Co.'s Retail All-Store Sales Rise in January",
                "Maruhana Co. unit Maruhana Retail's all-store sales gained 1.8% year over year"
                " in January while same-store sales rose 2%, according to a filing with the"
                " Tokyo Stock Exchange on Monday.",
                hours=2,
            ),
        )
        == 2
    )


def test_two_reports_of_a_countrys_retail_sales_are_still_one_story() -> None:
    assert (
        story_count(
            _item(1, "UK Retail Sales Top Forecasts in January", _UK_RETAIL),
            _item(
                2,
                "UK BRC Like-for-like Retail Sales (January) +2.5% y/y Prior +3.1%)",
                "UK BRC like-for-like retail sales for January 2025, +2.5% y/y, prior +3.1%."
                " The British Retail Consortium's data beat expectations.",
                hours=0.5,
            ),
        )
        == 1
    )


_LISTING_PLAN = (
    "Chinese battery maker Voltacell plans to file an application for a Hong Kong listing as"
    " early as this week to raise at least $5 billion, sources said."
)
_LISTING_FILED = (
    "Voltacell filed for a Hong Kong listing on Tuesday, aiming to raise up to $5 billion in"
    " what would be the city's largest listing in years."
)


def test_an_act_said_to_come_and_the_act_done_are_two_stories() -> None:
    assert (
        story_count(
            _item(
                1,
                "China's Voltacell plans to file Hong Kong listing application this week, sources"
                " say",
                _LISTING_PLAN,
            ),
            _item(
                2,
                "Voltacell Files for Hong Kong Listing; Targets to Raise Up to $5 Billion",
                _LISTING_FILED,
                hours=20,
            ),
        )
        == 2
    )


def test_two_reports_of_one_intent_and_two_of_one_deed_are_one_story_each() -> None:
    assert (
        story_count(
            _item(
                1, "China's Voltacell plans to file Hong Kong listing application", _LISTING_PLAN
            ),
            _item(
                2,
                "China's Voltacell to file for $5 billion Hong Kong listing this week",
                _LISTING_PLAN,
            ),
        )
        == 1
    )
    assert (
        story_count(
            _item(
                1,
                "Voltacell Files for Hong Kong Listing; Targets to Raise Up to $5 Billion",
                _LISTING_FILED,
            ),
            _item(2, "Voltacell files for $5 billion Hong Kong listing", _LISTING_FILED),
        )
        == 1
    )


_OIL_REPORT = (
    "The International Energy Agency said in its monthly oil market report on Thursday that"
    " global oil demand growth will reach 1.1 million barrels a day in 2025 while supply growth"
    " from non-OPEC+ producers slows."
)


def test_one_reports_supply_and_demand_estimates_are_two_indicators() -> None:
    assert (
        story_count(
            _item(
                1, "IEA Raises 2025 Global Oil-Demand Growth Estimate to 1.1 Mln B/D", _OIL_REPORT
            ),
            _item(2, "IEA Cuts 2025 Total Oil-Supply Forecast to 104.5 Mln B/D", _OIL_REPORT),
        )
        == 2
    )


def test_two_reports_of_one_demand_estimate_are_still_one_story() -> None:
    assert (
        story_count(
            _item(
                1, "IEA Raises 2025 Global Oil-Demand Growth Estimate to 1.1 Mln B/D", _OIL_REPORT
            ),
            _item(
                2, "IEA Slightly Lifts 2025 Oil Demand Growth Forecast to 1.1 Mln B/D", _OIL_REPORT
            ),
        )
        == 1
    )


_GDP_SURPRISE = (
    "The unexpected rise in the United Kingdom's activity in December lifted quarterly gross"
    " domestic product growth to 0.1% quarter over quarter in Q4 while consensus was for a"
    " contraction."
)


def test_a_brokers_view_named_after_says_is_not_the_market_move() -> None:
    assert (
        story_count(
            _item(
                1,
                "UK Shares Lag Despite GDP Surprise",
                "The FTSE 100 fell more than 0.5% on Thursday as weak corporate earnings"
                " overshadowed better-than-expected U.K. economic data.",
            ),
            _item(
                2,
                "Reason For Caution in U.K.'s GDP Data Despite Better-Than-Expected Growth, Says"
                " Hollenbeck",
                _GDP_SURPRISE,
                hours=6,
            ),
        )
        == 2
    )


def test_a_title_case_claim_after_says_is_no_speaker() -> None:
    report = (
        "The International Energy Agency raised its forecast for global oil demand growth in"
        " 2025 to 1.1 million barrels a day and said the supply surplus is narrowing."
    )
    assert (
        story_count(
            _item(1, "IEA Raises 2025 Global Oil-Demand Growth Estimate to 1.1 Mln B/D", report),
            _item(
                2, "IEA Slightly Lifts Oil Demand Outlook, Says Supply Surplus Narrowing", report
            ),
        )
        == 1
    )


_APP_STORES = (
    "TikTok was restored to the app stores run by Apple and Alphabet's Google on Thursday, after"
    " the companies received assurances from the administration."
)


def test_a_heres_why_claim_is_not_the_event_it_discusses() -> None:
    assert (
        story_count(
            _item(1, "Apple, Google restore TikTok app to U.S. app stores", _APP_STORES),
            _item(
                2,
                "TikTok returns to Apple and Google app stores. Here's why that's a risky move.",
                _APP_STORES,
                hours=2,
            ),
        )
        == 2
    )


def test_a_trailing_heres_why_explaining_a_stock_move_still_joins_its_news() -> None:
    news = (
        "Lyft shares rose on Monday after the company said it will launch robotaxis powered by"
        " Mobileye technology in Dallas as soon as 2026."
    )
    assert (
        story_count(
            _item(1, "Lyft to launch Mobileye-powered robotaxis as soon as 2026 in Dallas", news),
            _item(2, "Lyft Stock Is Moving Higher Monday: Here's Why", news, hours=1),
        )
        == 1
    )


_NOTICE = "Please see attachment on www.newsweb.no https://newsweb.oslobors.no/message/"


def test_an_unnamed_notice_a_day_later_is_another_notice() -> None:
    assert (
        story_count(
            _item(1, "Notification of major holdings", _NOTICE + "638180"),
            _item(
                2,
                "NOTIFICATION OF MAJOR HOLDINGS",
                _NOTICE + "638273",
                hours=23,
            ),
        )
        == 2
    )


def test_a_named_item_reposted_a_day_later_is_still_one_story() -> None:
    text = (
        "Fizzco said on Monday it would buy back up to $500 million of its shares over the next"
        " twelve months, its first repurchase programme since 2019."
    )
    title = "Fizzco Announces $500 Million Share Buyback Program"
    assert story_count(_item(1, title, text), _item(2, title, text, hours=23)) == 1


def test_one_figure_of_two_subjects_joins_nothing() -> None:
    assert (
        story_count(
            _item(1, "IEA Raises 2025 Global Oil-Demand Growth Estimate to 1.1 Mln B/D"),
            _item(
                2,
                "Karak Insurance FY Net Income After Tax 1.1 Mln Dinars",
                "Karak Insurance Company PSC :KARAK INSURANCE FY NET INCOME AFTER TAX 1.1 MILLION"
                " DINARS",
                hours=0.3,
            ),
        )
        == 2
    )


def test_a_placement_announced_and_then_priced_are_two_stories() -> None:
    assert (
        story_count(
            _item(
                1,
                "Hyperion Computer announces $700M private placement of convertible notes",
                "Hyperion Computer said it intends to offer $700 million of convertible senior"
                " notes due 2029 in a private placement.",
            ),
            _item(
                2,
                "Hyperion Computer Prices Private Placement of $700 Million in Convertible Senior"
                " Notes",
                "Hyperion Computer priced its private placement of $700 million of 2.25%"
                " convertible senior notes due 2029.",
                hours=30,
            ),
        )
        == 2
    )


def test_remarks_of_one_call_stay_apart_however_they_chain() -> None:
    assert (
        story_count(
            _item(1, "Aurum Gold CEO Says Gold Price Reflecting Uncertainty in Global Economy"),
            _item(2, "Aurum Gold CEO: Gold Becoming Reserve Currency for Central Banks >AUM.T"),
            _item(3, "Aurum Gold CEO: Clear the U.S. Needs More Access to Critical Metals >AUM.T"),
        )
        == 3
    )


def test_a_stock_move_on_an_executives_remark_still_joins_the_remark() -> None:
    remark = (
        "Fizzco's chief financial officer said Wall Street's expectations for first-quarter"
        " revenue growth are too high, sending the shares lower."
    )
    assert (
        story_count(
            _item(1, "Fizzco falls after CFO says Q1 expectations 'too high'", remark),
            _item(2, "Fizzco Stock Slips as CFO Says Wall Street Is Too Upbeat", remark, hours=1),
        )
        == 1
    )


_UK_OUTPUT = (
    "Industrial production in the UK rose by 0.5% month-on-month in December 2024, rebounding"
    " from an upwardly revised 0.5% fall in the previous month and beating market estimates of"
    " 0.2% gain. Output recovered for mining and quarrying and manufacturing."
)
_UK_TRADE = (
    "The UK's trade deficit narrowed to 2.82 billion pounds in December 2024, down from a"
    " downwardly revised 4.35 billion pounds in November, marking the smallest trade gap since"
    " September. Imports fell by 1.5% month-on-month, while exports grew by 0.7%."
)


def test_the_trade_gap_and_industrial_output_of_one_morning_are_two_releases() -> None:
    assert (
        story_count(
            _item(1, "UK Industrial Output Tops Forecasts", _UK_OUTPUT),
            _item(3, "UK Trade Gap Smallest in 3 Months", _UK_TRADE),
        )
        == 2
    )


def test_two_reports_of_one_trade_gap_are_one_story() -> None:
    assert (
        story_count(
            _item(1, "UK Trade Gap Smallest in 3 Months", _UK_TRADE),
            _item(2, "UK trade deficit narrows to 2.82 billion pounds in December", _UK_TRADE),
        )
        == 1
    )


def test_consumer_and_producer_prices_of_one_country_are_two_releases() -> None:
    assert (
        story_count(
            _item(
                1,
                "Swiss Inflation Rate Falls to 0.4%",
                "The annual inflation rate in Switzerland fell to 0.4% in January 2025, in line"
                " with market expectations and down from 0.6% in December. This marks the lowest"
                " level since April 2021.",
            ),
            _item(
                2,
                "Swiss Producer and Import Prices Fall More Slowly",
                "Switzerland's producer and import prices fell 0.3% year-on-year in January 2025,"
                " easing from a 0.9% decline in the previous month. This marked the 21st"
                " consecutive period of falling prices.",
                hours=20,
            ),
        )
        == 2
    )


def test_an_order_signed_after_it_was_said_to_come_is_a_follow_up() -> None:
    assert (
        story_count(
            _item(
                1,
                "President says reciprocal tariffs coming on Thursday",
                "The President said he plans to unveil reciprocal tariffs on Thursday afternoon"
                " but gave no details about his latest tariff plan, which could take aim at every"
                " country that charges duties on U.S. imports.",
            ),
            _item(
                2,
                "President Orders Federal Agencies to Study Reciprocal Tariffs",
                "The President on Thursday signed a memo on reciprocal trade, directing federal"
                " agencies to study how to adjust U.S. tariff rates to match the duties enforced"
                " by other nations.",
                hours=4,
            ),
        )
        == 2
    )


def test_a_premarket_movers_list_is_not_one_companys_news() -> None:
    assert (
        story_count(
            _item(
                1,
                "Fizzco forecasts annual profit below estimates",
                "Fizzco forecast annual profit below estimates on Wednesday as the packaged food"
                " maker faces sluggish demand.",
            ),
            _item(
                2,
                "Fizzco, Lyft fall premarket; CVS Health, DoorDash and Restaurant Brands rise",
                "U.S. stock futures slipped marginally lower Wednesday. Here are some of the"
                " biggest premarket US stock movers today: Fizzco stock fell 4.6% after the"
                " packaged foods giant forecast annual profit below estimates.",
                hours=1,
            ),
        )
        == 2
    )


def test_a_placement_contemplated_and_then_completed_are_two_stories() -> None:
    assert (
        story_count(
            _item(
                1,
                "Seabed Survey ASA: Contemplated private placement",
                "Seabed Survey ASA has"
                " retained managers to explore a private placement of new shares.",
            ),
            _item(
                2,
                "Seabed Survey ASA: Successfully completed private placement",
                "Seabed Survey"
                " ASA has completed the private placement of new shares announced yesterday.",
                hours=7,
            ),
        )
        == 2
    )


def test_two_miners_drilling_results_under_one_template_are_two_stories() -> None:
    assert (
        story_count(
            _item(
                1,
                "Copperhead Horse Minerals Finds High-Grade Gold Mineralizations in Western"
                " Australian Project",
                "Copperhead Horse Minerals found high-grade gold mineralization during a maiden"
                " drilling program at its Hakes Find gold project in Western Australia.",
            ),
            _item(
                2,
                "Quartzriver Resources Finds High-Grade Gold Mineralization at Australian Project",
                "Quartzriver Resources found high-grade gold mineralization at its Tennant Creek"
                " gold project in Australia, according to a filing.",
                hours=0.3,
            ),
        )
        == 2
    )


def test_one_miners_drilling_result_told_twice_is_one_story() -> None:
    text = (
        "Copperhead Horse Minerals found high-grade gold mineralization during a maiden drilling"
        " program at its Hakes Find gold project in Western Australia."
    )
    assert (
        story_count(
            _item(
                1,
                "Copperhead Horse Minerals Finds High-Grade Gold Mineralizations in Western"
                " Australian Project",
                text,
            ),
            _item(2, "Copperhead Horse Minerals hits high-grade gold at Hakes Find", text, hours=1),
        )
        == 1
    )


def test_a_view_of_a_deal_is_not_the_deal() -> None:
    deal = (
        "Hyatt-like Lodging will buy Playa-like Resorts for about $2.6 billion including debt,"
        " the company said on Monday."
    )
    assert (
        story_count(
            _item(1, "Lodgeco to acquire Beachside Resorts for $2.6 billion", deal),
            _item(
                2,
                "Lodgeco's deal for Beachside is seen being 'highly productive and accretive'",
                "Jefferies weighed in on the impact of Lodgeco acquiring Beachside Resorts for"
                " $2.6 billion. " + deal,
                hours=18,
            ),
        )
        == 2
    )


def test_a_table_of_several_markets_is_not_one_markets_move() -> None:
    assert (
        story_count(
            _item(
                1,
                "Indian benchmark indexes on six-day losing run on trade war, earnings worries",
                "India's benchmark indexes extended their losing run to the sixth straight session"
                " on Wednesday due to trade war fears and earnings worries.",
            ),
            _item(
                2,
                "India stocks, rupee, swaps, call at close",
                "STOCKS: The benchmark BSE Sensex ended 0.16% lower, while the broader NSE Nifty"
                " 50 index declined 0.12%, due to trade war fears and earnings worries. RUPEE: The"
                " Indian rupee dropped 0.07%.",
                hours=0.6,
            ),
        )
        == 2
    )


def _stories_of(*articles: Article) -> list[str]:
    """The story an empty index puts each article in, fed in order."""
    index = StoryIndex()
    return [index.assign(article) for article in articles]


_NORTHGATE_RESULTS = (
    "distributable earnings rose 15% to a record $4.9 billion, or $3.07 per share, and revenue"
    " was $19.43 billion for the year ended December 31, 2024."
)


def test_a_company_beside_its_namesake_is_another_company() -> None:
    corporation, flash, wealth = _stories_of(
        _item(
            1,
            "Northgate Corporation Reports Record 2024 Results",
            "Northgate Corporation (NYSE: NGC, TSX: NGC) announced that " + _NORTHGATE_RESULTS,
        ),
        _item(2, "Earnings Flash (NGC) Northgate Posts Q4 Revenue $19.43B"),
        _item(
            3,
            "Northgate Wealth Solutions Announces Year End 2024 Results and Declares Quarterly"
            " Distribution Increase",
            "Northgate Wealth Solutions (NYSE, TSX: NGW) announced financial results for the"
            " three months and year ended December 31, 2024; its record revenue rose 15%.",
        ),
    )
    assert wealth not in {corporation, flash}
    assert (
        story_count(
            _item(
                1,
                "Sonbanko Corp. reports nine-month results",
                "Sonbanko Corp. press release: nine-month GAAP EPS of ¥9.02. Revenue of ¥4.81T.",
            ),
            _item(
                2,
                "Sonbanko Group reports nine-month results",
                "Sonbanko Group press release: nine-month GAAP EPS of ¥9.02. Revenue of ¥4.81T.",
                hours=2,
            ),
        )
        == 2
    )


def test_one_company_told_bare_or_with_its_form_still_joins() -> None:
    assert (
        story_count(
            _item(
                1,
                "Northgate Corporation Reports Q4 Revenue of $19.43 Billion",
                "Northgate Corporation (NYSE: NGC) said " + _NORTHGATE_RESULTS,
            ),
            _item(
                2,
                "Northgate Corp Q4 Revenue $19.43 Billion, Up 15%",
                "Northgate Corp said " + _NORTHGATE_RESULTS,
            ),
            _item(
                3,
                "Northgate Posts Q4 Revenue of $19.43 Billion",
                "Northgate said " + _NORTHGATE_RESULTS,
            ),
        )
        == 1
    )
    assert (
        story_count(
            _item(
                1,
                "Vendrix AG Q1 net profit rises 12% to EUR 2.1 billion",
                "Vendrix AG (ETR: VDX) said its fiscal first-quarter net profit rose 12% to EUR 2.1"
                " billion on data-center demand.",
            ),
            _item(
                2,
                "Vendrix Q1 net profit rises 12% to EUR 2.1 billion",
                "Vendrix said its fiscal first-quarter net profit rose 12% to EUR 2.1 billion on"
                " data-center demand.",
            ),
        )
        == 1
    )
    assert (
        story_count(
            _item(
                1,
                "Sonbanko Group posts surprise Q3 loss of ¥369 billion",
                "Sonbanko Group posted a surprise third-quarter loss of ¥369 billion on Wednesday"
                " as its Vision Fund booked losses.",
            ),
            _item(
                2,
                "Sonbanko posts surprise Q3 loss of ¥369 billion",
                "Sonbanko posted a surprise third-quarter loss of ¥369 billion on Wednesday as its"
                " Vision Fund booked losses.",
            ),
        )
        == 1
    )


_YEAR_END = (
    "October - December 2024: net sales rose 20% to SEK 1.27 billion and the operating margin"
    " was 7.1 per cent; the board proposes a dividend of SEK 2.00."
)


def test_a_report_headline_naming_no_company_is_not_a_named_companys_report() -> None:
    assert (
        story_count(
            _item(
                1,
                "Hanzaro year-end report 2024",
                "Hanzaro AB presents its year-end report. " + _YEAR_END,
            ),
            _item(2, "Year-end Report 2024", "Better results than communicated. " + _YEAR_END),
        )
        == 2
    )


def test_a_report_headline_naming_no_company_still_joins_when_its_summary_names_it() -> None:
    assert (
        story_count(
            _item(
                1,
                "Hanzaro year-end report 2024",
                "Hanzaro AB presents its year-end report. " + _YEAR_END,
            ),
            _item(2, "Year-end Report 2024", "Hanzaro AB: " + _YEAR_END),
        )
        == 1
    )


def test_a_question_put_before_the_results_is_not_the_results() -> None:
    summary = (
        "Zentrix Networks reports second-quarter earnings after the close; revenue of $2.26"
        " billion and cybersecurity platform growth are what investors watch."
    )
    assert (
        story_count(
            _item(1, "Will Zentrix Networks' Q2 Earnings Validate Its Platform Bet?", summary),
            _item(
                2,
                "Zentrix Networks Q2 Earnings Beat; Revenue of $2.26 Billion",
                "Zentrix Networks reported second-quarter earnings after the close: revenue of"
                " $2.26 billion on cybersecurity platform growth.",
                hours=3,
            ),
        )
        == 2
    )


def test_a_partys_answer_is_not_the_event_nor_another_partys_answer() -> None:
    ruling = "A federal judge on Saturday barred Musk's cost-cutting team from the payment system."
    assert (
        story_count(
            _item(1, "Judge blocks cost-cutting team's access to Treasury payment system", ruling),
            _item(2, "Trump calls judge 'crazy' after ruling on Treasury payment system", ruling),
        )
        == 2
    )
    assert (
        story_count(
            _item(1, "Musk calls for judges to be fired after Treasury ruling", ruling),
            _item(2, "Trump rebukes the judge who blocked access to Treasury system", ruling),
        )
        == 2
    )
    bid = "A consortium led by Elon Musk offered $97.4 billion for the nonprofit behind ChatGPT."
    assert (
        story_count(
            _item(1, "Musk-led group proposes to buy OpenAI for $97.4 bn", bid),
            _item(2, "Musk-led group proposes to buy OpenAI for $97.4 bn; Altman says 'no'", bid),
        )
        == 2
    )


def test_one_partys_answer_told_by_two_outlets_still_joins() -> None:
    ruling = "Trump said the judge who blocked his cost-cutting team from the Treasury was crazy."
    assert (
        story_count(
            _item(1, "Trump calls judge 'crazy' after ruling on Treasury payment system", ruling),
            _item(2, "Trump slams judge who blocked cost-cutting team at Treasury", ruling),
        )
        == 1
    )
    bid = "A consortium led by Elon Musk offered $97.4 billion for the nonprofit behind ChatGPT."
    assert (
        story_count(
            _item(1, "Musk-led group proposes to buy OpenAI for $97.4 bn", bid),
            _item(2, "Musk-led group offers $97.4 bn to buy OpenAI, Musk says", bid),
            _item(3, "Musk-led group bids $97.4 bn for OpenAI", bid),
        )
        == 1
    )
