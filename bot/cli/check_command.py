"""`newsbot check [--rules DIR]`: validate rule files and feeds.yaml, run rule tests."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from bot.config import Settings
from bot.wording import count


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The check command's flags (each overrides its setting)."""
    parser.add_argument("--rules", dest="rules_dir", type=Path, default=None, help="rules folder")
    parser.add_argument("--feeds", dest="feeds_file", type=Path, default=None, help="feeds.yaml")


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Print every problem as `path:line:column: message`; exit 1 if there is any."""
    from bot.rules import load_rulebook
    from bot.rules.tests_runner import run_tests

    book, problems = load_rulebook(settings.rules_dir)
    report = run_tests(book)
    lines = [str(problem) for problem in sorted({*problems, *report.failed})]
    feeds_note, feed_problems = _check_feeds(settings.feeds_file)
    lines.extend(feed_problems)
    for line in lines:
        print(line)
    if lines:
        print(f"{count(len(lines), 'problem')} found")
        return 1
    rules = sum(len(info.rules) for info in book.files.values())
    summary = ", ".join(
        (count(len(book.topics), "topic"), count(rules, "rule"), count(report.passed, "test"))
    )
    print(f"ok: {summary} passed{feeds_note}")
    return 0


def _check_feeds(path: Path) -> tuple[str, list[str]]:
    """A note for the summary and the problems of the feeds file, if its checker is there."""
    try:
        feeds_config = importlib.import_module("bot.sources.feeds_config")
    except ImportError:
        return "; feeds not checked (no feeds_config module)", []
    if not path.exists():
        return f"; no feeds file at {path}, skipped", []
    feeds, problems = feeds_config.load_feeds_file(path)
    return f"; {count(len(feeds), 'feed')}", [str(problem) for problem in problems]
