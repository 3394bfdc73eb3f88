"""Backtest figures: what rule books match over a corpus, per day, per rule and topic, and how
two rule books differ on the same articles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date

from bot.article import Article
from bot.rules import RuleBook

# A day holding fewer articles than this share of the busiest day is left out of rates: two
# stray old articles, or the first hours of a crawl, would otherwise stretch the span and make
# a noisy rule look quiet.
SPARSE_DAY_SHARE = 0.05
EXAMPLES = 3
TOP_TERMS = 5

RuleKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """Enough of one article to show it in a report."""

    index: int
    id: str
    title: str
    link: str | None
    path: str
    day: date | None


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule matching one article, with the terms that fired."""

    article: int
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule's settings that the report shows."""

    priority: str
    status: str


@dataclass
class BookMatches:
    """What one rule book matched over the corpus, in reading order."""

    topics: dict[str, str]
    rules: dict[RuleKey, RuleInfo]
    hits: dict[RuleKey, list[Hit]] = field(default_factory=dict)

    @classmethod
    def start(cls, book: RuleBook) -> BookMatches:
        """Empty matches for every topic and every rule that is not disabled."""
        rules = {
            key: RuleInfo(rule.priority, rule.status)
            for key, rule in sorted(book.all_rules.items())
            if rule.status != "disabled"
        }
        topics = {topic_id: topic.title for topic_id, topic in sorted(book.topics.items())}
        return cls(topics, rules, {key: [] for key in rules})

    def active_hits(self) -> dict[int, set[RuleKey]]:
        """Per article, the active rules that matched it."""
        found: dict[int, set[RuleKey]] = {}
        for key, hits in self.hits.items():
            if self.rules[key].status == "active":
                for hit in hits:
                    found.setdefault(hit.article, set()).add(key)
        return found

    def alerts(self, topic: str) -> set[int]:
        """The articles the topic's active rules matched: what its subscribers would receive."""
        return {
            hit.article
            for key, hits in self.hits.items()
            if key[0] == topic and self.rules[key].status == "active"
            for hit in hits
        }

    def matched(self, topic: str) -> set[int]:
        """The articles any of the topic's rules matched, test rules included."""
        return {
            hit.article for (owner, _), hits in self.hits.items() if owner == topic for hit in hits
        }


@dataclass
class Corpus:
    """The readable articles of a corpus, and what could not be read."""

    articles: list[ArticleRef] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    duplicates: int = 0
    # The path of each skipped duplicate, and the article (index) it repeats.
    copies: dict[str, int] = field(default_factory=dict)


def collect(
    items: Iterable[tuple[str, Article | None, str | None]], books: Sequence[RuleBook]
) -> tuple[Corpus, list[BookMatches]]:
    """Match every (path, article, error) item with every book; an article id seen before is
    skipped, as the bot would skip it."""
    corpus = Corpus()
    matches = [BookMatches.start(book) for book in books]
    seen: dict[str, int] = {}
    for path, article, error in items:
        if article is None:
            corpus.unreadable.append((path, error or "unreadable"))
            continue
        if article.id and article.id in seen:
            corpus.duplicates += 1
            corpus.copies[path] = seen[article.id]
            continue
        if article.id:
            seen[article.id] = len(corpus.articles)
        index = len(corpus.articles)
        corpus.articles.append(_ref(index, path, article))
        for book, found in zip(books, matches, strict=True):
            for match in book.match(article):
                found.hits[(match.topic, match.rule)].append(Hit(index, tuple(match.terms)))
    return corpus, matches


def _ref(index: int, path: str, article: Article) -> ArticleRef:
    published = article.published
    if published is not None and published.tzinfo is not None:
        published = published.astimezone(UTC)
    day = published.date() if published is not None else None
    return ArticleRef(index, article.id, article.title, article.link, path, day)


@dataclass(frozen=True)
class Calendar:
    """The days holding articles (UTC), and which of them rates are computed over."""

    counts: dict[date, int]
    counted: tuple[date, ...]
    undated: int

    @property
    def sparse(self) -> dict[date, int]:
        """The days left out of rates, with their article counts."""
        kept = set(self.counted)
        return {day: count for day, count in self.counts.items() if day not in kept}

    @property
    def days(self) -> int:
        """How many days rates are computed over (at least 1)."""
        return max(1, len(self.counted))

    @property
    def peak(self) -> tuple[date, int] | None:
        """The day holding the most articles."""
        return peak(self.counts)

    def rate(self, per_day: Mapping[date, int], total: int) -> float:
        """Per day over the counted days; over one day when no article has a date."""
        if not self.counted:
            return float(total)
        return sum(per_day.get(day, 0) for day in self.counted) / len(self.counted)


def calendar(corpus: Corpus) -> Calendar:
    """Articles per day, and the days that hold enough of them to count for rates."""
    counts = Counter(ref.day for ref in corpus.articles if ref.day is not None)
    undated = sum(1 for ref in corpus.articles if ref.day is None)
    busiest = max(counts.values(), default=0)
    floor = busiest * SPARSE_DAY_SHARE
    counted = tuple(sorted(day for day, count in counts.items() if count >= floor))
    return Calendar(dict(sorted(counts.items())), counted, undated)


def peak(per_day: Mapping[date, int]) -> tuple[date, int] | None:
    """The day with the highest count (the earliest of equals), or None when there is none."""
    if not per_day:
        return None
    best = max(per_day.values())
    return min(day for day, count in per_day.items() if count == best), best


