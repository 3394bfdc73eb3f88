"""Alerts per day with and without stories: later copies of a story edit its alert instead."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.article import Article
from bot.report.stats import BookMatches, Calendar, Corpus
from bot.stories import StoryIndex
from bot.wording import count

_UNDATED = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class StoryRates:
    """What a subscriber of every topic would receive, per day over the counted days."""

    alerts_per_day: float  # one alert per alerting article
    story_alerts_per_day: float  # one alert per story (the first alerting article of each)
    stories: int  # stories that alerted

    def sentence(self) -> str:
        """The figures as the text and HTML reports say them."""
        told = count(self.stories, "story", "stories")
        return (
            f"Alerts per day to a subscriber of every topic: {self.alerts_per_day:.1f} one per "
            f"article, {self.story_alerts_per_day:.1f} one per story ({told} alerted; later "
            "copies edit the alert; NEWSBOT_STORIES=false turns this off)"
        )


class StoryTap:
    """Keeps what story detection reads of each article as the corpus is read."""

    def __init__(self) -> None:
        self._articles: list[Article] = []

    def tap(
        self, items: Iterable[tuple[str, Article | None, str | None]]
    ) -> Iterator[tuple[str, Article | None, str | None]]:
        """The same items, each article noted (without its body) on the way."""
        for path, article, error in items:
            if article is not None:
                self._articles.append(
                    Article(
                        id=article.id,
                        title=article.title,
                        summary=article.summary,
                        source=article.source,
                        published=article.published,
                        tickers=article.tickers,
                    )
                )
            yield path, article, error

    def rates(self, corpus: Corpus, days: Calendar, matches: BookMatches) -> StoryRates:
        """Cluster the articles in time order and count alerts with and without stories."""
        ordered = sorted(self._articles, key=lambda article: article.published or _UNDATED)
        index = StoryIndex()
        story_of: dict[str, str] = {}
        for article in ordered:
            story_of.setdefault(article.id, index.assign(article))
        position = {article.id: number for number, article in enumerate(ordered)}
        alerting = sorted(
            (corpus.articles[number] for number in matches.active_hits()),
            key=lambda ref: position.get(ref.id, len(position)),
        )
        plain: dict[date, int] = {}
        first: dict[date, int] = {}
        told: set[str] = set()
        for ref in alerting:
            if ref.day is not None:
                plain[ref.day] = plain.get(ref.day, 0) + 1
            story = story_of.get(ref.id, ref.id)
            if story not in told:
                told.add(story)
                if ref.day is not None:
                    first[ref.day] = first.get(ref.day, 0) + 1
        return StoryRates(
            alerts_per_day=days.rate(plain, len(alerting)),
            story_alerts_per_day=days.rate(first, len(told)),
            stories=len(told),
        )
