"""Follow-ups, other moments and other days kept apart (issue 21, bot/stories/followups.py):
real headline shapes of the archive, with invented names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.article import Article
from tests.support.story_articles import linked, story_count

AT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def _item(
    key: str, title: str, summary: str = "", *, source: str = "wire", hours: float = 0.0
) -> Article:
    return linked(
        f"https://{source}.example/{key}", title, summary, source, AT + timedelta(hours=hours)
    )


REPORT = _item(
    "report",
    "Redwood builds $1.8B stake in Alderon Refining, seeks changes - WSJ",
    "Alderon Refining activist shareholder Redwood Partners has built a more than $1.8B stake in "
    "the refiner and plans to push for operational changes, the Wall Street Journal reported.",
    source="alpha",
)
REPORT_REWRITE = _item(
    "rewrite",
    "Activist Redwood builds over $1.8 billion stake in Alderon Refining, WSJ reports",
    "Activist Redwood Partners has built an over $1.8 billion stake in Alderon Refining and plans "
    "to push the refiner to consider operational changes, the Wall Street Journal reported.",
    source="wire",
    hours=3,
)
CONFIRMATION = _item(
    "confirmed",
    "Redwood Partners builds $1.8 billion stake in Alderon Refining",
    "Redwood Partners said on Tuesday it has built a stake of more than $1.8 billion in refiner "
    "Alderon Refining, and plans to push for operational changes in a letter to the board.",
    source="wire",
    hours=12,
)


def test_an_official_confirmation_is_not_the_report_it_confirms() -> None:
    assert story_count(REPORT, REPORT_REWRITE) == 1
    assert story_count(REPORT, REPORT_REWRITE, CONFIRMATION) == 2


def test_a_spokespersons_word_after_a_media_report_is_a_new_story() -> None:
    report = _item(
        "said-to",
        "Halvorsen Bank said to drop its board diversity pledge for IPOs",
        "Halvorsen Bank is reversing its policy on the boards of companies it takes public, "
        "according to a media report dated Tuesday.",
    )
    confirmed = _item(
        "spokesperson",
        "Halvorsen Bank ends IPO board diversity policy citing legal developments",
        "Halvorsen Bank cancelled its board diversity policy for IPOs, a spokesperson for the "
        "bank said on Tuesday.",
        hours=3,
    )
    assert story_count(report, confirmed) == 2


def test_two_editions_of_an_intraday_table_are_two_stories() -> None:
    noon = _item(
        "noon",
        "BUZZ - Nasdaq 100 top and bottom performing stocks at about 12:00 p.m. EST",
        "Nasdaq 100 Top Performers Percent Change Quillon Inc +9.2% Marlin Corp +5.1%",
    )
    late = _item(
        "late",
        "BUZZ - Nasdaq 100 top and bottom performing stocks at about 03:30 p.m. EST",
        "Nasdaq 100 Top Performers Percent Change Quillon Inc +11.4% Marlin Corp +6.0%",
        hours=3.5,
    )
    assert story_count(noon, late) == 2


def test_a_market_at_the_open_and_at_midday_are_two_moves() -> None:
    opening = _item(
        "open",
        "Oslo Stock Exchange rises at open",
        "OSLO, March 3 - The Oslo benchmark index rises 16.19 points to 1,579.30 at open.",
    )
    midday = _item(
        "midday",
        "Oslo Stocks Rise Slightly; Fjordline Falls on 4Q Miss",
        "Oslo-listed stocks edged forward Tuesday in midday trading, as gains in energy offset "
        "declines in transport.",
        source="desk",
        hours=3,
    )
    assert story_count(opening, midday) == 2


def test_futures_falling_and_then_reversing_their_losses_are_two_moves() -> None:
    falling = _item(
        "fall",
        "Stock futures fall as Ortega to announce 20% tariffs on lumber imports",
        "U.S. stock futures fell Sunday after President Ortega said he will announce tariffs.",
    )
    reversing = _item(
        "reverse",
        "Stock futures reverse early losses as Ortega to announce 20% tariffs on lumber imports",
        "U.S. stock futures reversed early losses Sunday after President Ortega said he will "
        "announce tariffs.",
        hours=2,
    )
    assert story_count(falling, reversing) == 2


def test_a_markets_column_telling_another_weekday_is_another_days_story() -> None:
    monday = _item(
        "monday",
        "Inflation, Tariff Outlooks Roil Pacific Stock Markets",
        "Pacific stock markets were choppy Monday after soft inflation reports and tariff talk.",
        source="desk",
    )
    tuesday = _item(
        "tuesday",
        "Tariff Outlook Roils Pacific Stock Markets",
        "Pacific stock markets churned on Tuesday, as traders weighed the tariff plans.",
        source="desk",
        hours=24,
    )
    assert story_count(monday, tuesday) == 2


def test_one_outlets_other_notice_a_day_later_is_another_days_item() -> None:
    first = _item(
        "buyback-1",
        "Quillon Trust Executes Share Buyback Strategy",
        "Quillon Smaller Companies Trust PLC bought back 25,000 of its shares on the market.",
        source="notices",
    )
    second = _item(
        "buyback-2",
        "Quillon Smaller Companies Trust PLC Executes Share Buyback",
        "Quillon Smaller Companies Trust PLC bought back 30,000 of its shares on the market.",
        source="notices",
        hours=24,
    )
    assert story_count(first, second) == 2


def test_a_speech_announced_and_the_speech_given_are_two_stories() -> None:
    announced = _item(
        "to-testify",
        "Governor Ortega to testify before the Senate banking committee",
        "Central bank Governor Ortega will testify before the Senate banking committee on "
        "Tuesday on monetary policy.",
    )
    given = _item(
        "testified",
        "Governor Ortega tells the Senate banking committee there is no hurry to cut rates",
        "Central bank Governor Ortega told the Senate banking committee on Tuesday that there is "
        "no hurry to cut rates on monetary policy.",
        hours=5,
    )
    assert story_count(announced, given) == 2


def test_two_companies_insiders_under_one_template_are_two_stories() -> None:
    first = _item(
        "insider-1",
        "Kelpiecorp CFO Dana Smith Sells 13,000 Shares",
        "Kelpiecorp's chief financial officer sold 13,000 shares, a filing showed.",
    )
    second = _item(
        "insider-2",
        "Marlinworks CFO Smith Lee Sells Over $4 Million in Company Shares",
        "Marlinworks' chief financial officer sold shares worth over $4 million, a filing showed.",
        hours=3,
    )
    assert story_count(first, second) == 2


def test_an_evening_digest_is_not_the_article_it_lists() -> None:
    article = _item(
        "essay",
        "Who is afraid of the token halving?",
        "Source: Quillwright. The token halving comes with fear and hope for miners everywhere.",
        source="coins",
    )
    digest = _item(
        "digest",
        "5 must-read articles for the evening | Who is afraid of the token halving?",
        "1. Quillwright: who is afraid of the token halving. 2. Miners and the halving.",
        source="coins",
        hours=8,
    )
    assert story_count(article, digest) == 2


def test_a_market_report_naming_a_release_is_not_the_release() -> None:
    release = _item(
        "release",
        "Freedonia's wholesale inflation jumps, reinforcing rate-hike bets",
        "Freedonia's wholesale inflation rose 4.2% in January from a year earlier, data showed.",
    )
    stocks = _item(
        "stocks",
        "Freedonia Stocks Rise as Wholesale Inflation Fuels Rate Hike Bets",
        "Freedonia's stocks rose on Thursday as wholesale inflation of 4.2% fuelled bets on a "
        "rate hike.",
        source="desk",
        hours=2,
    )
    assert story_count(release, stocks) == 2


def test_two_instruments_moving_on_one_release_are_two_stories() -> None:
    pound = _item(
        "pound",
        "Freedonian Pound Appreciates After Better-Than-Expected GDP Growth",
        "The Freedonian pound rose after GDP grew 0.4% in the fourth quarter, beating forecasts.",
        source="econ",
    )
    shares = _item(
        "shares",
        "Freedonian Shares Lag Despite GDP Surprise",
        "Freedonian shares lagged after GDP grew 0.4% in the fourth quarter, beating forecasts.",
        source="econ",
        hours=0.5,
    )
    assert story_count(pound, shares) == 2


def test_a_weekly_inventory_named_stocks_is_still_one_release() -> None:
    first = _item(
        "eia-1",
        "US Crude Oil Stocks Rise More than Expected",
        "US crude oil inventories rose by 4.1 million barrels in the week ended February 7, "
        "the EIA said.",
        source="econ",
    )
    second = _item(
        "eia-2",
        "US Total Crude Oil Stocks Rise in Week Ended Feb. 7",
        "US crude oil inventories rose by 4.1 million barrels in the week ended February 7, "
        "the EIA said on Wednesday.",
        source="desk",
        hours=0.2,
    )
    assert story_count(first, second) == 1


def test_one_groups_two_names_stating_one_figure_are_one_story() -> None:
    parent = _item(
        "parent",
        "Zenda Motors plans to double EV charging stations to 250,000 by 2028",
        "Zenda Motors, the country's EV market leader, said on Thursday it will more than double "
        "its charging points to 250,000 over the next three years.",
        source="daily",
    )
    unit = _item(
        "unit",
        "Zenda.ev plans to double the country's EV charge points to 250,000 by 2028",
        "Zenda.ev, the country's leading electric vehicle maker, has announced a plan to more than "
        "double EV charge points to 250,000 by 2028.",
        source="daily",
        hours=0.3,
    )
    assert story_count(parent, unit) == 1


def test_two_companies_flash_lines_under_one_template_are_two_stories() -> None:
    first = _item("flash-1", "Kestrel Power 9-Mos Oper Pft Y311.07B Vs Pft Y382.53B")
    second = _item("flash-2", "Marlin Motor 9-Mos Oper Pft Y64.01B Vs Pft Y478.38B", hours=0.7)
    assert story_count(first, second) == 2


def test_one_releases_flash_lines_still_join() -> None:
    first = _item("line-1", "Kestrel Power 9-Mos Oper Pft Y311.07B Vs Pft Y382.53B")
    second = _item("line-2", "Kestrel Power 9-Mos Net Pft Y201.50B Vs Pft Y250.10B", hours=0.1)
    assert story_count(first, second) == 1


def test_two_pieces_under_one_houses_label_are_two_stories() -> None:
    first = _item(
        "piece-1",
        "Quarrystone: How Token Mining Will Reshape Power Grids",
        "Source: Quarrystone. Token mining is a competitive process that uses power, and grids "
        "are adapting to its demand across many regions.",
        source="coins",
    )
    second = _item(
        "piece-2",
        "Quarrystone: What a 10% Token Allocation Does to a Portfolio",
        "Source: Quarrystone. Token allocation of 10% in a portfolio of index funds changes its "
        "risk and return across many regions.",
        source="coins",
        hours=2,
    )
    assert story_count(first, second) == 2


def test_a_markets_move_on_a_release_named_in_its_text_is_not_the_release() -> None:
    release = _item(
        "ppi",
        "More sticky inflation data, this time from Freedonia",
        "The PPI data is here: Freedonia PPI for January is +4.2% y/y, expected +4.0%.",
        source="fx",
    )
    stocks = _item(
        "stocks-up",
        "Freedonia Stocks Rise as Wholesale Inflation Fuels Rate Hike Bets",
        "Freedonian stocks edged higher on Thursday as accelerating wholesale inflation (PPI) "
        "reinforced expectations of a rate hike.",
        source="desk",
        hours=5,
    )
    assert story_count(release, stocks) == 2


def test_a_question_on_when_an_event_begins_is_not_the_event() -> None:
    before = _item(
        "when",
        "Grand Final 2026: When does Lyra Vance's halftime show begin?",
        "Millions are expected to tune in for the Grand Final on Sunday, and for Lyra Vance's "
        "halftime show at the stadium.",
        source="daily",
    )
    after = _item(
        "show",
        "The meaning behind Lyra Vance's jacket during the Grand Final halftime show",
        "Lyra Vance wore a letterman jacket during her Grand Final halftime show on Sunday at the "
        "stadium.",
        source="daily",
        hours=8,
    )
    assert story_count(before, after) == 2


def test_two_issuers_under_one_bankers_say_template_are_two_stories() -> None:
    first = _item(
        "bond-1",
        "Zorvath Finance to issue perpetual bonds, bankers say",
        "Zorvath Finance plans to raise 5 billion rupees through a sale of perpetual bonds, "
        "three bankers said on Monday.",
    )
    second = _item(
        "bond-2",
        "QRFX to issue 15-year bonds, bankers say",
        "Quillon Railway Finance Corp (QRFX) plans to raise 30 billion rupees selling bonds "
        "maturing in 15 years, three bankers said on Monday.",
        hours=6,
    )
    assert story_count(first, second) == 2


def test_an_appeal_of_an_order_is_not_the_order() -> None:
    order = _item(
        "order",
        "Judge directs the administration to comply with order to unfreeze grants",
        "A federal judge on Monday ordered the administration to comply with his order to "
        "unfreeze federal grants to the states.",
        source="daily",
    )
    appeal = _item(
        "appeal",
        "Justice Department appeals judge's order to unfreeze grants",
        "The Justice Department on Monday appealed a federal judge's order to unfreeze federal "
        "grants to the states.",
        source="daily",
        hours=3,
    )
    assert story_count(order, appeal) == 2


def test_a_preview_telling_readers_to_watch_the_earnings_is_not_the_results() -> None:
    preview = _item(
        "watch",
        "Brindle Burgers' Discounts Could Hurt Profit. Watch the Earnings on Monday.",
        "Discounts and promotions from Brindle Burgers might attract customers but hurt its "
        "quarterly earnings, due Monday.",
        source="weekly",
    )
    results = _item(
        "results",
        "Brindle Burgers Reports Fourth Quarter and Full Year Results",
        "Brindle Burgers released its quarterly earnings on Monday: sales fell 1.4% as discounts "
        "hurt profit.",
        source="wire",
        hours=15,
    )
    assert story_count(preview, results) == 2


def test_a_markets_report_naming_a_company_is_not_the_companys_news() -> None:
    company = _item(
        "company",
        "Freedonia's Brindlewood hits record high on solid half-year result",
        "Shares of furniture retailer Brindlewood rose as much as 12% after it posted a 40% rise "
        "in half-year profit.",
    )
    market = _item(
        "market",
        "Freedonian Shares Flat Amid Trade Talks; Brindlewood Posts Higher Fiscal H1 Earnings",
        "Freedonian shares ended flat on Thursday; Brindlewood posted a 40% rise in half-year "
        "profit.",
        source="desk",
        hours=5,
    )
    assert story_count(company, market) == 2


def test_a_weeks_move_and_a_days_move_are_two_stories() -> None:
    day = _item(
        "day",
        "Freedonian Equities End Lower Friday as Economy Adds Fewer Jobs Than Expected",
        "Freedonian equity indexes ended lower on Friday after a weaker jobs report.",
        source="desk",
    )
    week = _item(
        "week",
        "Freedonian Equity Indexes Fell This Week as Inflation Expectations Add to Pain",
        "Freedonian equity indexes fell this week after a weaker jobs report and higher "
        "inflation expectations.",
        source="desk",
        hours=0.7,
    )
    assert story_count(day, week) == 2


def test_a_columns_claim_about_the_news_is_not_the_news() -> None:
    news = _item(
        "news",
        "Ortega to announce 25% tariffs on lumber and copper imports on Monday",
        "President Ortega said Sunday he will announce 25% tariffs on all lumber and copper "
        "imports on Monday.",
        source="daily",
    )
    column = _item(
        "column",
        "Ortega's Next Round of Tariffs — 25% on Lumber and Copper — Won't Be So Easily Averted",
        "President Ortega said he will announce 25% tariffs on lumber and copper, and this round "
        "may not be averted by talks.",
        source="journal",
        hours=1,
    )
    assert story_count(news, column) == 2


def test_an_offering_closed_after_its_announcement_is_a_follow_up() -> None:
    announced = _item(
        "announced",
        "Veridian Bio Announces $2.4 Million Registered Direct Offering Priced At-the-Market",
        "Veridian Bio today announced that it has entered into a definitive agreement for the "
        "sale of shares in a registered direct offering for gross proceeds of $2.4 million.",
        source="globe",
    )
    closed = _item(
        "closed",
        "Veridian Bio Announces Closing of $2.4 Million Registered Direct Offering Priced "
        "At-the-Market",
        "Veridian Bio today announced the closing of its previously announced registered direct "
        "offering for gross proceeds of $2.4 million.",
        source="globe",
        hours=48,
    )
    planned = _item(
        "planned",
        "Brackmoor Mining Plans GBP3 Million Fundraise via Share Placement",
        "Brackmoor Mining said it plans to raise up to 3 million pounds through a placement of "
        "new shares at 0.20 pound apiece.",
        source="mt",
    )
    raised = _item(
        "raised",
        "Brackmoor Mining Conditionally Raises GBP3 Million via Share Placing",
        "Brackmoor Mining conditionally raised 3 million pounds via a placement of 15 million "
        "shares at 0.20 pound apiece.",
        source="mt",
        hours=4,
    )
    assert story_count(announced, closed) == 2
    assert story_count(planned, raised) == 2


def test_a_research_houses_view_is_not_the_release() -> None:
    release = _item(
        "release",
        "US Core Inflation Unexpectedly Accelerates",
        "The annual core consumer price inflation rate in the United States edged up to 3.3% in "
        "January, from 3.2% in the prior month, surpassing expectations of 3.1%.",
        source="econ",
    )
    view = _item(
        "view",
        "Ostrava Investment Institute sees tariffs cutting growth, raising inflation",
        "Key points: Dow off ~0.4%, S&P 500 off ~0.2%. US core inflation rose to 3.3% in "
        "January; Ostrava Investment Institute sees tariffs raising inflation further.",
        source="blog",
        hours=3.5,
    )
    assert story_count(release, view) == 2


def test_two_movers_lists_are_two_items() -> None:
    gainers = _item(
        "gainers",
        "Top Midday Gainers",
        "Quillon Health shares surged 35% after analysts raised their price targets following "
        "improved results.",
        source="mt",
    )
    decliners = _item(
        "decliners",
        "Top Midday Decliners",
        "Farrow Devices unveiled a registered direct offering of about 2 million shares; its "
        "shares fell 30%.",
        source="mt",
        hours=0.5,
    )
    assert story_count(gainers, decliners) == 2


def test_one_companys_two_capital_actions_are_two_stories() -> None:
    issue = _item(
        "issue",
        "Larkspur Land To Issue $350 Million Senior Bonds",
        "Larkspur Land plans to issue $350 million senior bonds on Feb. 25, according to a filing "
        "with the Hong Kong bourse. The bonds will mature in 2028.",
        source="mt",
    )
    buyback = _item(
        "buyback",
        "Larkspur Land Offers to Buy Back $741 Million Worth of Outstanding Bonds",
        "Larkspur Land offered to buy back outstanding bonds amounting to $741 million, according "
        "to a Hong Kong Stock Exchange filing.",
        source="mt",
        hours=0.5,
    )
    bid_results = _item(
        "bid",
        "Norvale Petroleum Corporation Announces Results of Normal Course Issuer Bid",
        "Norvale Petroleum Corporation is pleased to announce that it repurchased a total of "
        "407,001 common shares under its normal course issuer bid.",
        source="globe",
    )
    quarter = _item(
        "quarter",
        "Norvale Petroleum reports Q4 results; initiates FY25 outlook",
        "Norvale Petroleum press release: Q4 average net production of approximately 47,400 "
        "boepd was in line with guidance.",
        source="alpha",
        hours=17,
    )
    offering = _item(
        "offering",
        "Tessmar ASA: Key Information related to the Subsequent Offering",
        "Reference is made to the stock exchange release from Tessmar ASA announcing the "
        "completion of a private placement of 18,750,000 new shares.",
        source="oslo",
    )
    meeting = _item(
        "meeting",
        "Tessmar: Notice of Extraordinary General Meeting",
        "Reference is made to the stock exchange announcement by Tessmar ASA regarding the "
        "successfully placed private placement of 18,750,000 new shares.",
        source="oslo",
        hours=13,
    )
    assert story_count(issue, buyback) == 2
    assert story_count(bid_results, quarter) == 2
    assert story_count(offering, meeting) == 2
