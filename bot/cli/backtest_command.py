"""`newsbot backtest DIR [--rules DIR] [--against OLD_DIR] [--labels FILE] [--all] [--json]
[--html FILE]`: match a corpus; per day, per topic and rule counts, rates and examples; a
before/after diff; precision and recall against hand labels."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from bot.cli.corpus_reading import Item, default_jobs, read_items
from bot.cli.guarded_output import unguarded
from bot.cli.match_command import add_jobs_argument
from bot.config import Settings
from bot.errors import NewsbotError
from bot.knowledge.rule_sets import rule_knowledge
from bot.report import labels, stats
from bot.report.stories import StoryRates, StoryTap
from bot.rules import RuleBook, load_rulebook


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The backtest command's flags (each overrides its setting)."""
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="DIR", help="corpus folders or files"
    )
    parser.add_argument("--rules", dest="rules_dir", type=Path, default=None, help="rules folder")
    parser.add_argument("--json", action="store_true", help="one JSON object with every figure")
    parser.add_argument(
        "--all", dest="every", action="store_true", help="list every match, not only examples"
    )
    parser.add_argument(
        "--html", type=Path, default=None, metavar="FILE", help="also write a report page"
    )
    parser.add_argument(
        "--feedback",
        action="store_true",
        help="also list the rules subscribers mute most (NEWSBOT_DATABASE_URL)",
    )
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="OLD_DIR",
        help="compare with another rules folder on the same articles",
    )
    parser.add_argument(
        "--labels",
        type=Path,
        default=None,
        metavar="FILE",
        help="score the alerts against a labels file (TSV: path, relevant, topics, ...)",
    )
    add_jobs_argument(parser)


class LabelsError(NewsbotError, ValueError):
    """A labels file that cannot be read, with the line at fault."""


def read_labels(path: Path) -> list[labels.Label]:
    """The rows of a labels TSV: a header naming at least `path` and `relevant`; `weight`
    (default 1), `topics` (comma-separated) and `urgency` are optional."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise LabelsError(f"{path}: cannot read: {reason}") from None
    lines = text.splitlines()
    if not lines:
        raise LabelsError(f"{path}: empty; expected a header line such as `path<TAB>relevant`")
    head = lines[0].split("\t")
    absent = [name for name in ("path", "relevant") if name not in head]
    if absent:
        raise LabelsError(f"{path}:1: the header has no column {' or '.join(absent)}")
    found: list[labels.Label] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        values = line.split("\t")
        row = dict(zip(head, values + [""] * (len(head) - len(values)), strict=False))
        try:
            weight = float(row["weight"]) if row.get("weight", "").strip() else 1.0
        except ValueError:
            weight_text = row["weight"]
            raise LabelsError(f"{path}:{number}: weight {weight_text!r} is not a number") from None
        if row["relevant"].strip() not in ("0", "1"):
            relevant = row["relevant"]
            raise LabelsError(f"{path}:{number}: relevant must be 0 or 1, not {relevant!r}")
        if not row["path"].strip():
            raise LabelsError(f"{path}:{number}: no path")
        found.append(
            labels.Label(
                path=row["path"].strip(),
                weight=weight,
                relevant=row["relevant"].strip() == "1",
                topics=tuple(t.strip() for t in row.get("topics", "").split(",") if t.strip()),
                urgency=row.get("urgency", "").strip(),
            )
        )
    return found


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Match the corpus and report; 2 for a path that does not exist, 1 for rule problems."""

    missing = [
        f"newsbot: {path}: no such file or folder" for path in args.paths if not path.exists()
    ]
    for label, folder in (("rules", settings.rules_dir), ("--against rules", args.against)):
        if folder is not None and not folder.is_dir():
            missing.append(f"newsbot: {label} folder {folder} not found")
    if missing:
        print("\n".join(missing), file=sys.stderr)
        return 2
    labelled: list[labels.Label] | None = None
    if args.labels is not None:
        try:
            labelled = read_labels(args.labels)
        except LabelsError as error:
            print(f"newsbot: {error}", file=sys.stderr)
            return 2
    book, problems = _load(settings.rules_dir)
    books = [book]
    if args.against is not None:
        old_book, old_problems = _load(args.against)
        books.append(old_book)
        problems += old_problems
    found: Iterable[Item] = read_items(
        args.paths, timezone=settings.seeds_timezone, jobs=args.jobs or default_jobs()
    )
    terminal = _terminal() if not args.json else None
    if terminal is not None:
        found = _with_progress(found, terminal)
    items = ((item.path, item.article, item.error) for item in found)
    tap = StoryTap() if settings.stories else None
    corpus, matches = stats.collect(tap.tap(items) if tap else items, books)
    days = stats.calendar(corpus)
    figures = stats.figures(corpus, days, matches[0])
    story_rates = tap.rates(corpus, days, matches[0]) if tap else None
    old_story_rates = tap.rates(corpus, days, matches[1]) if tap and len(matches) > 1 else None
    scored = None
    if labelled is not None:
        answers = {topic_id: topic.labels for topic_id, topic in book.topics.items()}
        scored = labels.score(labelled, corpus, matches[0], answers)
    old = stats.figures(corpus, days, matches[1]) if len(matches) > 1 else None
    changes = stats.compare(corpus, days, matches[1], matches[0]) if len(matches) > 1 else None
    against = str(args.against) if args.against else ""
    if args.json:
        from bot.report.text import labels_json, to_json

        data = to_json(figures, every=args.every, changes=changes)
        if story_rates is not None:
            data["stories"] = _stories_json(story_rates)
        if old_story_rates is not None:
            data["stories_against"] = _stories_json(old_story_rates)
        if scored is not None:
            data["labels"] = labels_json(scored)
        if args.feedback:
            data["most_muted"] = [
                {"topic": topic, "rule": rule, "presses": presses}
                for topic, rule, presses in _most_muted(settings)
            ]
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        from bot.report.text import labels_lines, render

        print(render(figures, every=args.every, changes=changes, against=against))
        if story_rates is not None:
            print(story_rates.sentence())
        if old_story_rates is not None:
            print(
                f"  with {against}: {old_story_rates.alerts_per_day:.1f} one per article, "
                f"{old_story_rates.story_alerts_per_day:.1f} one per story"
            )
        if scored is not None:
            print("\n" + "\n".join(labels_lines(scored, every=args.every)))
        if args.feedback:
            print(_feedback_section(_most_muted(settings)))
    if args.html is not None and not _write_html(
        args, settings, figures, changes, old, against, scored, story_rates
    ):
        return 2
    if problems:
        print(
            f"newsbot: {problems} rule problem(s); broken files were left out of this backtest "
            "(see `newsbot check`)",
            file=sys.stderr,
        )
        return 1
    return 0


