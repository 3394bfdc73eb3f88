"""`newsbot check [--rules DIR]`: validate rule files and feeds.yaml, run rule tests."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Mapping
from pathlib import Path

from bot.config import Settings
from bot.knowledge.rule_sets import rule_knowledge
from bot.rules import RuleBook, compile_rules, load_rulebook
from bot.rules.compile import rule_paths
from bot.rules.examples import TestReport, run_tests
from bot.rules.loader import SetSpec, is_sets_file
from bot.rules.problems import Problem
from bot.wording import count


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The check command's flags (each overrides its setting)."""
    parser.add_argument("--rules", dest="rules_dir", type=Path, default=None, help="rules folder")
    parser.add_argument("--feeds", dest="feeds_file", type=Path, default=None, help="feeds.yaml")


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Print every problem as `path:line:column: message`; exit 1 if there is any."""

    knowledge, entities, knowledge_problems = rule_knowledge(settings.rules_dir)
    book, problems = load_rulebook(settings.rules_dir, entities=entities)
    report = run_tests(book)
    alone = _tests_of_left_out_files(settings.rules_dir, book, entities)
    failed = {*problems, *report.failed, *alone.failed}
    lines = [str(problem) for problem in sorted({*failed, *knowledge_problems})]
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
    known = count(len(knowledge.entities), "entity", "entities")
    print(f"ok: {summary} passed; {known} known{feeds_note}")
    return 0


def _tests_of_left_out_files(
    rules_dir: Path, book: RuleBook, entities: Mapping[str, SetSpec]
) -> TestReport:
    """The tests of files left out for a problem between files (a duplicate topic id): each
    compiled alone with the shared sets, so one file's problem never hides another's."""
    texts: dict[str, str] = {}
    for file in rule_paths(rules_dir) if rules_dir.is_dir() else []:
        try:
            texts[str(file)] = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue  # already reported by load_rulebook
    shared = {name: text for name, text in texts.items() if is_sets_file(name)}
    passed, failed = 0, list[Problem]()
    for name, text in sorted(texts.items()):
        if name in book.files or is_sets_file(name):
            continue
        lone_book, _ = compile_rules({**shared, name: text}, entities=entities)
        if name in lone_book.files:
            found = run_tests(lone_book)
            passed, failed = passed + found.passed, failed + found.failed
    return TestReport(passed, failed)


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
