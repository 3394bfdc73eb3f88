"""Story detection on hand-written articles: what joins one story and what stays apart."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.article import Article
from bot.stories import StoryIndex, StoryTuning
from tests.support.story_articles import (
    BACKGROUND,
    COPPER_REACTION,
    DEAL,
    DEAL_REWRITE,
    DEAL_SYNDICATED,
    DOWNGRADE,
    RESULTS,
    article,
)


def _stories(*articles: Article) -> dict[str, str]:
    """The story of each article, fed in order after the background news."""
    index = StoryIndex()
    for item in BACKGROUND:
        index.assign(item)
    return {item.id: index.assign(item) for item in articles}


def test_a_syndicated_copy_and_a_rewrite_join_the_first_report() -> None:
    stories = _stories(DEAL, DEAL_SYNDICATED, DEAL_REWRITE)

    assert stories[DEAL_SYNDICATED.id] == stories[DEAL.id]
    assert stories[DEAL_REWRITE.id] == stories[DEAL.id]
    assert stories[DEAL.id] == DEAL.id  # a story is named after its first article


def test_results_and_an_analyst_downgrade_of_the_same_company_stay_apart() -> None:
    stories = _stories(DEAL, RESULTS, DOWNGRADE)

    assert len({stories[DEAL.id], stories[RESULTS.id], stories[DOWNGRADE.id]}) == 3


def test_a_market_reaction_headline_is_a_story_of_its_own() -> None:
    stories = _stories(DEAL, DEAL_REWRITE, COPPER_REACTION)

    assert stories[DEAL_REWRITE.id] == stories[DEAL.id]
    assert stories[COPPER_REACTION.id] != stories[DEAL.id]


def test_a_copy_published_after_the_window_starts_a_new_story() -> None:
    late = dataclasses.replace(
        DEAL_SYNDICATED,
        id="https://news.example/deal-late",
        published=DEAL.published + timedelta(hours=72),  # type: ignore[operator]
    )
    stories = _stories(DEAL, late)

    assert stories[late.id] == late.id


def test_a_copy_within_the_window_but_a_day_later_still_joins() -> None:
    next_day = dataclasses.replace(
        DEAL_SYNDICATED,
        id="https://news.example/deal-next-day",
        published=DEAL.published + timedelta(hours=30),  # type: ignore[operator]
    )
    stories = _stories(DEAL, next_day)

    assert stories[next_day.id] == DEAL.id


def test_an_article_seen_twice_keeps_its_story() -> None:
    index = StoryIndex()
    first = index.assign(DEAL_REWRITE)

    assert index.assign(DEAL_REWRITE) == first
    assert len(index) == 1


def test_a_replayed_index_decides_like_the_one_that_ran() -> None:
    running = StoryIndex()
    decided = {item.id: running.assign(item) for item in [*BACKGROUND, DEAL, RESULTS]}
    rebuilt = StoryIndex()
    for item in [*BACKGROUND, DEAL, RESULTS]:
        rebuilt.add(item, decided[item.id])

    assert rebuilt.assign(DEAL_REWRITE) == running.assign(DEAL_REWRITE) == DEAL.id
    assert rebuilt.story_of(DEAL.id) == DEAL.id


def test_the_index_forgets_articles_older_than_the_window() -> None:
    index = StoryIndex(StoryTuning(window_hours=48, clock_skew_hours=12))
    for hour in range(0, 24 * 10, 2):
        index.assign(article(f"tick-{hour}", f"Market snapshot number {hour}", minutes=60 * hour))

    # One article every 2 h over 10 days: only those of the last 60 h (48 h + 12 h for
    # clocks without a zone) are kept, and no story outlives its articles.
    assert len(index) == 31
    assert index.story_of("https://news.example/tick-0") is None
    assert index.story_count <= len(index)


def test_the_memory_bound_holds_whatever_the_dates() -> None:
    index = StoryIndex(StoryTuning(max_articles=50))
    for number in range(200):
        index.assign(article(f"same-minute-{number}", f"Item {number} of a burst", minutes=0))

    assert len(index) <= 50
