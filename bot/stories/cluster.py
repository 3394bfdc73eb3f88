"""Online story detection: an arriving article joins the story of an earlier one, or starts one."""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections import deque
from dataclasses import dataclass, field

from bot.article import Article
from bot.stories.features import COMPANY_FORMS, StoryFeatures, describe, done_forms
from bot.stories.followups import followup_apart
from bot.stories.reference import idf
from bot.stories.same_event import (
    covering,
    event_keys,
    mentioned_companies,
    one_answer,
    one_company_named,
    one_release,
    one_results,
    one_speaker,
    other_period,
    same_official,
)

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class StoryTuning:
    """The knobs of story detection (docs/stories.md says what each one trades)."""

    window_hours: float = 48.0  # stories older than this (by published time) are closed
    clock_skew_hours: float = 12.0  # dates without a zone differ by hours between sources
    fresh_hours: float = 6.0  # gaps up to this count as "the same moment"
    # Weights of the evidence (a logistic fit on pair features, rounded; docs/stories.md).
    title_weight: float = 1.0  # IDF cosine of the headlines
    text_weight: float = 0.88  # IDF cosine of headline and summary
    coverage_weight: float = 1.03  # how much of each headline the other article states
    number_weight: float = 0.49  # per rare amount both state (at most two count)
    results_weight: float = 1.03  # both report one company's results (rule 3)
    release_weight: float = 1.03  # both report one release of one place, the same day (rule 2)
    threshold: float = 1.0  # the evidence needed to join a story
    threshold_per_hour: float = 0.043  # extra evidence needed per hour beyond fresh_hours
    seed_slack: float = 0.4  # how much less a later article must share with the first one
    coherence: int = 8  # a story's latest articles a newcomer must not be about others than
    repost_text: float = 0.5  # summary likeness that makes an equal headline a repost
    # A day apart, an equal headline is a recurring column (`Manila Closing Stock Prices`)
    # unless the text is nearly the same too.
    late_repost_text: float = 0.8
    max_candidates: int = 24  # earlier articles scored exactly per arrival
    common_fraction: float = 0.01  # terms in more of the window's articles never select
    max_articles: int = 50_000  # hard memory bound, whatever the dates say
    # How many window articles the shipped reference counts as (term weights blend both).
    reference_prior: float = 500.0


@dataclass(slots=True)
class _Entry:
    """An article in the window, with its term weights as they were when it arrived."""

    features: StoryFeatures
    story_id: str
    timestamp: float
    weights: dict[str, float]  # squared IDF of each term
    title_mass: float
    text_mass: float
    anchors: tuple[str, ...]  # the headline's most informative words (by weight)
    subject: tuple[str, ...]  # its rarest words: what a copy of the same event names too