def _stories_json(rates: StoryRates) -> dict[str, object]:
    return {
        "alerts_per_day": round(rates.alerts_per_day, 2),
        "story_alerts_per_day": round(rates.story_alerts_per_day, 2),
        "stories": rates.stories,
    }


def _most_muted(settings: Settings) -> list[tuple[str, str, int]]:
    """The rules chats mute most, from the bot's database; a note on stderr when unreadable."""
    from bot.storage.subscriptions import most_muted_in

    found = most_muted_in(settings.database_url)
    if found is None:
        print(
            "newsbot: --feedback: no feedback to read in NEWSBOT_DATABASE_URL "
            "(absent, unreachable, or not a newsbot database)",
            file=sys.stderr,
        )
    return found or []


def _feedback_section(noisy: list[tuple[str, str, int]]) -> str:
    """The rules subscribers asked to hear less of (🔕 Less like this, net of undos)."""
    lines = ["", "Rules subscribers mute most (🔕 Less like this, net of undos):"]
    lines += [f"  {topic}/{rule}: {presses}" for topic, rule, presses in noisy]
    if not noisy:
        lines.append("  none")
    return "\n".join(lines)


def _load(rules_dir: Path) -> tuple[RuleBook, int]:
    """The rule book and how many problems its files had, each printed to stderr."""
    _, entities, knowledge_problems = rule_knowledge(rules_dir)
    book, problems = load_rulebook(rules_dir, entities=entities)
    problems = [*knowledge_problems, *problems]
    for problem in problems:
        print(f"newsbot: {problem}", file=sys.stderr)
    return book, len(problems)


def _write_html(
    args: argparse.Namespace,
    settings: Settings,
    figures: stats.Figures,
    changes: list[stats.Change] | None,
    old: stats.Figures | None,
    against: str,
    scored: labels.LabelScore | None,
    story_rates: StoryRates | None,
) -> bool:
    from bot.report.html import render

    page = render(
        figures,
        sources=[str(path) for path in args.paths],
        rules_dir=str(settings.rules_dir),
        every=args.every,
        changes=changes,
        old=old,
        against=against,
        scored=scored,
        stories=story_rates,
    )
    try:
        args.html.write_text(page, encoding="utf-8")
    except OSError as error:
        print(f"newsbot: cannot write {args.html}: {error.strerror or error}", file=sys.stderr)
        return False
    print(f"newsbot: report written to {args.html}", file=sys.stderr)
    return True


def _terminal() -> TextIO | None:
    """Where a progress bar may be drawn: stderr if it is a terminal, else stdout, else none."""
    for stream in (sys.stderr, sys.stdout):
        if stream.isatty():
            return unguarded(stream)
    return None


def _with_progress(items: Iterable[Item], stream: TextIO) -> Iterator[Item]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn())
    console = Console(file=stream)
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as progress:
        task = progress.add_task("reading articles", total=None)
        for item in items:
            yield item
            progress.advance(task)