@dataclass(frozen=True)
class RuleFigures:
    """One rule over the corpus."""

    topic: str
    rule: str
    priority: str
    status: str
    hits: list[Hit]
    per_day: float
    share: float
    days: dict[date, int]
    top_terms: list[tuple[str, int]]
    alone: list[int]

    @property
    def matched(self) -> int:
        """How many articles the rule matched."""
        return len(self.hits)

    @property
    def peak(self) -> tuple[date, int] | None:
        """The day the rule matched most."""
        return peak(self.days)


@dataclass(frozen=True)
class TopicFigures:
    """One topic over the corpus: all its rules, and its alerts (active rules only)."""

    topic: str
    title: str
    matched: int
    per_day: float
    alerts: int
    alerts_per_day: float
    alert_days: dict[date, int]
    rules: list[RuleFigures]

    @property
    def peak(self) -> tuple[date, int] | None:
        """The day the topic alerted most."""
        return peak(self.alert_days)


@dataclass(frozen=True)
class Figures:
    """Every figure of one rule book over one corpus."""

    corpus: Corpus
    calendar: Calendar
    topics: list[TopicFigures]

    def noisiest_rules(self) -> list[RuleFigures]:
        """Every rule, the highest rate first."""
        rules = [rule for topic in self.topics for rule in topic.rules]
        return sorted(rules, key=lambda rule: (-rule.per_day, -rule.matched, rule.topic, rule.rule))


def figures(corpus: Corpus, days: Calendar, matches: BookMatches) -> Figures:
    """Per topic and rule: counts, rates, shares, days, terms and what each rule alone caught."""
    total = len(corpus.articles)
    active = matches.active_hits()
    topics = []
    for topic, title in matches.topics.items():
        rules = []
        for (owner, name), info in matches.rules.items():
            if owner != topic:
                continue
            hits = matches.hits[(owner, name)]
            per_day = _per_day(corpus, (hit.article for hit in hits))
            terms = Counter(term for hit in hits for term in hit.terms)
            others = {(owner, name)}
            alone = [hit.article for hit in hits if not active.get(hit.article, set()) - others]
            rules.append(
                RuleFigures(
                    topic=owner,
                    rule=name,
                    priority=info.priority,
                    status=info.status,
                    hits=hits,
                    per_day=days.rate(per_day, len(hits)),
                    share=len(hits) / total if total else 0.0,
                    days=per_day,
                    top_terms=terms.most_common(TOP_TERMS),
                    alone=alone,
                )
            )
        rules.sort(key=lambda rule: (-rule.per_day, -rule.matched, rule.rule))
        matched = matches.matched(topic)
        alerts = matches.alerts(topic)
        alert_days = _per_day(corpus, alerts)
        topics.append(
            TopicFigures(
                topic=topic,
                title=title,
                matched=len(matched),
                per_day=days.rate(_per_day(corpus, matched), len(matched)),
                alerts=len(alerts),
                alerts_per_day=days.rate(alert_days, len(alerts)),
                alert_days=alert_days,
                rules=rules,
            )
        )
    return Figures(corpus, days, topics)


def _per_day(corpus: Corpus, articles: Iterable[int]) -> dict[date, int]:
    counts = Counter(
        day for day in (corpus.articles[index].day for index in articles) if day is not None
    )
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class Change:
    """How one rule (or, with `rule` None, one topic's alerts) differs between two books."""

    topic: str
    rule: str | None
    old_status: str | None
    new_status: str | None
    gained: list[int]
    lost: list[int]
    old_per_day: float
    new_per_day: float

    @property
    def per_day_change(self) -> float:
        """New rate minus old rate."""
        return self.new_per_day - self.old_per_day


def compare(corpus: Corpus, days: Calendar, old: BookMatches, new: BookMatches) -> list[Change]:
    """Per topic (its alerts) and rule, the articles the new book matches that the old did not
    and back; only what changed, each topic before its rules."""
    changes: list[Change] = []
    for topic in sorted(set(old.topics) | set(new.topics)):
        rule_changes = []
        for key in sorted(k for k in set(old.rules) | set(new.rules) if k[0] == topic):
            old_info, new_info = old.rules.get(key), new.rules.get(key)
            change = _change(
                corpus,
                days,
                key,
                (old_info.status if old_info else None, new_info.status if new_info else None),
                {hit.article for hit in old.hits.get(key, [])},
                {hit.article for hit in new.hits.get(key, [])},
            )
            if change.gained or change.lost or change.old_status != change.new_status:
                rule_changes.append(change)
        presence = tuple("present" if topic in book.topics else None for book in (old, new))
        topic_change = _change(
            corpus, days, (topic, None), presence, old.alerts(topic), new.alerts(topic)
        )
        if topic_change.gained or topic_change.lost or rule_changes or presence[0] != presence[1]:
            changes.append(topic_change)
            changes.extend(rule_changes)
    return changes


def _change(
    corpus: Corpus,
    days: Calendar,
    key: tuple[str, str | None],
    statuses: tuple[str | None, ...],
    was: set[int],
    now: set[int],
) -> Change:
    return Change(
        topic=key[0],
        rule=key[1],
        old_status=statuses[0],
        new_status=statuses[1],
        gained=sorted(now - was),
        lost=sorted(was - now),
        old_per_day=days.rate(_per_day(corpus, was), len(was)),
        new_per_day=days.rate(_per_day(corpus, now), len(now)),
    )
