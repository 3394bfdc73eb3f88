"""`newsbot backtest DIR [--rules DIR] [--json]`: match a corpus; counts, rates and examples."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.rules import RuleBook

_EXAMPLES = 3


@dataclass
class _RuleStats:
    priority: str
    status: str
    matched: int = 0
    examples: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Backtest:
    """Counts per topic and rule over a corpus."""

    articles: int = 0
    errors: int = 0
    first: datetime | None = None
    last: datetime | None = None
    topics: dict[str, set[str]] = field(default_factory=dict)
    # Per topic, the articles its active rules matched: what subscribers would receive.
    alerting: dict[str, set[str]] = field(default_factory=dict)
    rules: dict[tuple[str, str], _RuleStats] = field(default_factory=dict)

    @property
    def days(self) -> float:
        """The corpus span in days, at least 1."""
        if self.first is None or self.last is None:
            return 1.0
        return max(1.0, (self.last - self.first).total_seconds() / 86400)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The backtest command's flags (each overrides its setting)."""
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="DIR", help="corpus folders or files"
    )
    parser.add_argument("--rules", dest="rules_dir", type=Path, default=None, help="rules folder")
    parser.add_argument("--json", action="store_true", help="one JSON object with every figure")


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Match the corpus and print per topic and rule: matched, per day, examples."""
    from bot.cli.match_command import article_files, load_book, read_file

    book = load_book(settings.rules_dir)
    files = [path for root in args.paths for path in article_files(root)]
    missing = [str(root) for root in args.paths if not root.exists()]
    for root in missing:
        print(f"newsbot: {root}: no such file or folder", file=sys.stderr)
    result = _start(book)
    items = (item for path in files for item in read_file(path, timezone=settings.seeds_timezone))
    if sys.stdout.isatty() and not args.json:
        items = _with_progress(items, len(files))
    run(book, items, result)
    if args.json:
        print(json.dumps(to_json(book, result), ensure_ascii=False, indent=2))
    else:
        _print_table(book, result)
    return 2 if missing else 0


def _start(book: RuleBook) -> Backtest:
    result = Backtest()
    for (topic, name), rule in sorted(book.all_rules.items()):
        if rule.status != "disabled":
            result.rules[(topic, name)] = _RuleStats(rule.priority, rule.status)
    for topic in book.topics:
        result.topics[topic] = set()
        result.alerting[topic] = set()
    return result


def run(book: RuleBook, items: Iterable[object], result: Backtest) -> Backtest:
    """Match every article into the running counts."""
    for item in items:
        article = item.article  # type: ignore[attr-defined]
        if article is None:
            result.errors += 1
            continue
        result.articles += 1
        if article.published is not None:
            when = article.published
            result.first = when if result.first is None or when < result.first else result.first
            result.last = when if result.last is None or when > result.last else result.last
        key = article.id or f"{item.path}#{result.articles}"  # type: ignore[attr-defined]
        for match in book.match(article):
            stats = result.rules[(match.topic, match.rule)]
            stats.matched += 1
            if len(stats.examples) < _EXAMPLES:
                stats.examples.append({"title": article.title, "link": article.link})
            result.topics[match.topic].add(key)
            if match.status == "active":
                result.alerting[match.topic].add(key)
    return result


def to_json(book: RuleBook, result: Backtest) -> dict[str, object]:
    """Every figure of the backtest as one JSON-ready object."""
    days = result.days
    topics = []
    for topic, ids in result.topics.items():
        rules = [
            {
                "rule": name,
                "priority": stats.priority,
                "status": stats.status,
                "matched": stats.matched,
                "per_day": round(stats.matched / days, 2),
                "examples": stats.examples,
            }
            for (owner, name), stats in result.rules.items()
            if owner == topic
        ]
        topics.append(
            {
                "topic": topic,
                "title": book.topics[topic].title,
                "matched": len(ids),
                "per_day": round(len(ids) / days, 2),
                "alerting": len(result.alerting[topic]),
                "alerting_per_day": round(len(result.alerting[topic]) / days, 2),
                "rules": rules,
            }
        )
    return {
        "articles": result.articles,
        "errors": result.errors,
        "first": result.first.isoformat() if result.first else None,
        "last": result.last.isoformat() if result.last else None,
        "days": round(days, 2),
        "topics": topics,
    }


def _with_progress(items: Iterable[object], total: int) -> Iterable[object]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), transient=True) as progress:
        task = progress.add_task("matching", total=total)
        last_path = None
        for item in items:
            path = item.path  # type: ignore[attr-defined]
            if path != last_path:
                progress.advance(task)
                last_path = path
            yield item


def _print_table(book: RuleBook, result: Backtest) -> None:
    data = to_json(book, result)
    span = f"{data['first'] or '?'} to {data['last'] or '?'}"
    print(f"{result.articles} articles ({result.errors} unreadable), {span}, {data['days']} days")
    for topic in data["topics"]:  # type: ignore[attr-defined]
        line = f"\n{topic['topic']} ({topic['title']}): {topic['matched']} articles, "
        line += f"{topic['per_day']}/day"
        if topic["alerting"] != topic["matched"]:
            line += (
                f"; {topic['alerting']} ({topic['alerting_per_day']}/day) from active rules, "
                "the rest only from test rules"
            )
        print(line)
        for rule in topic["rules"]:
            status = "" if rule["status"] == "active" else f" [{rule['status']}]"
            print(
                f"  {rule['rule']}{status} ({rule['priority']}): {rule['matched']} articles, "
                f"{rule['per_day']}/day"
            )
            for example in rule["examples"]:
                print(
                    f"    - {example['title']}"
                    + (f"  {example['link']}" if example["link"] else "")
                )
