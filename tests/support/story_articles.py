"""Hand-written articles for the story tests: one deal told several ways, and its neighbours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.article import Article
from bot.stories import StoryIndex

MORNING = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def linked(link: str, title: str, summary: str, source: str, published: datetime) -> Article:
    """An article identified by its link, as a feed item with a link is."""
    return Article(
        id=link, title=title, summary=summary, link=link, source=source, published=published
    )


def story_count(*articles: Article) -> int:
    """How many stories an empty index makes of the articles, fed in order."""
    index = StoryIndex()
    return len({index.assign(article) for article in articles})


def article(
    key: str, title: str, summary: str = "", *, source: str = "wire", minutes: float = 0.0
) -> Article:
    """An article published `minutes` after 08:00 UTC on 3 March 2026."""
    published = MORNING + timedelta(minutes=minutes)
    return linked(f"https://news.example/{key}", title, summary, source, published)


DEAL = article(
    "deal-wire",
    "Northwind Mining agrees to buy Calder Copper for $4.2 billion",
    "Northwind Mining said on Tuesday it agreed to acquire Calder Copper in an all-stock deal "
    "valued at $4.2 billion, creating the largest copper producer in Chile.",
    minutes=0,
)
DEAL_SYNDICATED = article(
    "deal-syndicated",
    "Northwind Mining agrees to buy Calder Copper for $4.2 billion — Update",
    "Northwind Mining said on Tuesday it agreed to acquire Calder Copper in an all-stock deal "
    "valued at $4.2 billion, creating the largest copper producer in Chile. Reuters has not "
    "verified this story.",
    source="portal",
    minutes=25,
)
DEAL_REWRITE = article(
    "deal-rewrite",
    "Calder Copper to be acquired by Northwind in $4.2B all-stock deal",
    "Calder Copper agreed to be bought by Northwind Mining for $4.2 billion in shares, the two "
    "miners said on Tuesday, forming Chile's biggest copper producer.",
    source="daily",
    minutes=95,
)
COPPER_REACTION = article(
    "copper-jumps",
    "Copper prices jump after Northwind-Calder deal",
    "Copper futures rose 2% in London after Northwind Mining agreed to buy Calder Copper for "
    "$4.2 billion, as traders bet on tighter supply.",
    source="daily",
    minutes=130,
)
RESULTS = article(
    "results",
    "Northwind Mining fourth-quarter profit rises 12%, revenue tops estimates",
    "Northwind Mining reported fourth-quarter net profit of $610 million, up 12% from a year "
    "earlier, on revenue of $3.1 billion, above the $2.9 billion analysts expected.",
    minutes=300,
)
DOWNGRADE = article(
    "downgrade",
    "Northwind Mining downgraded to Neutral from Buy at Harbor Securities",
    "Harbor Securities cut Northwind Mining to Neutral from Buy, saying the Calder Copper deal "
    "leaves little room for higher dividends.",
    source="daily",
    minutes=330,
)

# Unrelated news of the same morning: the window the words are weighed in.
BACKGROUND = [
    article(
        f"background-{number}",
        title,
        summary,
        source="portal",
        minutes=-600 + 40 * number,
    )
    for number, (title, summary) in enumerate(
        [
            (
                "Central bank of Norway holds rates at 4.5%",
                "Norges Bank kept its policy rate unchanged and signalled cuts later this year.",
            ),
            (
                "Oil settles lower as inventories build",
                "Brent crude fell 1% after U.S. stockpiles rose for a third week.",
            ),
            (
                "Harbor Airlines quarterly loss narrows on fuel costs",
                "Harbor Airlines reported a smaller loss as jet fuel prices eased in the quarter.",
            ),
            (
                "Japan exports rise for fifth month",
                "Shipments of cars and chips lifted exports, finance ministry data showed.",
            ),
            (
                "Eurozone retail sales slip in January",
                "Retail sales in the euro area fell 0.3% from December, Eurostat said.",
            ),
            (
                "Tech shares lead Wall Street higher",
                "The Nasdaq gained 1.2% as chipmakers rallied on strong demand forecasts.",
            ),
            (
                "Gold steadies near record as dollar eases",
                "Spot gold held near $2,900 an ounce as the dollar slipped against peers.",
            ),
            (
                "Chile copper output falls on mine outages",
                "Copper production in Chile dropped 4% in January, the national statistics "
                "agency said, after outages at two large mines.",
            ),
        ]
    )
]
