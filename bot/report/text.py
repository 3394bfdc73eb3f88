"""The backtest figures as plain text for a terminal and as one JSON-ready object."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from bot.report.labels import Judged, LabelScore
from bot.report.stats import EXAMPLES, ArticleRef, Change, Figures, Hit, RuleFigures
from bot.wording import count

# Without --all, a diff entry lists this many gained and lost articles.
_LISTED_CHANGES = 20


def day_runs(days: Iterable[date]) -> str:
    """Days as runs of consecutive days: `2025-02-08 to 2025-02-14, 2025-03-01`."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs)


def _peak(found: tuple[date, int] | None) -> dict[str, object] | None:
    return {"day": str(found[0]), "count": found[1]} if found else None


def _by_day(per_day: Mapping[date, int]) -> dict[str, int]:
    return {str(day): count for day, count in per_day.items()}


def _article(ref: ArticleRef) -> dict[str, object]:
    return {"title": ref.title, "link": ref.link, "path": ref.path, "day": _day(ref.day)}


def _day(day: date | None) -> str | None:
    return str(day) if day else None


def shown_hits(rule: RuleFigures, every: bool) -> list[Hit]:
    """The rule's examples: every match with --all, else the first few."""
    return rule.hits if every else rule.hits[:EXAMPLES]


def to_json(
    figures: Figures, *, every: bool = False, changes: list[Change] | None = None
) -> dict[str, object]:
    """Every figure of the backtest as one JSON-ready object."""
    days = figures.calendar
    articles = figures.corpus.articles
    data: dict[str, object] = {
        "articles": len(articles),
        "errors": len(figures.corpus.unreadable),
        "duplicates": figures.corpus.duplicates,
        "undated": days.undated,
        "first": _day(min(days.counts, default=None)),
        "last": _day(max(days.counts, default=None)),
        "days": len(days.counted),
        "rate_days": [str(day) for day in days.counted],
        "sparse_days": _by_day(days.sparse),
        "by_day": _by_day(days.counts),
        "peak_day": _peak(days.peak),
        "topics": [
            {
                "topic": topic.topic,
                "title": topic.title,
                "matched": topic.matched,
                "per_day": round(topic.per_day, 2),
                "alerting": topic.alerts,
                "alerting_per_day": round(topic.alerts_per_day, 2),
                "alerts_by_day": _by_day(topic.alert_days),
                "peak_day": _peak(topic.peak),
                "rules": [_rule_json(figures, rule, every) for rule in topic.rules],
            }
            for topic in figures.topics
        ],
        "unreadable": [{"path": path, "error": error} for path, error in figures.corpus.unreadable],
    }
    if changes is not None:
        data["changes"] = [
            {
                "topic": change.topic,
                "rule": change.rule,
                "old_status": change.old_status,
                "new_status": change.new_status,
                "gained": [_article(articles[index]) for index in change.gained],
                "lost": [_article(articles[index]) for index in change.lost],
                "old_per_day": round(change.old_per_day, 2),
                "new_per_day": round(change.new_per_day, 2),
                "per_day_change": round(change.per_day_change, 2),
            }
            for change in changes
        ]
    return data


def _rule_json(figures: Figures, rule: RuleFigures, every: bool) -> dict[str, object]:
    articles = figures.corpus.articles
    return {
        "rule": rule.rule,
        "priority": rule.priority,
        "status": rule.status,
        "matched": rule.matched,
        "per_day": round(rule.per_day, 2),
        "share": round(rule.share, 4),
        "by_day": _by_day(rule.days),
        "peak_day": _peak(rule.peak),
        "top_terms": [{"term": term, "count": count} for term, count in rule.top_terms],
        "examples": [
            {**_article(articles[hit.article]), "terms": list(hit.terms)}
            for hit in shown_hits(rule, every)
        ],
        "alone": [_article(articles[index]) for index in rule.alone],
    }


def _where(ref: ArticleRef) -> str:
    return ref.link or ref.path


def _count_days(per_day: Mapping[date, int]) -> str:
    return ", ".join(f"{day:%m-%d} {count}" for day, count in per_day.items())