@dataclass(slots=True)
class _Story:
    """A story with articles in the window."""

    seed: str  # the id of the story's first article: later ones must still fit it
    size: int
    # Its latest articles: a newcomer the definition keeps apart from any of them does not
    # join (a story never holds two companies, days or releases however it was chained).
    latest: deque[str] = field(default_factory=deque)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What two articles share, as story detection weighs it."""

    title: float  # IDF cosine of the headlines
    text: float  # IDF cosine of headline and summary
    coverage: float  # the smaller share of either headline that the other article states
    shared_numbers: int  # amounts both state
    results: bool  # both headlines report one company's results
    release: bool  # both headlines name one economic release of one place, hours apart
    gap_hours: float
    repost: bool  # the same headline and (nearly) the same summary
    score: float


@dataclass(frozen=True, slots=True)
class Decision:
    """Why an article joined a story or started one."""

    story_id: str
    joined: str | None  # the id of the earlier article it was matched with
    score: float


class StoryIndex:
    """The stories of the recent window and the articles that tell them.

    `assign` decides an arriving article once, from earlier ones only; `add` replays an
    article whose story is already known (rebuilding the index from storage at start-up).
    Memory is bounded: articles older than the window, and the oldest beyond
    `max_articles`, are forgotten.
    """

    def __init__(self, tuning: StoryTuning | None = None) -> None:
        self.tuning = tuning or StoryTuning()
        self._entries: dict[str, _Entry] = {}
        self._arrivals: deque[str] = deque()
        # Insertion-ordered (dicts, not sets): equal scores then break ties the same way
        # in every process, whatever the hash seed.
        self._postings: dict[str, dict[str, None]] = {}
        self._title_keys: dict[str, list[str]] = {}
        # Articles by the company whose results they report (`event_keys`): on a results
        # day no word of a paraphrase is rare enough to select it.
        self._event_keys: dict[str, dict[str, None]] = {}
        self._stories: dict[str, _Story] = {}
        self._latest = -math.inf

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._entries

    @property
    def story_count(self) -> int:
        """How many stories have an article in the window."""
        return len(self._stories)

    def story_of(self, article_id: str) -> str | None:
        """The story of an article still in the window."""
        entry = self._entries.get(article_id)
        return entry.story_id if entry else None

    def assign(self, article: Article) -> str:
        """The story id of an arriving article (an earlier story's, or its own id)."""
        return self.decide(article).story_id

    def decide(self, article: Article) -> Decision:
        """Assign the article and say which earlier article decided it."""
        known = self._entries.get(article.id)
        if known is not None:
            return Decision(known.story_id, None, 0.0)
        features = describe(article)
        timestamp = self._timestamp(features)
        self._evict(timestamp)
        weights = self._weights(features)
        decision = self._best_story(features, timestamp, weights)
        self._insert(features, decision.story_id, timestamp, weights)
        return decision

    def add(self, article: Article, story_id: str) -> None:
        """Put an article whose story is already known into the index (replay at start-up)."""
        if article.id in self._entries:
            return
        features = describe(article)
        timestamp = self._timestamp(features)
        self._evict(timestamp)
        self._insert(features, story_id, timestamp, self._weights(features))

    # ------------------------------------------------------------------ decisions

    def _best_story(
        self, new: StoryFeatures, timestamp: float, weights: dict[str, float]
    ) -> Decision:
        """The story of the best-matching earlier article whose story's first article
        the new one still fits; else a new story named after the article."""
        query = _entry(new, "", timestamp, weights)
        scored: list[tuple[float, _Entry]] = []
        for entry in self._candidates(query):
            margin = self._margin(query, entry)
            if margin is not None:
                scored.append((margin, entry))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        tried: set[str] = set()
        accepted: list[tuple[float, _Entry]] = []
        for margin, entry in scored:
            if entry.story_id in tried:
                continue
            tried.add(entry.story_id)
            if margin >= _REPOST and not accepted:
                return Decision(entry.story_id, entry.features.article_id, margin)
            if self._fits_seed(query, entry.story_id) and self._coherent(query, entry.story_id):
                accepted.append((margin, entry))
                if len(accepted) == _SPLIT_STORIES:
                    break
        if not accepted:
            return Decision(new.article_id, None, 0.0)
        margin, entry = self._larger_story(query, accepted)
        return Decision(entry.story_id, entry.features.article_id, margin)

    def _larger_story(
        self, query: _Entry, accepted: list[tuple[float, _Entry]]
    ) -> tuple[float, _Entry]:
        """Of the stories that would take an article, the best-matching one, unless the
        article reports one release or one company's results with both and the other holds
        more articles: one release's copies that split early into two stories (a wire's own
        flashes beside the other outlets' story) then grow the larger one, not both."""
        best = accepted[0]
        if not self._one_report(query, best[1]):
            return best
        for candidate in accepted[1:]:
            larger = (
                self._stories[candidate[1].story_id].size > self._stories[best[1].story_id].size
            )
            if larger and self._one_report(query, candidate[1]):
                best = candidate
        return best

    def _one_report(self, new: _Entry, old: _Entry) -> bool:
        """Whether two articles report one economic release, or one company's results both
        filed under that company (a report, not a view, an analysis or call remarks)."""
        evidence = self._evidence(new, old)
        if evidence is None:
            return False
        if evidence.release:
            return True
        return evidence.results and bool(event_keys(new.features) & event_keys(old.features))

    def _fits_seed(self, query: _Entry, story_id: str) -> bool:
        """Whether the arriving article still tells what the story's first article told:
        without this, a chain of small steps would drift from one event to the next."""
        story = self._stories.get(story_id)
        seed = self._entries.get(story.seed) if story else None
        if seed is None:
            return True
        return self._margin(query, seed, self.tuning.seed_slack) is not None

    def _coherent(self, query: _Entry, story_id: str) -> bool:
        """Whether no recent article of the story is one the definition keeps apart from
        the arriving one (its reposts aside)."""
        story = self._stories.get(story_id)
        if story is None:
            return True
        for article_id in story.latest:
            member = self._entries.get(article_id)
            if member is None:
                continue
            if member.features.title_key != query.features.title_key and _other_things(
                query, member
            ):
                return False
            gap = abs(query.timestamp - member.timestamp) / HOUR
            shared = query.features.text_terms & member.features.text_terms
            text = _cosine(shared, query.weights, query.text_mass, member.text_mass)
            if _another_day(query.features, member.features, gap, text, self.tuning):
                return False
            if member.features.title_key != query.features.title_key and followup_apart(
                query.features, member.features, gap
            ):
                return False
        return True

    def _margin(self, new: _Entry, old: _Entry, slack: float = 0.0) -> float | None:
        """How far the evidence that both tell one story exceeds what their gap asks for."""
        evidence = self._evidence(new, old)
        if evidence is None:
            return None
        if evidence.repost:
            return _REPOST + evidence.text
        tuning = self.tuning
        needed = (
            tuning.threshold
            - slack
            + tuning.threshold_per_hour * max(0.0, evidence.gap_hours - tuning.fresh_hours)
        )
        margin = evidence.score - needed
        return margin if margin >= 0 else None

    def _evidence(self, new: _Entry, old: _Entry) -> Evidence | None:
        """What speaks for one story between two articles; None when a rule of the
        definition keeps them apart whatever they share, or they are too far apart."""
        tuning = self.tuning
        gap = abs(new.timestamp - old.timestamp) / HOUR
        if gap > tuning.window_hours + tuning.clock_skew_hours:
            return None
        a, b = new.features, old.features
        text = _cosine(a.text_terms & b.text_terms, new.weights, new.text_mass, old.text_mass)
        repost = (
            a.title_key == b.title_key
            and len(a.title_key.split()) >= 3
            and (
                text >= tuning.late_repost_text
                and not (a.digest or b.digest)
                # Two headline-only items a day apart: nothing says it is not the next day's.
                and not (gap >= _DAY_HOURS and (a.headline_only or b.headline_only))
                and not (gap >= _DAY_HOURS and (_names_no_one(a) or _names_no_one(b)))
                if gap > tuning.fresh_hours * 2
                else a.headline_only or b.headline_only or text >= tuning.repost_text
            )
        )
        if repost and (a.digest or b.digest) and _other_edition(a, b):
            repost = False  # one column's later edition: the same words, other figures
        if not repost and (
            _apart(new, old) or _another_day(a, b, gap, text, tuning) or followup_apart(a, b, gap)
        ):
            return None
        if not repost and _only_a_figure_shared(a, b):
            return None  # `… 1.1 Mln B/D` and `… 1.1 Mln Dinars`: one figure, two subjects
        title = _cosine(a.title_terms & b.title_terms, new.weights, new.title_mass, old.title_mass)
        coverage = min(
            _share(a.title_terms & b.text_terms, new.weights, new.title_mass),
            _share(b.title_terms & a.text_terms, old.weights, old.title_mass),
        )
        rare = self._rare_weight
        shared_numbers = sum(1 for number in a.numbers & b.numbers if new.weights[number] >= rare)
        results = _same_release(a, b)
        release = (gap <= tuning.fresh_hours * 2 and _same_indicator(a, b)) or one_answer(a, b, gap)
        both_full = not (a.headline_only or b.headline_only)
        score = (
            tuning.title_weight * title
            + tuning.text_weight * (text if both_full else title)
            + tuning.coverage_weight * coverage
            + tuning.number_weight * min(shared_numbers, 2)
            + (tuning.results_weight if results else 0.0)
            + (tuning.release_weight if release else 0.0)
        )
        return Evidence(
            title=title,
            text=text,
            coverage=coverage,
            shared_numbers=shared_numbers,
            results=results,
            release=release,
            gap_hours=gap,
            repost=repost,
            score=score,
        )

    @property
    def _rare_weight(self) -> float:
        """The weight of a term in 1% of the window's articles: rarer ones single out."""
        size = len(self._entries) + self.tuning.reference_prior
        idf = math.log((size + 1.0) / (0.01 * size + 0.5)) + 1.0
        return idf * idf

    def _weights(self, features: StoryFeatures) -> dict[str, float]:
        """The squared IDF of each of the article's terms: the window's counts blended with
        the shipped reference, so that weights are right from the first article."""
        size, prior = len(self._entries), self.tuning.reference_prior
        postings = self._postings
        weights = {}
        for term in features.text_terms:
            found = postings.get(term)
            weight = idf(term, len(found) if found else 0, size, prior)
            weights[term] = weight * weight
        return weights

    def _candidates(self, query: _Entry) -> list[_Entry]:
        """The earlier articles sharing the most informative headline terms and numbers."""
        features = query.features
        limit = max(20, int(self.tuning.common_fraction * len(self._entries)))
        scores: dict[str, float] = {}
        common: list[dict[str, None]] = []
        for term in sorted(features.title_terms | features.numbers):
            postings = self._postings.get(term)
            if postings and len(postings) > limit and term in features.title_terms:
                common.append(postings)
            if not postings or len(postings) > limit:
                continue
            weight = query.weights[term]
            for article_id in postings:
                scores[article_id] = scores.get(article_id, 0.0) + weight
        for article_id in self._title_keys.get(features.title_key, ()):
            scores[article_id] = math.inf
        ranked = heapq.nlargest(self.tuning.max_candidates, scores, key=scores.__getitem__)
        if not scores:
            ranked.extend(covering(common, _EVENT_CANDIDATES))
        ranked.extend(self._same_event_candidates(features, set(ranked)))
        return [self._entries[article_id] for article_id in ranked]

    def _same_event_candidates(self, features: StoryFeatures, chosen: set[str]) -> list[str]:
        """The latest articles filed under one of the article's event keys, not yet chosen."""
        found: list[str] = []
        for key in sorted(event_keys(features)):
            filed = self._event_keys.get(key)
            if not filed:
                continue
            for article_id in itertools.islice(reversed(filed), _EVENT_CANDIDATES):
                if article_id not in chosen:
                    chosen.add(article_id)
                    found.append(article_id)
        return found

    # ------------------------------------------------------------------ state

    def _timestamp(self, features: StoryFeatures) -> float:
        """The article's time; an undated article is taken to be as new as the newest."""
        if features.timestamp is not None:
            return features.timestamp
        return self._latest if self._latest > -math.inf else 0.0

    def _insert(
        self, features: StoryFeatures, story_id: str, timestamp: float, weights: dict[str, float]
    ) -> None:
        article_id = features.article_id
        self._entries[article_id] = _entry(features, story_id, timestamp, weights)
        self._arrivals.append(article_id)
        self._latest = max(self._latest, timestamp)
        for term in features.text_terms:
            self._postings.setdefault(term, {})[article_id] = None
        self._title_keys.setdefault(features.title_key, []).append(article_id)
        for key in event_keys(features):
            self._event_keys.setdefault(key, {})[article_id] = None
        story = self._stories.get(story_id)
        if story is None:
            story = self._stories[story_id] = _Story(seed=article_id, size=0)
        story.size += 1
        story.latest.append(article_id)
        if len(story.latest) > self.tuning.coherence:
            story.latest.popleft()

    def _evict(self, now: float) -> None:
        """Forget articles older than the window (and the oldest beyond the memory bound)."""
        tuning = self.tuning
        horizon = max(now, self._latest) - (tuning.window_hours + tuning.clock_skew_hours) * HOUR
        while self._arrivals:
            oldest = self._entries[self._arrivals[0]]
            if oldest.timestamp >= horizon and len(self._entries) < tuning.max_articles:
                break
            self._remove(self._arrivals.popleft())

    def _remove(self, article_id: str) -> None:
        entry = self._entries.pop(article_id)
        for term in entry.features.text_terms:
            postings = self._postings.get(term)
            if postings is not None:
                postings.pop(article_id, None)
                if not postings:
                    del self._postings[term]
        for key in event_keys(entry.features):
            filed = self._event_keys.get(key)
            if filed is not None:
                filed.pop(article_id, None)
                if not filed:
                    del self._event_keys[key]
        keyed = self._title_keys.get(entry.features.title_key)
        if keyed is not None:
            keyed.remove(article_id)
            if not keyed:
                del self._title_keys[entry.features.title_key]
        story = self._stories[entry.story_id]
        story.size -= 1
        if not story.size:
            del self._stories[entry.story_id]


# How many of the latest articles filed under one event key are compared with a newcomer.
_EVENT_CANDIDATES = 8

# Items of one template this far apart are a daily series (fixings, opens), not one event.
_DAY_HOURS = 22.0

# Counts of a running vote told this many hours apart are two moments.
_TALLY_HOURS = 0.5

# How many of a headline's most informative words the other article must state one of.
_ANCHORS = 4

# At most this many tagged symbols name the companies an item is about.
_FEW_SYMBOLS = 3

# How many of a headline's rarest words name its subject.
_SUBJECT = 2

# A repost's margin: above any margin likeness alone can give.
_REPOST = 100.0
# How many stories that would take an article are weighed against each other (`_larger_story`).
_SPLIT_STORIES = 2


def _masses(features: StoryFeatures, weights: dict[str, float]) -> tuple[float, float]:
    """The squared norms of the headline and of the whole text."""
    return math.fsum(weights[term] for term in features.title_terms), math.fsum(weights.values())


def _cosine(shared: frozenset[str], weights: dict[str, float], left: float, right: float) -> float:
    """The weighted cosine from the shared terms and both squared norms."""
    if not shared or not left or not right:
        return 0.0
    return math.fsum(weights[term] for term in shared) / math.sqrt(left * right)


def _share(shared: frozenset[str], weights: dict[str, float], whole: float) -> float:
    """The shared terms' part of a squared norm."""
    return math.fsum(weights[term] for term in shared) / whole if whole else 0.0


def _same_release(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether both headlines report one company's results (rule 3): results headlines
    that name the same company."""
    return a.results and b.results and bool(a.names & b.title_terms or b.names & a.title_terms)


def _same_indicator(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether both headlines name one economic release of the knowledge base (`PPI`,
    `producer prices`) of one place (or one of them names none): one release, however told."""
    first, second = a.entities, b.entities
    if not first.releases & second.releases or a.move_subject or b.move_subject:
        return False
    if first.actors != second.actors:
        return False  # `Fed … after CPI report`: an official's view of the release
    if first.places and second.places and not first.places & second.places:
        return False
    return not (a.countries and b.countries and not a.countries & b.countries)


def _unanchored(one: _Entry, other: StoryFeatures) -> bool:
    """Whether `other` states none of the most informative words of `one`'s headline: in
    templated headlines (`X declares quarterly dividend`) the name that tells them apart."""
    return bool(one.anchors) and not any(term in other.text_terms for term in one.anchors)


def _entry(
    features: StoryFeatures, story_id: str, timestamp: float, weights: dict[str, float]
) -> _Entry:
    """An index entry: the article's features with its weights, norms and anchors."""
    words = [term for term in features.title_terms if term[0] != "#"]
    anchors = tuple(heapq.nlargest(_ANCHORS, sorted(words), key=weights.__getitem__))
    named = [term for term in words if term[0] != "~"]
    subject = tuple(heapq.nlargest(_SUBJECT, sorted(named), key=weights.__getitem__))
    return _Entry(
        features,
        story_id,
        timestamp,
        weights,
        *_masses(features, weights),
        anchors,
        subject,
    )


# Headlines sharing this much of their words (each) follow one template, or tell one event.
_TEMPLATE_SHARE = 0.5


def _templated(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether the two headlines share most of their words: one event told twice, or one
    template (`X Is Maintained at Buy by Y`, `X Q4 Adjusted EPS USD …`) about two names,
    days or figures; the words that differ then decide."""
    left = {term for term in a.title_terms if term[0] != "#"}
    right = {term for term in b.title_terms if term[0] != "#"}
    if not left or not right:
        return False
    shared = len(left & right)
    return shared >= _TEMPLATE_SHARE * len(left) and shared >= _TEMPLATE_SHARE * len(right)


def _other_subjects(new: _Entry, old: _Entry) -> bool:
    """Whether each headline's rarest words are absent from the other article: the same
    template (`X Dec-Quarter Consol Net Profit …`, `X Is Maintained at Buy by …`) about
    two names. A copy of one event states the name its headline is about."""
    if new.features.indicators & old.features.indicators:
        return False  # one economic release: the release is the subject, whatever the words
    return _subject_missing(new, old.features) and _subject_missing(old, new.features)


def _subject_missing(one: _Entry, other: StoryFeatures) -> bool:
    return bool(one.subject) and not any(term in other.text_terms for term in one.subject)


# Amounts within this ratio are one figure told twice (`$97.4B` and `$97 billion`).
_SAME_AMOUNT = 0.02


def _other_amounts(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether both headlines state figures and neither states any figure of the other:
    two results or prices (other companies, days or releases), not one told twice."""
    if not (a.title_numbers and b.title_numbers):
        return False
    return not (
        _close_amount(a.title_numbers, b.numbers) or _close_amount(b.title_numbers, a.numbers)
    )


def _close_amount(wanted: frozenset[str], found: frozenset[str]) -> bool:
    """Whether any of the `wanted` amounts is (about) one of the `found` ones."""
    values = [_amount(token) for token in found]
    for token in wanted:
        unit, value = _amount(token)
        for other_unit, other in values:
            if unit == other_unit and abs(value - other) <= _SAME_AMOUNT * max(
                abs(value), abs(other)
            ):
                return True
    return False


def _amount(token: str) -> tuple[str, float]:
    """An amount token (`#97.4e+09`, `#5.75%`, `#25bp`) as its unit and value."""
    body = token[1:]
    for unit in ("%", "bp"):
        if body.endswith(unit):
            return unit, float(body[: -len(unit)])
    return "", float(body)


def _apart(new: _Entry, old: _Entry) -> bool:
    """Whether the definition keeps the two apart whatever their likeness (reposts aside)."""
    a, b = new.features, old.features
    unanchored = _unanchored(new, b) or _unanchored(old, a)
    if unanchored and _one_event(new, old):
        unanchored = False  # one release told in other words: the release is the subject
    return _kept_apart(a, b) or unanchored or _other_figures(new, old) or other_period(a, b)


def _one_event(new: _Entry, old: _Entry) -> bool:
    """Whether the knowledge base says the two report one release, or one company's
    results, hours apart (then their differing words are no evidence of two stories)."""
    a, b = new.features, old.features
    gap = abs(new.timestamp - old.timestamp) / HOUR
    return one_release(a, b, gap) or one_results(a, b, gap) or one_answer(a, b, gap)


def _another_day(
    a: StoryFeatures, b: StoryFeatures, gap: float, text: float, tuning: StoryTuning
) -> bool:
    """Whether the two are one recurring item (an equal headline) or two price moves, told
    on other days: a market's moves, and a daily column, are news of their day."""
    if a.tally == b.tally == "trend" and gap > _TALLY_HOURS and a.title_key != b.title_key:
        return True  # two counts of a running vote, told at two moments
    if gap <= tuning.fresh_hours * 2:
        return False
    if a.title_key == b.title_key and (a.digest or b.digest):
        return True  # a daily column (`Sector Update: Energy`) is news of its day
    if gap >= _DAY_HOURS and a.title_numbers != b.title_numbers and _templated(a, b):
        return True  # one template with other figures a day apart: another day's data
    if a.title_key == b.title_key:
        if gap >= _DAY_HOURS and (a.headline_only or b.headline_only):
            return True  # a headline-only item a day later: nothing says it is not new
        if gap >= _DAY_HOURS and (_names_no_one(a) or _names_no_one(b)):
            return True  # `Notification of major holdings` a day later: another filer's
        return text < tuning.late_repost_text
    return a.move_subject is not None and b.move_subject is not None


# Words that only name an amount's unit: shared, they say no more than the amount does.
_UNIT_WORDS = frozenset("mln bln mn bn million billion trillion crore lakh cent pct".split())


def _only_a_figure_shared(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether all the headlines share is an amount (and its unit): `… 1.1 Mln B/D` and
    `… 1.1 Mln Dinars` are one figure of two subjects; copies of one event name something
    of it too (a paraphrase that shares no word at all is left to the summaries)."""
    shared = a.title_terms & b.title_terms
    return bool(shared) and all(term[0] == "#" or term in _UNIT_WORDS for term in shared)


def _names_no_one(features: StoryFeatures) -> bool:
    """Whether a headline names no company, person, place, symbol or figure: a generic
    notice (`Notification of major holdings`) that any filer sends under one headline."""
    return not (
        features.names
        or features.rare_lead
        or features.headline_tickers
        or features.title_numbers
        or features.entities.companies
        or features.entities.places
        or features.entities.actors
        or features.countries
    )


_DIVIDEND = re.compile(r"\b(?:dividends?|distributions?)\b")


def _other_edition(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether two items under one column's headline state mostly other figures: two
    editions (`Sector Update: Health Care` at 2 pm and at 4 pm), not one item reposted."""
    if not (a.numbers and b.numbers):
        return False
    return len(a.numbers & b.numbers) * 2 < len(a.numbers | b.numbers)


def _other_figures(new: _Entry, old: _Entry) -> bool:
    """Whether two look-alikes are about other names, figures or periods: one template (or
    two results, two price moves) about two companies, instruments, days or releases."""
    a, b = new.features, old.features
    if a.quarters and b.quarters and not a.quarters & b.quarters and not (a.guidance or b.guidance):
        return True  # results of other quarters: other releases
    templated = _templated(a, b)
    # Two dividends, or two funds' distributions: two declarations unless of one company
    # (`First Trust Fund Declares $0.10` and `Advanced Energy declares $0.10 dividend`).
    dividends = bool(_DIVIDEND.search(a.title_key) and _DIVIDEND.search(b.title_key))
    if (
        (templated or (a.results and b.results))
        and (_other_subjects(new, old) or _other_lead_names(a, b))
        and not _one_event(new, old)
    ):
        return True
    if dividends and _other_openings(a, b):
        return True
    if (
        (a.kinds & b.kinds & _PARTY_KINDS or dividends)
        and not (a.speaker or b.speaker)  # `Thomson Geer Says FMG's Offer …`: a speaker
        and a.lead_name[:4] != b.lead_name[:4]  # `Steve Madden`, `Steven Madden`
        and _other_lead_names(a, b, parties=True)
    ):
        return True  # `Glazer Capital Acquires Stake in X`, `UBS Increases Stake in X`
    moves = a.move_subject is not None and b.move_subject is not None
    if a.guidance != b.guidance and a.results and b.results:
        return False  # an outlook's figures and the quarter's are one release's
    if _one_release_metrics(new, old):
        return False  # `Duke Energy 4Q EPS $1.54` and `… 4Q Adj EPS $1.66`: two metrics
    return (templated or moves or dividends) and _other_amounts(a, b)


def _one_release_metrics(new: _Entry, old: _Entry) -> bool:
    """Whether the two headlines state other figures of one company's results for one
    named quarter or half (the wire's flash lines of one release: EPS, adjusted EPS,
    revenue, net income): other metrics of one release, not two releases (rule 3)."""
    a, b = new.features, old.features
    if not (a.quarters & b.quarters):
        return False
    return one_results(a, b, abs(new.timestamp - old.timestamp) / HOUR)


def _other_things(new: _Entry, old: _Entry) -> bool:
    """Whether the two are about other companies, countries, names or figures under one
    template: what no chain of likenesses may join into one story."""
    a, b = new.features, old.features
    return (
        bool(a.days and b.days and not a.days & b.days)
        or bool(a.weekdays and b.weekdays and not a.weekdays & b.weekdays)
        or bool(a.kinds and b.kinds and not a.kinds & b.kinds)
        or bool(a.direction and b.direction and a.direction != b.direction)
        or _proposed_and_priced(a, b)
        or _other_remarks(a, b)  # two remarks of one call, however the story chained them
        or _other_names(a, b)
        or _other_symbols(a, b)
        or _other_figures(new, old)
    )


def _kept_apart(new: StoryFeatures, old: StoryFeatures) -> bool:
    """Whether the definition separates the two whatever their words share."""
    if new.digest or old.digest:
        return True  # a digest tells many events, none of them alone
    if new.preview or old.preview:
        return True  # a preview states none of the event's facts, and makes its own claims
    if {new.deed, old.deed} == {"signed", "announced"}:
        return True  # the signed act after the announced one is a new story (rule 5)
    if _intent_and_deed(new, old) or _intent_and_deed(old, new):
        return True  # `plans to file` and `files`: the act after the intent (rule 5)
    if new.days and old.days and not new.days & old.days:
        return True  # items of other days
    if new.weekdays and old.weekdays and not new.weekdays & old.weekdays:
        return True  # `… on Monday`, `… on Tuesday`: a daily item of two days
    if _proposed_and_priced(new, old):
        return True  # an offering proposed, then priced: a follow-up (rule 5)
    if new.analysis or old.analysis:
        return True  # analysis and analyst notes: each makes its own claim (rule 6)
    if new.remarks != old.remarks:
        return True  # remarks on a call or in an interview add their own facts (rule 3)
    if new.confirms != old.confirms:
        return True  # an official confirmation follows the report it confirms (rule 5)
    if _reaction(new, old) or _reaction(old, new):
        return True  # a price move of something else is a market-reaction story (rule 4)
    if new.kinds and old.kinds and not new.kinds & old.kinds:
        return True  # two kinds of company event (results and a buyback): two stories
    if new.session and old.session and new.session != old.session:
        return True  # a move before the open, at the open, at the close: three moves
    if _ruling_and_other(new, old) or _ruling_and_other(old, new):
        return True  # a court's ruling and a fact that never mentions a court: two events
    if new.group_move != old.group_move:
        return True  # a sector's shares moving is a market-reaction story (rule 4)
    if new.tally and old.tally and new.tally != old.tally:
        return True  # a vote's early trends and its outcome: two moments, two stories
    if new.direction and old.direction and new.direction != old.direction:
        return True  # a rise and a fall (`gold at record`, `gold pulls back`): two moves
    if _other_claims(new, old):
        return True  # one speaker's two remarks: each is its own claim
    if _quotes_other(new, old) or _quotes_other(old, new):
        return True  # another party's words are a response, a new fact (rule 5)
    if _answer_of_other(new, old) or _answer_of_other(old, new):
        return True  # a party's answer beside the event or another party's answer (rule 5)
    if _supply_and_demand(new, old):
        return True  # one report's supply and its demand estimates: two indicators (rule 2)
    if _release_and_company(new, old) or _release_and_company(old, new):
        return True  # a country's release and one company's own figure: two stories
    if _namesakes(new, old) and not new.title_numbers & old.title_numbers:
        # `Brookfield Corp` and `Brookfield Wealth Solutions`: two companies; one group's
        # two names stating one figure (`Tata.ev` and `Tata Motors` … `to 400,000`) are one.
        return True
    if _unnamed_beside_named(new, old) or _unnamed_beside_named(old, new):
        return True  # `Year-end Report 2024` of a company its summary never names
    return _other_names(new, old) or _other_symbols(new, old)


def _namesakes(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether the headlines open with two companies of one first word: `Brookfield Corp`
    and `Brookfield Wealth Solutions`, `Siemens Energy` and `Siemens AG`. They are when their
    own listed symbols differ (`(NYSE: BN)`, `(TSX: BNT)`), or when the words after the first
    differ and neither article writes the other's two. A bare name beside a longer one
    (`Siemens`, `Siemens AG`; `SoftBank`, `SoftBank Group`) is one company."""
    first, second = a.lead_name.split(), b.lead_name.split()
    if not (first and second) or first[0] != second[0]:
        return False
    own, others = a.listed | a.headline_tickers, b.listed | b.headline_tickers
    if own & others:
        return False
    if own and others and first[1:2] != second[1:2] and _name_word(a) != _name_word(b):
        return True  # `(BN) Brookfield` and `Brookfield Wealth Solutions (TSX: BNT)`
    if not (a.lead_tail and b.lead_tail) or a.lead_tail == b.lead_tail:
        return False
    return not _writes(b, [first[0], a.lead_tail]) and not _writes(a, [second[0], b.lead_tail])


def _name_word(features: StoryFeatures) -> str:
    """The second word of a headline's opening name, a company form aside: `Siemens AG
    (OTCPK:SIEGY)` and `Siemens (ETR:SIE)` are one company listed twice."""
    return "" if features.lead_tail in COMPANY_FORMS else features.lead_tail


def _unnamed_beside_named(generic: StoryFeatures, named: StoryFeatures) -> bool:
    """Whether `generic` names no one in its headline (`Year-end Report 2024`) and `named`
    opens with a company its summary never writes (`HANZA year-end report 2024`): any filer
    sends the generic headline, so only its summary can say whose report it is."""
    if generic.lead_name or generic.headline_only or not _names_no_one(generic):
        return False  # a flash without a summary may be the company's (`Wood Group … Options`)
    if not (named.lead_name and (named.rare_lead or named.entities.companies or named.listed)):
        return False
    return f" {named.lead_name.split()[0]} " not in generic.folded_text


def _other_names(new: StoryFeatures, old: StoryFeatures) -> bool:
    """Whether each headline is about someone, or a country, the other never names."""
    if (
        new.names
        and old.names
        and not (new.names & old.text_terms or old.names & new.text_terms)
        and not new.indicators & old.indicators
    ):
        return True
    if new.countries and old.countries and not new.countries & old.countries:
        return True
    return _other_entities(new, old)


# Kinds of company event whose headline opens with the party that acts (a buyer, a holder).
_PARTY_KINDS = frozenset({"deal", "insider", "holder-in", "holder-out", "halt", "resume"})


def _ruling_and_other(ruling: StoryFeatures, other: StoryFeatures) -> bool:
    """Whether `ruling` reports what a court did and `other` never mentions a court or a
    judge (`75,000 workers accept the buyout` beside `Judge lets the buyout proceed`)."""
    return (
        ruling.court
        and not other.court
        and " judge" not in other.folded_text
        and " court" not in other.folded_text
    )


def _intent_and_deed(intent: StoryFeatures, deed: StoryFeatures) -> bool:
    """Whether `intent` says an act is to come (`CATL plans to file …`) and `deed`'s headline
    tells it done (`CATL Files for Hong Kong Listing`), without saying it is to come."""
    if not intent.intents or intent.intents & deed.intents:
        return False
    words = set(deed.title_key.split())
    return any(words & done_forms(verb) for verb in intent.intents)


def _supply_and_demand(new: StoryFeatures, old: StoryFeatures) -> bool:
    """Whether one headline gives a market's supply (or output) and the other its demand
    (`IEA Cuts 2025 Oil-Supply Forecast` and `IEA Raises 2025 Oil-Demand Growth Estimate`):
    two indicators of one report. A company's results name demand as their cause."""
    return bool(
        new.measures
        and old.measures
        and not new.measures & old.measures
        and "results" not in new.kinds | old.kinds
    )


def _release_and_company(release: StoryFeatures, company: StoryFeatures) -> bool:
    """Whether `release` reports a country's economic release and `company` one company's
    own figure (`UK Retail Sales Top Forecasts` and `Aeon Co.'s Retail All-Store Sales
    Rise`): a company's sales are not the country's, whatever words they share (rule 2)."""
    return bool(
        release.entities.releases
        and (release.entities.places or release.countries)
        and not (release.entities.companies or release.lead_name)
        and company.lead_name
        and (company.rare_lead or company.entities.companies)
        and not (company.entities.releases or company.indicators)
        and not (company.entities.places or company.countries)
    )


def _other_lead_names(new: StoryFeatures, old: StoryFeatures, *, parties: bool = False) -> bool:
    """Whether the headlines open with two names and neither article writes the other's:
    two companies (`CT REIT` and `H&R REIT`), whatever their headlines share."""
    a, b = new.lead_name, old.lead_name
    if not (a and b) or f" {a} " in old.folded_text or f" {b} " in new.folded_text:
        return False
    if one_company_named(new, old):
        return False  # `CSCO Earnings` and `Cisco Systems Fiscal Q2 …`: a name and its symbol
    if (parties or (new.results and old.results)) and _two_companies(new, old):
        # Two results headlines each opening with a name the other never writes
        # (`Jordan Chemical Industries FY Profit` and `Jordan Commercial Bank FY Profit`).
        return True
    return a.split()[0] != b.split()[0] and (new.rare_lead or old.rare_lead)


def _other_openings(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether the headlines open with other words and neither article writes the other's
    first two: two declarers (`First Trust … Fund Declares`, `Advanced Energy declares`)."""
    left, right = a.title_key.split()[:2], b.title_key.split()[:2]
    return bool(
        left and right and left[0] != right[0] and not _writes(b, left) and not _writes(a, right)
    )


def _writes(features: StoryFeatures, words: list[str]) -> bool:
    """Whether an article writes the words, one after the other."""
    return f" {' '.join(words)} " in features.folded_text


def _two_companies(new: StoryFeatures, old: StoryFeatures) -> bool:
    """Whether two opening names are two companies: neither opens the other (`Coca-Cola`,
    `Coca-Cola Beats`) and no symbol or company of the knowledge base is common to both."""
    if _one_name(new.lead_name, old.lead_name):
        return False
    a, b = new.lead_name.split(), old.lead_name.split()
    if _writes(old, a[:2]) or _writes(new, b[:2]):
        return False  # `Nissan Motor 9 Mos EPS` and `Nissan Projects …` (`Nissan Motor`)
    if new.tickers & old.tickers or one_company_named(new, old):
        return False
    return not (new.entities.companies & mentioned_companies(old)) and not (
        old.entities.companies & mentioned_companies(new)
    )


def _other_entities(new: StoryFeatures, old: StoryFeatures) -> bool:
    """Whether the headlines name other companies, countries or releases of the knowledge
    base: both name some of a kind, none in common, and (companies, places) neither article
    mentions the other's (a copy of one event names its subject; `PPI` and `producer prices`
    are one release)."""
    a, b = new.entities, old.entities
    named, other_named = mentioned_companies(new), mentioned_companies(old)
    if a.releases and b.releases and not a.releases & b.releases:
        return True  # another indicator of the same day is another story (rule 2)
    if a.releases & b.releases and not (a.actors ^ b.actors) <= a.mentioned & b.mentioned:
        return True  # an official's, a central bank's view of the release is its own story
    for mine, theirs in ((a.companies, b.companies), (a.places, b.places)):
        if mine and theirs and not mine & theirs and not mine & other_named and not theirs & named:
            return True
    return False


def _other_symbols(new: StoryFeatures, old: StoryFeatures) -> bool:
    """Whether the two are about other companies: headline symbols, or tagged symbols, that
    have none in common."""
    tickers, others = new.headline_tickers, old.headline_tickers
    if tickers and others and not tickers & others:
        return True
    # Tags of a few symbols name the companies an item is about (a long list: a sector).
    few = _FEW_SYMBOLS
    return bool(
        new.tickers
        and old.tickers
        and len(new.tickers) <= few
        and len(old.tickers) <= few
        and not new.tickers & old.tickers
    )


def _quotes_other(quoting: StoryFeatures, other: StoryFeatures) -> bool:
    """Whether `quoting` attributes its headline to someone `other` never mentions, by name
    or by office (`EU President` and `European Commission chief` are one person)."""
    speaker = quoting.speaker
    return (
        speaker is not None
        and not speaker <= other.text_terms
        and not same_official(quoting, other)
    )


def _answer_of_other(answer: StoryFeatures, other: StoryFeatures) -> bool:
    """Whether `answer` tells a named party's answer (`Trump calls judge 'crazy'`) and
    `other` neither tells that party's answer nor names it in its headline: the event, or
    another party's answer. Two outlets' copies of one answer share the party, by name or
    by office (`EU President vows …`, `European Commission Chief Vows …`)."""
    party = answer.responder
    if not party or party & (other.responder | other.title_terms):
        return False
    return not (other.speaker is not None and one_speaker(answer, other))


def _reaction(mover: StoryFeatures, event: StoryFeatures) -> bool:
    """Whether `mover` is a price move of something else than `event` reports (rule 4): of a
    market that `event` does not report moving, or of a stock that `event` does not name."""
    subject = mover.move_subject
    if not subject:
        return False
    if mover.market_move:
        return not (event.move_subject and mover.market_move & event.move_subject)
    if _one_name(mover.lead_name, event.lead_name):
        return False  # `Molson Coors Beverage rises` on `Molson Coors … EPS`: its own stock
    return not subject <= event.text_terms | {ticker.lower() for ticker in event.tickers}


def _one_name(a: str, b: str) -> bool:
    """Whether two opening names are one (the shorter opens the longer)."""
    if not (a and b):
        return False
    left, right = a.split(), b.split()
    return left[: len(right)] == right or right[: len(left)] == left


_SAYS = (" says", " said")


def _other_remarks(new: StoryFeatures, old: StoryFeatures) -> bool:
    """Whether both headlines are executives' remarks (`Kering CEO: …`) whose claims share
    no word: two remarks of a call, each its own story (rule 3)."""
    return bool(new.remark and old.remark and not new.remark & old.remark)


def _other_claims(new: StoryFeatures, old: StoryFeatures) -> bool:
    """Whether both headlines end quoting one speaker and their claims share no word: two
    remarks of one person (`…, VP Bank CIO Says` twice), not one remark told twice."""
    if _other_remarks(new, old):
        return True
    if new.speaker is None or old.speaker is None or new.speaker != old.speaker:
        return False
    if not (new.title_key.endswith(_SAYS) and old.title_key.endswith(_SAYS)):
        return False  # `Aardvark: …` flash lines: one release's facts, not remarks
    speaker = new.speaker
    left = {term for term in new.title_terms - speaker if term[0] not in "#~$"}
    right = {term for term in old.title_terms - speaker if term[0] not in "#~$"}
    return bool(left and right and not left & right)


def _proposed_and_priced(new: StoryFeatures, old: StoryFeatures) -> bool:
    """Whether one headline launches an offering (or a placement of notes) and the other
    prices it, or closes it (rule 5)."""
    stages = (new.priced != old.priced) or (new.closed != old.closed)
    return stages and _financing(new) and _financing(old)


def _financing(features: StoryFeatures) -> bool:
    """Whether the headline is about an offering, a placement or notes."""
    return bool(_FINANCING_WORDS & set(features.title_key.split()))


_FINANCING_WORDS = frozenset({"offering", "placement", "placing", "notes"})
