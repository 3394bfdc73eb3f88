"""One story told by three outlets, and another story of the same company on the same day.

Written for the tests (never corpus text): (source, title, summary) each.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.article import Article
from tests.support.story_articles import linked

STRIKE = [
    (
        "reuters",
        "Drone strike halts Saudi Abqaiq crude oil plant, 5.7 million barrels a day offline",
        "A drone strike on Saudi Aramco's Abqaiq crude oil processing plant halted about 5.7 "
        "million barrels a day of output on Monday, officials said.",
    ),
    (
        "bloomberg",
        "Saudi Abqaiq crude oil plant halted by drone strike; 5.7 million barrels a day lost",
        "Saudi Aramco's Abqaiq crude oil processing plant stopped after a drone strike on "
        "Monday, cutting 5.7 million barrels a day of supply.",
    ),
    (
        "cnbc",
        "Drone strike knocks out 5.7 million barrels a day at Saudi Abqaiq crude oil plant",
        "Drones hit Saudi Aramco's Abqaiq crude oil plant, which processes 5.7 million barrels "
        "a day, halting output on Monday, officials said.",
    ),
]
ROADSHOW = (
    "reuters",
    "Saudi Aramco delays crude oil IPO roadshow to next quarter",
    "Saudi Aramco told bankers it would push its listing roadshow to the next quarter, people "
    "familiar with the matter said, citing market conditions.",
)

# Seven outlets telling one testimony, each in its own words (issue 21: a bot with an empty
# database must group them from the first article).
POWELL = [
    (
        "reuters",
        "Fed's Powell says no need to rush rate cuts while the economy stays strong",
        "Federal Reserve Chair Jerome Powell told the Senate Banking Committee on Tuesday that "
        "the central bank does not need to hurry to lower interest rates, with the economy "
        "strong and inflation still above the 2% target.",
    ),
    (
        "seekalpha",
        "Federal Reserve won't hurry to adjust its policy rate, Powell tells Senate panel",
        "Fed Chair Jerome Powell repeated in his semiannual testimony to the Senate Banking "
        "Committee that policymakers are in no hurry to cut the federal funds rate, held at "
        "4.25%-4.5%, as long as the economy remains strong.",
    ),
    (
        "cnbc",
        "Powell tells Congress the Fed is in no hurry to lower interest rates",
        "Jerome Powell told senators on Tuesday that the Federal Reserve sees no need to hurry "
        "rate cuts, saying the economy is strong and inflation remains somewhat elevated.",
    ),
    (
        "investing",
        "Fed Chair Powell: 'we do not need to be in a hurry' to cut rates",
        "Federal Reserve Chair Jerome Powell said on Tuesday in testimony before the Senate "
        "Banking Committee that the Fed does not need to be in a hurry to cut interest rates.",
    ),
    (
        "marketwatch",
        "Powell signals patience on rate cuts in Senate testimony",
        "Fed Chair Jerome Powell told the Senate Banking Committee on Tuesday that the central "
        "bank is in no hurry to cut interest rates again, pointing to a strong economy.",
    ),
    (
        "tradingeconomics",
        "Powell says Fed not in a hurry to cut rates",
        "Fed Chair Jerome Powell told the Senate Banking Committee on Tuesday that the Federal "
        "Reserve does not need to hurry to cut interest rates with the economy strong.",
    ),
    (
        "bloomberg",
        "Powell says Fed can hold rates steady for now with economy strong, no hurry to cut",
        "Federal Reserve Chair Jerome Powell told senators in his semiannual testimony that "
        "the Fed is in no hurry to cut interest rates while the economy stays strong.",
    ),
]

STRIKE_AT = datetime(2026, 3, 2, 14, 2, tzinfo=UTC)


def copy(number: int) -> Article:
    """The story as outlet `number` tells it."""
    source, title, summary = STRIKE[number]
    published = STRIKE_AT + timedelta(minutes=7 * number)
    return linked(f"https://{source}.example/strike", title, summary, source, published)