def render(
    figures: Figures,
    *,
    every: bool = False,
    changes: list[Change] | None = None,
    against: str = "",
) -> str:
    """The report for a terminal: corpus and days, then per topic and rule, then the diff."""
    days = figures.calendar
    corpus = figures.corpus
    lines = []
    skipped = f", {corpus.duplicates} duplicates skipped" if corpus.duplicates else ""
    undated = f", {days.undated} without a date" if days.undated else ""
    lines.append(
        f"{count(len(corpus.articles), 'article')} "
        f"({len(corpus.unreadable)} unreadable{skipped}{undated})"
    )
    if days.counted:
        lines.append(
            f"Rates over {count(len(days.counted), 'day')} holding articles (UTC): "
            f"{day_runs(days.counted)}"
        )
    elif corpus.articles:
        lines.append("No article has a date: rates are over one day")
    sparse = days.sparse
    if sparse:
        listed = ", ".join(f"{day} ({count})" for day, count in list(sparse.items())[:8])
        more = f", and {len(sparse) - 8} more" if len(sparse) > 8 else ""
        lines.append(
            f"Left out of rates: {len(sparse)} sparse days holding "
            f"{count(sum(sparse.values()), 'article')}: {listed}{more}"
        )
    if days.peak:
        kept = {day: days.counts[day] for day in days.counted}
        lines.append(f"Articles per day: {_count_days(kept)}; peak {days.peak[0]} ({days.peak[1]})")
    for topic in figures.topics:
        line = f"\n{topic.topic} ({topic.title}): {count(topic.matched, 'article')}, "
        line += f"{round(topic.per_day, 2)}/day"
        if topic.alerts != topic.matched:
            line += (
                f"; {topic.alerts} ({round(topic.alerts_per_day, 2)}/day) from active rules, "
                "the rest only from test rules"
            )
        lines.append(line)
        if topic.peak:
            counted = {day: topic.alert_days.get(day, 0) for day in days.counted}
            lines.append(
                f"  alerts by day: {_count_days(counted)}; peak {topic.peak[0]} ({topic.peak[1]})"
            )
        for rule in topic.rules:
            lines.extend(_rule_lines(figures, rule, every))
    if changes is not None:
        lines.extend(_change_lines(figures, changes, against, every))
    if corpus.unreadable:
        lines.append("\nUnreadable:")
        lines.extend(f"  {path}: {error}" for path, error in corpus.unreadable)
    return "\n".join(lines)


def _rule_lines(figures: Figures, rule: RuleFigures, every: bool) -> list[str]:
    status = "" if rule.status == "active" else f" [{rule.status}]"
    line = (
        f"  {rule.rule}{status} ({rule.priority}): {count(rule.matched, 'article')}, "
        f"{round(rule.per_day, 2)}/day, {rule.share:.2%} of articles"
    )
    if rule.peak:
        line += f", peak {rule.peak[0]} ({rule.peak[1]})"
    if rule.matched:
        line += f"; alone caught {len(rule.alone)}"
    lines = [line]
    if rule.top_terms:
        terms = ", ".join(f"{term} {count}" for term, count in rule.top_terms)
        lines.append(f"    terms: {terms}")
    for hit in shown_hits(rule, every):
        ref = figures.corpus.articles[hit.article]
        lines.append(f"    - {ref.title}  {_where(ref)}  [{', '.join(hit.terms)}]")
    return lines


def _change_lines(figures: Figures, changes: list[Change], against: str, every: bool) -> list[str]:
    same = count(len(figures.corpus.articles), "article")
    lines = [f"\nAgainst {against} (same {same}):"]
    if not changes:
        lines.append("  no topic or rule matches differently")
    for change in changes:
        if change.rule is None:
            name = f"{change.topic} alerts"
        else:
            name = f"  {change.topic}/{change.rule}"
        status = ""
        if change.old_status != change.new_status:
            status = f" [{change.old_status or 'absent'} -> {change.new_status or 'absent'}]"
        lines.append(
            f"  {name}{status}: +{len(change.gained)} -{len(change.lost)}, "
            f"{round(change.old_per_day, 2)}/day -> {round(change.new_per_day, 2)}/day "
            f"({change.per_day_change:+.2f})"
        )
        indent = "      " if change.rule is not None else "    "
        for sign, indices in (("+", change.gained), ("-", change.lost)):
            shown = indices if every else indices[:_LISTED_CHANGES]
            for index in shown:
                ref = figures.corpus.articles[index]
                lines.append(f"{indent}{sign} {ref.title}  {_where(ref)}")
            if len(shown) < len(indices):
                lines.append(
                    f"{indent}  ... and {len(indices) - len(shown)} more (--all lists them)"
                )
    return lines


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _judged_json(item: Judged) -> dict[str, object]:
    return {
        **_article(item.article),
        "weight": item.label.weight,
        "labelled_topics": list(item.label.topics),
        "urgency": item.label.urgency,
        "alerted_topics": list(item.topics),
        "terms": list(item.terms),
    }


