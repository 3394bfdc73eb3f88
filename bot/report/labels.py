"""How well a rule book's alerts agree with hand labels: weighted precision and recall overall
and per topic, what no topic covers, the misses and false alerts, and what priorities mean."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.ledger_values import Priority
from bot.report.stats import ArticleRef, BookMatches, Corpus

# Priorities that say "read this now" in an alert.
URGENT_PRIORITIES = frozenset({Priority.HIGH, Priority.CRITICAL})
# Labelled urgencies that deserve one of them.
URGENT_LABELS = frozenset({"flash", "high"})


@dataclass(frozen=True, slots=True)
class Label:
    """One labelled article: is it worth an alert, under which guideline topics, how urgent."""

    path: str  # relative to the corpus folder, as the labels file writes it
    weight: float  # how many articles of the corpus it stands for (1 without strata)
    relevant: bool
    topics: tuple[str, ...]
    urgency: str


@dataclass(frozen=True, slots=True)
class Judged:
    """A labelled article found in the corpus, with what the rules did with it."""

    label: Label
    article: ArticleRef
    topics: tuple[str, ...]  # the topics whose active rules alerted on it
    terms: tuple[str, ...]  # the terms that matched, over every alerting rule
    urgent: bool  # one of the alerting rules is high or critical


@dataclass(frozen=True, slots=True)
class TopicScore:
    """One topic against the labels; precision or recall is None when there is nothing to
    divide by (the topic never alerted on a labelled article, or no article is labelled in
    it)."""

    topic: str
    title: str
    labels: tuple[str, ...]
    precision: float | None
    recall: float | None
    alerted: int  # labelled articles it alerted on
    labelled: int  # relevant articles labelled in one of its label topics


@dataclass(frozen=True)
class LabelScore:
    """Every figure of `backtest --labels`."""

    labelled: int  # labelled articles found in the corpus
    not_found: tuple[Label, ...]  # labelled articles that are not in the corpus
    relevant: int
    precision: float
    recall: float
    topics: tuple[TopicScore, ...]
    uncovered: float  # weighted share of relevant articles no alerting topic covers
    uncovered_topics: tuple[tuple[str, int], ...]  # their labelled topics, most frequent first
    misses: tuple[Judged, ...]  # relevant, no alert; heaviest first
    false_alerts: tuple[Judged, ...]  # alerted, not relevant; heaviest first
    urgent_share: float  # weighted share of alerts that are high or critical
    urgent_reached: float | None  # weighted share of relevant flash/high articles alerted so


def find_labelled(labels: Sequence[Label], corpus: Corpus) -> dict[int, Label]:
    """Which corpus article each label names: the article whose path ends with the label's
    path (whole path segments), or the first copy of it when the corpus skipped a duplicate."""
    wanted = {label.path.strip("/"): label for label in labels}
    found: dict[int, Label] = {}
    paths = [(ref.path, ref.index) for ref in corpus.articles]
    paths += list(corpus.copies.items())
    for path, index in paths:
        parts = path.replace("\\", "/").split("/")
        for start in range(len(parts)):
            label = wanted.get("/".join(parts[start:]))
            if label is not None:
                found.setdefault(index, label)
                break
    return found


def score(
    labels: Sequence[Label],
    corpus: Corpus,
    matches: BookMatches,
    topic_labels: Mapping[str, Sequence[str]],
) -> LabelScore:
    """Score the book's alerts (active rules only) against the labels; `topic_labels` names
    the labelled topics each topic answers for (missing: its own id)."""
    located = find_labelled(labels, corpus)
    seen = {id(label) for label in located.values()}
    not_found = tuple(label for label in labels if id(label) not in seen)
    alerting = _alerting(matches)
    judged = [
        _judge(label, corpus.articles[index], alerting.get(index, {}), matches)
        for index, label in sorted(located.items())
    ]
    alerted = [item for item in judged if item.topics]
    relevant = [item for item in judged if item.label.relevant]
    hits = [item for item in alerted if item.label.relevant]
    wanted = {topic: tuple(topic_labels.get(topic) or (topic,)) for topic in matches.topics}
    topics = tuple(_topic(topic, matches.topics[topic], wanted[topic], judged) for topic in wanted)
    covered = {name for topic, names in wanted.items() if matches.alerts(topic) for name in names}
    uncovered = [item for item in relevant if not set(item.label.topics) & covered]
    counts: dict[str, int] = {}
    for item in uncovered:
        for name in item.label.topics:
            counts[name] = counts.get(name, 0) + 1
    urgent_labelled = [item for item in relevant if item.label.urgency in URGENT_LABELS]
    return LabelScore(
        labelled=len(judged),
        not_found=not_found,
        relevant=len(relevant),
        precision=_share(hits, alerted) or 0.0,
        recall=_share(hits, relevant) or 0.0,
        topics=topics,
        uncovered=_share(uncovered, relevant) or 0.0,
        uncovered_topics=tuple(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))),
        misses=_heaviest(item for item in relevant if not item.topics),
        false_alerts=_heaviest(item for item in alerted if not item.label.relevant),
        urgent_share=_share([item for item in alerted if item.urgent], alerted) or 0.0,
        urgent_reached=_share([item for item in urgent_labelled if item.urgent], urgent_labelled),
    )


def _alerting(matches: BookMatches) -> dict[int, dict[tuple[str, str], tuple[str, ...]]]:
    """Per article, its active rules that matched and their terms."""
    found: dict[int, dict[tuple[str, str], tuple[str, ...]]] = {}
    for key, hits in matches.hits.items():
        if matches.rules[key].status != "active":
            continue
        for hit in hits:
            found.setdefault(hit.article, {})[key] = hit.terms
    return found


def _judge(
    label: Label,
    article: ArticleRef,
    rules: Mapping[tuple[str, str], tuple[str, ...]],
    matches: BookMatches,
) -> Judged:
    terms = tuple(dict.fromkeys(term for key in sorted(rules) for term in rules[key]))
    return Judged(
        label=label,
        article=article,
        topics=tuple(sorted({topic for topic, _ in rules})),
        terms=terms,
        urgent=any(matches.rules[key].priority in URGENT_PRIORITIES for key in rules),
    )


def _topic(topic: str, title: str, names: tuple[str, ...], judged: list[Judged]) -> TopicScore:
    alerted = [item for item in judged if topic in item.topics]
    labelled = [
        item for item in judged if item.label.relevant and set(item.label.topics) & set(names)
    ]
    in_topic = {item.article.index for item in labelled}
    right = [item for item in alerted if item.article.index in in_topic]
    return TopicScore(
        topic=topic,
        title=title,
        labels=names,
        precision=_share(right, alerted),
        recall=_share(right, labelled),
        alerted=len(alerted),
        labelled=len(labelled),
    )


def _weight(items: Sequence[Judged]) -> float:
    return sum(item.label.weight for item in items)


def _share(part: Sequence[Judged], whole: Sequence[Judged]) -> float | None:
    total = _weight(whole)
    return _weight(part) / total if total else None


def _heaviest(items: Iterable[Judged]) -> tuple[Judged, ...]:
    return tuple(sorted(items, key=lambda item: (-item.label.weight, item.article.index)))
