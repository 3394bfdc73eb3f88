"""The backtest report as one self-contained HTML page: inline SVG charts drawn by
matplotlib, no script and nothing loaded from the network; every piece of text escaped."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.report.labels import Judged, LabelScore
from bot.report.stats import ArticleRef, Change, Figures, RuleFigures
from bot.report.stories import StoryRates
from bot.report.text import day_runs, shown_hits
from bot.wording import count

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Rules drawn in the rate chart; the table below it lists every one.
_CHARTED_RULES = 30
# Lists of articles up to this long show open; longer ones fold (no script needed).
_OPEN_LISTS = 10

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #1d232a; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccd; }
h3 { margin: 1.4em 0 .3em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #d5d9e0; padding: .25em .6em; vertical-align: top; text-align: left; }
th { background: #f2f4f7; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.chart svg { max-width: 100%; height: auto; }
.test { color: #8a5a00; } .gain { color: #17692f; } .loss { color: #a4161a; }
.muted { color: #667; } ul { margin: .2em 0 .6em; padding-left: 1.4em; }
code { background: #f2f4f7; padding: 0 .2em; }
"""


def render(
    figures: Figures,
    *,
    sources: Sequence[str],
    rules_dir: str,
    every: bool = False,
    changes: list[Change] | None = None,
    old: Figures | None = None,
    against: str = "",
    scored: LabelScore | None = None,
    stories: StoryRates | None = None,
) -> str:
    """The whole page; `stories`: alerts per day with one alert per story, as in the text."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Rule report: {escape(rules_dir)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Rule report: <code>{escape(rules_dir)}</code></h1>",
        _summary(figures, sources, stories),
    ]
    if scored is not None:
        parts.append(labels_section(scored))
    if changes is not None and old is not None:
        parts.append(_changes_section(figures, old, changes, against, rules_dir))
    parts += [
        "<h2>Alerts per day per topic</h2>",
        _chart(alerts_chart_svg(figures)),
        _topic_table(figures),
        "<h2>Rules, noisiest first</h2>",
        _chart(rules_chart_svg(figures)),
        _rules_table(figures),
    ]
    parts.append("<h2>Each rule</h2>")
    parts.extend(_rule_section(figures, rule, every) for rule in figures.noisiest_rules())
    if figures.corpus.unreadable:
        parts.append("<h2>Unreadable files</h2><ul>")
        parts.extend(
            f"<li><code>{escape(path)}</code>: {escape(error)}</li>"
            for path, error in figures.corpus.unreadable
        )
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _summary(figures: Figures, sources: Sequence[str], stories: StoryRates | None) -> str:
    days = figures.calendar
    corpus = figures.corpus
    items = [
        f"<li>Corpus: {', '.join(f'<code>{escape(source)}</code>' for source in sources)}: "
        f"{count(len(corpus.articles), 'article')}, {len(corpus.unreadable)} unreadable"
        + (f", {corpus.duplicates} duplicates skipped" if corpus.duplicates else "")
        + (f", {days.undated} without a date" if days.undated else "")
        + "</li>"
    ]
    if days.counted:
        items.append(
            f"<li>Rates are per day over the {count(len(days.counted), 'day')} holding articles "
            "(UTC): "
            f"{escape(day_runs(days.counted))}</li>"
        )
    else:
        items.append("<li>No article has a date: rates are over one day</li>")
    if days.sparse:
        sparse = ", ".join(f"{day} ({count})" for day, count in days.sparse.items())
        items.append(
            f"<li>Left out of rates, as too sparse (under 5% of the busiest day): "
            f"{escape(sparse)}</li>"
        )
    if days.peak:
        items.append(f"<li>Busiest day: {days.peak[0]} with {count(days.peak[1], 'article')}</li>")
    if stories is not None:
        items.append(f"<li>{escape(stories.sentence())}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _chart(svg: str) -> str:
    return f'<div class="chart">{svg}</div>'


def _topic_table(figures: Figures) -> str:
    rows = [
        "<table><tr><th>topic</th><th>alerts</th><th>alerts/day</th><th>peak day</th>"
        "<th>matched incl. test rules</th></tr>"
    ]
    for topic in sorted(figures.topics, key=lambda topic: -topic.alerts_per_day):
        peak = f"{topic.peak[0]} ({topic.peak[1]})" if topic.peak else "-"
        rows.append(
            f"<tr><td>{escape(topic.topic)} <span class=muted>{escape(topic.title)}</span></td>"
            f"<td class=n>{topic.alerts}</td><td class=n>{topic.alerts_per_day:.2f}</td>"
            f"<td>{peak}</td><td class=n>{topic.matched}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _rule_name(rule: RuleFigures) -> str:
    status = "" if rule.status == "active" else f" <span class=test>[{escape(rule.status)}]</span>"
    return f"{escape(rule.topic)}/{escape(rule.rule)}{status}"


def _anchor(rule: RuleFigures) -> str:
    return escape(f"rule-{rule.topic}-{rule.rule}".replace(" ", "_"))


def _rules_table(figures: Figures) -> str:
    rows = [
        "<table><tr><th>rule</th><th>priority</th><th>count</th><th>per day</th>"
        "<th>share of articles</th><th>alone caught</th><th>terms that fired most</th></tr>"
    ]
    for rule in figures.noisiest_rules():
        rows.append(
            f'<tr><td><a href="#{_anchor(rule)}">{_rule_name(rule)}</a></td>'
            f"<td>{escape(rule.priority)}</td><td class=n>{rule.matched}</td>"
            f"<td class=n>{rule.per_day:.2f}</td><td class=n>{rule.share:.2%}</td>"
            f"<td class=n>{len(rule.alone)}</td><td>{_terms(rule)}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _terms(rule: RuleFigures) -> str:
    return ", ".join(f"<code>{escape(term)}</code> {count}" for term, count in rule.top_terms)


def _link(ref: ArticleRef) -> str:
    title = escape(ref.title or "(no title)")
    day = f" <span class=muted>{ref.day}</span>" if ref.day else ""
    if ref.link and urlsplit(ref.link).scheme.lower() in ("http", "https"):
        return f'<a href="{escape(ref.link)}" rel="noopener noreferrer">{title}</a>{day}'
    return f"{title} <code>{escape(ref.path)}</code>{day}"


def _rule_section(figures: Figures, rule: RuleFigures, every: bool) -> str:
    articles = figures.corpus.articles
    peak = f"{rule.peak[0]} ({rule.peak[1]})" if rule.peak else "-"
    examples = "".join(
        f"<li>{_link(articles[hit.article])} <span class=muted>terms: "
        f"{escape(', '.join(hit.terms))}</span></li>"
        for hit in shown_hits(rule, every)
    )
    alone = "".join(f"<li>{_link(articles[index])}</li>" for index in rule.alone)
    if alone:
        shown = " open" if len(rule.alone) <= _OPEN_LISTS else ""
        alone = f"<details{shown}><summary>list</summary><ul>{alone}</ul></details>"
    return (
        f'<h3 id="{_anchor(rule)}">{_rule_name(rule)}</h3>'
        "<table>"
        f"<tr><th>priority</th><td>{escape(rule.priority)}</td></tr>"
        f"<tr><th>count</th><td>{rule.matched}</td></tr>"
        f"<tr><th>rate per day</th><td>{rule.per_day:.2f}</td></tr>"
        f"<tr><th>share of all articles</th><td>{rule.share:.2%}</td></tr>"
        f"<tr><th>peak day</th><td>{peak}</td></tr>"
        f"<tr><th>terms that fired most</th><td>{_terms(rule) or '-'}</td></tr>"
        f"<tr><th>{'matches' if every else 'examples'}</th>"
        f"<td><ul>{examples}</ul></td></tr>"
        f"<tr><th>caught by this rule alone ({len(rule.alone)})</th>"
        f"<td>{alone or 'none: other active rules catch them all'}"
        "</td></tr></table>"
    )


def _changes_section(
    figures: Figures, old: Figures, changes: list[Change], against: str, rules_dir: str
) -> str:
    articles = figures.corpus.articles
    parts = [
        f"<h2>Against <code>{escape(against)}</code></h2>",
        "<p>Both rule sets matched the same articles; alerts per day per topic, before and "
        "after:</p>",
        _chart(comparison_chart_svg(old, figures, old_label=against, new_label=rules_dir)),
        f'<p class="muted">Grey bars: the old rules, <code>{escape(against)}</code>; blue '
        f"bars: the new rules, <code>{escape(rules_dir)}</code>.</p>",
    ]
    if not changes:
        parts.append("<p>No topic or rule matches differently.</p>")
        return "".join(parts)
    parts.append(
        "<table><tr><th>topic / rule</th><th>status</th><th>gained</th><th>lost</th>"
        "<th>per day before</th><th>per day after</th><th>change</th></tr>"
    )
    for change in changes:
        name = (
            f"{escape(change.topic)} alerts"
            if change.rule is None
            else f"{escape(change.topic)}/{escape(change.rule)}"
        )
        was, now = (escape(status or "absent") for status in (change.old_status, change.new_status))
        status = f"{was} → {now}" if was != now else ("" if change.rule is None else now)
        parts.append(
            f"<tr><td>{name}</td><td>{status}</td>"
            f"<td class='n gain'>+{len(change.gained)}</td>"
            f"<td class='n loss'>-{len(change.lost)}</td>"
            f"<td class=n>{change.old_per_day:.2f}</td><td class=n>{change.new_per_day:.2f}</td>"
            f"<td class=n>{change.per_day_change:+.2f}</td></tr>"
        )
    parts.append("</table>")
    for change in changes:
        if not (change.gained or change.lost):
            continue
        name = (
            f"{escape(change.topic)} alerts"
            if change.rule is None
            else f"{escape(change.topic)}/{escape(change.rule)}"
        )
        parts.append(f"<h3>Articles {name} gained and lost</h3>")
        for label, css, indices in (
            ("gained", "gain", change.gained),
            ("lost", "loss", change.lost),
        ):
            if indices:
                items = "".join(f"<li>{_link(articles[index])}</li>" for index in indices)
                parts.append(
                    f"<details{' open' if len(indices) <= _OPEN_LISTS else ''}>"
                    f"<summary class={css}>{label} ({len(indices)})</summary>"
                    f"<ul>{items}</ul></details>"
                )
    return "".join(parts)


def _svg(figure: Figure, name: str) -> str:
    """The figure as an inline <svg> element (no XML prologue, ids unique per chart)."""
    from matplotlib import rc_context

    buffer = io.StringIO()
    with rc_context({"svg.hashsalt": name, "svg.fonttype": "path"}):
        figure.savefig(
            buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
        )
    text = buffer.getvalue()
    # The RDF metadata block names vocabularies by URL; a page that loads nothing needs none.
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    return text[text.index("<svg") :]


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _labels(days: Sequence[date]) -> list[str]:
    return [f"{day:%a %m-%d}" for day in days]


def alerts_chart_svg(figures: Figures) -> str:
    """Alerts per day (days counted for rates) per topic, one line per topic."""
    from matplotlib import rc_context

    days = list(figures.calendar.counted)
    with rc_context({"text.parse_math": False}):
        figure = _figure(11, 4.2)
        axes = figure.subplots()
        colors = _palette(len(figures.topics))
        positions = range(len(days))
        for color, topic in zip(colors, figures.topics, strict=True):
            counts = [topic.alert_days.get(day, 0) for day in days]
            axes.plot(positions, counts, marker="o", color=color, label=topic.topic)
        axes.set_xticks(list(positions), _labels(days), rotation=30, ha="right")
        axes.set_ylabel("alerts (active rules)")
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        if figures.topics:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        if not days:
            axes.text(0.5, 0.5, "no dated articles", ha="center", transform=axes.transAxes)
        return _svg(figure, "alerts")


def rules_chart_svg(figures: Figures) -> str:
    """Matches per day of the noisiest rules, one bar each, coloured by topic."""
    from matplotlib import rc_context
    from matplotlib.patches import Patch

    rules = figures.noisiest_rules()[:_CHARTED_RULES]
    topics = [topic.topic for topic in figures.topics]
    colors = dict(zip(topics, _palette(len(topics)), strict=True))
    with rc_context({"text.parse_math": False}):
        figure = _figure(11, max(2.0, 0.28 * len(rules) + 1))
        axes = figure.subplots()
        rows = list(range(len(rules)))[::-1]
        axes.barh(
            rows,
            [rule.per_day for rule in rules],
            color=[colors[rule.topic] for rule in rules],
            hatch=["//" if rule.status != "active" else "" for rule in rules],
            edgecolor="white",
        )
        axes.set_yticks(
            rows,
            [
                f"{rule.topic}/{rule.rule}" + ("" if rule.status == "active" else " (test)")
                for rule in rules
            ],
        )
        axes.set_xlabel("matches per day")
        axes.grid(axis="x", alpha=0.3)
        present = [topic for topic in topics if any(rule.topic == topic for rule in rules)]
        if present:
            axes.legend(
                handles=[Patch(color=colors[topic], label=topic) for topic in present],
                loc="lower right",
                frameon=False,
            )
        return _svg(figure, "rules")


def comparison_chart_svg(
    old: Figures, new: Figures, *, old_label: str = "", new_label: str = ""
) -> str:
    """Alerts per day per topic with the old rules and the new, side by side.

    The legend names each rule set's folder when given: `old rules (old-rules/)`.
    """
    from matplotlib import rc_context

    before = {topic.topic: topic.alerts_per_day for topic in old.topics}
    after = {topic.topic: topic.alerts_per_day for topic in new.topics}
    topics = sorted(set(before) | set(after))
    with rc_context({"text.parse_math": False}):
        figure = _figure(11, max(2.0, 0.5 * len(topics) + 1))
        axes = figure.subplots()
        rows = [float(row) for row in range(len(topics))][::-1]
        height = 0.4
        axes.barh(
            [row + height / 2 for row in rows],
            [before.get(topic, 0.0) for topic in topics],
            height=height,
            color="#9aa5b1",
            label=f"old rules ({old_label})" if old_label else "old rules",
        )
        axes.barh(
            [row - height / 2 for row in rows],
            [after.get(topic, 0.0) for topic in topics],
            height=height,
            color="#1f77b4",
            label=f"new rules ({new_label})" if new_label else "new rules",
        )
        axes.set_yticks(rows, topics)
        axes.set_xlabel("alerts per day")
        axes.grid(axis="x", alpha=0.3)
        axes.legend(loc="lower right", frameon=False)
        return _svg(figure, "comparison")


def _palette(count: int) -> list[tuple[float, float, float, float]]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if count <= 10 else "tab20"]
    return [cmap(index % cmap.N) for index in range(count)]


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def labels_section(scored: LabelScore) -> str:
    """Precision and recall against hand labels: a table per topic, then the misses and the
    false alerts, heaviest first."""
    parts = [
        "<h2>Against the labels</h2>",
        f"<p><strong>labels: precision {scored.precision:.3f} recall {scored.recall:.3f}</strong>"
        f" (weighted, {scored.labelled} labelled articles, {scored.relevant} relevant)</p>",
        "<ul>",
        f"<li>Relevant articles no topic covers: {scored.uncovered:.1%}"
        + (
            " ("
            + escape(", ".join(f"{name} {count}" for name, count in scored.uncovered_topics))
            + ")"
            if scored.uncovered_topics
            else ""
        )
        + "</li>",
        f"<li>Alerts that are high or critical: {scored.urgent_share:.1%}; relevant flash/high "
        "articles that get one: "
        + ("-" if scored.urgent_reached is None else f"{scored.urgent_reached:.1%}")
        + "</li>",
    ]
    if scored.not_found:
        parts.append(
            f"<li>{len(scored.not_found)} labelled articles are not in the corpus and were "
            "left out</li>"
        )
    parts.append("</ul>")
    parts.append(
        "<table><tr><th>topic</th><th>answers for</th><th>precision</th><th>recall</th>"
        "<th>labelled articles alerted</th><th>relevant labelled in its topics</th></tr>"
    )
    for topic in scored.topics:
        parts.append(
            f"<tr><td>{escape(topic.topic)} <span class=muted>{escape(topic.title)}</span></td>"
            f"<td>{escape(', '.join(topic.labels))}</td>"
            f"<td class=n>{_score(topic.precision)}</td><td class=n>{_score(topic.recall)}</td>"
            f"<td class=n>{topic.alerted}</td><td class=n>{topic.labelled}</td></tr>"
        )
    parts.append("</table>")
    for heading, items in (("Missed", scored.misses), ("False alerts", scored.false_alerts)):
        rows = "".join(_judged_item(item) for item in items)
        shown = " open" if len(items) <= _OPEN_LISTS else ""
        parts.append(
            f"<h3>{heading} ({len(items)}), heaviest first</h3>"
            + (f"<details{shown}><summary>list</summary><ul>{rows}</ul></details>" if rows else "")
        )
    return "".join(parts)


def _judged_item(item: Judged) -> str:
    if item.label.relevant:
        detail = f"labelled {', '.join(item.label.topics) or '-'} {item.label.urgency}"
    else:
        detail = f"{', '.join(item.topics)}: {', '.join(item.terms)}"
    return (
        f"<li>{_link(item.article)} <span class=muted>weight {item.label.weight:g}; "
        f"{escape(detail)}</span></li>"
    )