def labels_json(found: LabelScore) -> dict[str, object]:
    """The labels section of `--json`: every figure, every miss and false alert."""
    return {
        "labelled": found.labelled,
        "not_found": [label.path for label in found.not_found],
        "relevant": found.relevant,
        "precision": round(found.precision, 4),
        "recall": round(found.recall, 4),
        "topics": [
            {
                "topic": topic.topic,
                "title": topic.title,
                "labels": list(topic.labels),
                "precision": None if topic.precision is None else round(topic.precision, 4),
                "recall": None if topic.recall is None else round(topic.recall, 4),
                "alerted": topic.alerted,
                "labelled": topic.labelled,
            }
            for topic in found.topics
        ],
        "uncovered": round(found.uncovered, 4),
        "uncovered_topics": dict(found.uncovered_topics),
        "urgent_share": round(found.urgent_share, 4),
        "urgent_reached": None if found.urgent_reached is None else round(found.urgent_reached, 4),
        "misses": [_judged_json(item) for item in found.misses],
        "false_alerts": [_judged_json(item) for item in found.false_alerts],
    }


def labels_lines(found: LabelScore, *, every: bool = False) -> list[str]:
    """The labels section for a terminal: the headline figures first, then per topic, what no
    topic covers, priorities, and the heaviest misses and false alerts."""
    lines = [
        f"labels: precision {found.precision:.3f} recall {found.recall:.3f} "
        f"(weighted, {found.labelled} labelled articles)"
    ]
    if found.not_found:
        named = ", ".join(label.path for label in found.not_found[:3])
        lines.append(
            f"  {len(found.not_found)} labelled articles are not in the corpus and were left "
            f"out (e.g. {named}): score the whole corpus the labels were drawn from"
        )
    lines.append(f"  relevant: {found.relevant} of {found.labelled}")
    for topic in found.topics:
        answers = "" if topic.labels == (topic.topic,) else f" [{', '.join(topic.labels)}]"
        lines.append(
            f"  topic {topic.topic}{answers}: precision {_figure(topic.precision)} "
            f"recall {_figure(topic.recall)} (alerted {topic.alerted}, "
            f"labelled relevant {topic.labelled})"
        )
    which = ", ".join(f"{name} {count}" for name, count in found.uncovered_topics)
    which = f" ({which})" if which else ""
    lines.append(f"  relevant articles no topic covers: {found.uncovered:.1%}{which}")
    lines.append(
        f"  alerts that are high or critical: {found.urgent_share:.1%}; relevant flash/high "
        f"articles that get one: "
        + ("-" if found.urgent_reached is None else f"{found.urgent_reached:.1%}")
    )
    for heading, items in (("missed", found.misses), ("false alerts", found.false_alerts)):
        lines.append(f"  {heading} ({len(items)}), heaviest first:")
        shown = items if every else items[:_LISTED_CHANGES]
        for item in shown:
            detail = (
                f"labelled {', '.join(item.label.topics) or '-'} {item.label.urgency}".rstrip()
                if item.label.relevant
                else f"{', '.join(item.topics)}: [{', '.join(item.terms)}]"
            )
            lines.append(
                f"    - {item.article.title}  {_where(item.article)}  "
                f"(weight {item.label.weight:g}; {detail})"
            )
        if len(shown) < len(items):
            lines.append(f"      ... and {len(items) - len(shown)} more (--all lists them)")
    return lines
