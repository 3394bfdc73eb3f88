"""One story told by three outlets, and another story of the same company on the same day.

Written for the tests (never corpus text): (source, title, summary) each.
"""

from __future__ import annotations

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
