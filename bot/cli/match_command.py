"""`newsbot match PATH... [--rules DIR] [--json]`: which rules match the given articles, and why."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.article import Article
from bot.cli.corpus_reading import (  # noqa: F401 (read here by backtest and stories)
    FEED_SUFFIXES,
    SEED_SUFFIXES,
    Item,
    article_files,
    default_jobs,
    read_file,
    read_items,
)
from bot.config import Settings
from bot.knowledge.finder import EntityFinder
from bot.knowledge.instruments import Moves, article_moves
from bot.knowledge.rule_sets import rule_knowledge
from bot.rules import Match, RuleBook, analysis, load_rulebook
from bot.rules.analysed import analyse_article
from bot.rules.loader import SetSpec, is_sets_file
from bot.rules.query import QueryError, compile_query, shared_sets
from bot.rules.terms import TermError, find_term, parse_term

_SNIPPET_SIDE = 50
_ENTITIES = 8  # shown by the human output; --json carries them all
_INSTRUMENTS = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The match command's flags (each overrides its setting)."""
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument("--rules", dest="rules_dir", type=Path, default=None, help="rules folder")
    parser.add_argument("--json", action="store_true", help="one JSON object per article per line")
    parser.add_argument(
        "--matched-only", action="store_true", help="print only articles some rule matched"
    )
    parser.add_argument(
        "--query",
        default=None,
        metavar="QUERY",
        help="match this one-line query (topic and rule `query`) instead of the rule files; "
        "@sets come from the rules folder's _ files",
    )
    add_jobs_argument(parser)


def add_jobs_argument(parser: argparse.ArgumentParser) -> None:
    """`--jobs N`: processes that read and parse articles (the output order stays)."""
    parser.add_argument(
        "--jobs",
        type=_job_count,
        default=1,
        metavar="N",
        help="read and parse articles with N processes (0: one per core; default 1)",
    )


def _job_count(text: str) -> int:
    """A `--jobs` value: a whole number, 0 or more."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if count < 0:
        raise argparse.ArgumentTypeError(
            f"{count} processes: give 1 or more, or 0 for one per core"
        )
    return count


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Print the matches of every article; exit 2 if any article could not be read."""
    knowledge, entities, knowledge_problems = rule_knowledge(settings.rules_dir)
    for problem in knowledge_problems:
        print(f"newsbot: {problem}", file=sys.stderr)
    if args.query is None:
        book = load_book(settings.rules_dir, entities)
    else:
        query_book = load_query_book(args.query, settings.rules_dir, entities)
        if query_book is None:
            return 2
        book = query_book
    finder = EntityFinder(knowledge)
    failed = False
    articles = 0
    jobs = args.jobs or default_jobs()
    for item in read_items(args.paths, timezone=settings.seeds_timezone, jobs=jobs):
        articles += 1
        if item.article is None:
            failed = True
            if args.json:
                print(json.dumps({"path": item.path, "error": item.error}, ensure_ascii=False))
            else:
                print(f"{item.path}: error: {item.error}\n")
            continue
        analysed = analyse_article(item.article)  # one analysis: the rules and the entities
        matches = book.match(item.article, analysed.streams)
        if args.matched_only and not matches:
            continue
        moves = article_moves(item.article, finder, analysed)
        if args.json:
            line = to_json(item.path, item.article, matches, moves)
            print(json.dumps(line, ensure_ascii=False))
        else:
            refused = [
                f"  ✘ {rule.topic}/{rule.name}: {reason}"
                for rule, reason in book.refused_by_link(item.article)
            ]
            shown = _human(item.path, item.article, matches, moves, query=args.query is not None)
            print(shown + "".join(line + "\n" for line in refused))
        sys.stdout.flush()
    if not articles:
        shown = ", ".join(str(path) for path in args.paths)
        suffixes = ", ".join(sorted(SEED_SUFFIXES | FEED_SUFFIXES))
        print(f"newsbot: no article found in {shown} (files ending {suffixes})", file=sys.stderr)
        return 2
    return 2 if failed else 0


def load_book(rules_dir: Path, entities: Mapping[str, SetSpec] | None = None) -> RuleBook:
    """The rule book (`@@id` naming these entities); problems go to stderr and the good files
    are used anyway."""
    book, problems = load_rulebook(rules_dir, entities=entities)
    for problem in problems:
        print(f"newsbot: {problem}", file=sys.stderr)
    if problems:
        print(
            f"newsbot: {len(problems)} rule problem(s); broken files left out "
            "(see `newsbot check`)",
            file=sys.stderr,
        )
    return book


def load_query_book(
    query: str, rules_dir: Path, entities: Mapping[str, SetSpec] | None = None
) -> RuleBook | None:
    """The rule book of one query with the folder's shared sets and the entities (`@@id`);
    None once a bad query is shown."""
    sets: dict[str, SetSpec] = dict(entities or {})
    if rules_dir.is_dir():
        book, problems = load_rulebook(rules_dir, entities=entities)
        # Only the shared sets matter to a query: a broken topic file is none of its business.
        for problem in problems:
            if is_sets_file(problem.path):
                print(f"newsbot: {problem}", file=sys.stderr)
        sets.update(shared_sets(book))
    try:
        return compile_query(query, sets)
    except QueryError as error:
        print(f"newsbot: bad query, {error}\n{error.pointer()}", file=sys.stderr)
        return None


def to_json(
    path: str, article: Article, matches: list[Match], moves: Moves | None = None
) -> dict[str, object]:
    """The product spec's `match --json` object for one article, with its entities and the
    instruments they move (most directly moved first)."""
    return {
        "path": path,
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "published": article.published.isoformat() if article.published else None,
        "tickers": sorted(article.tickers),
        "matches": [
            {
                "topic": match.topic,
                "rule": match.rule,
                "priority": match.priority,
                "status": match.status,
                "terms": list(match.terms),
            }
            for match in matches
        ],
        "entities": [found.entity for found in moves.entities] if moves else [],
        "instruments": list(moves.instruments) if moves else [],
    }


def _human(
    path: str,
    article: Article,
    matches: list[Match],
    moves: Moves | None = None,
    *,
    query: bool = False,
) -> str:
    lines = [f"{path}", f"  {article.title}"]
    when = article.published.isoformat() if article.published else "no date"
    tickers = " ".join(sorted(article.tickers)) or "no tickers"
    lines.append(f"  {article.source or 'no source'} · {when} · {tickers}")
    if moves and moves.entities:
        named = ", ".join(f"{f.entity} ({f.name.lstrip('=')})" for f in moves.entities[:_ENTITIES])
        lines.append(f"  entities: {named}")
        lines.append(f"  moves: {', '.join(moves.instruments[:_INSTRUMENTS]) or 'nothing'}")
    if not matches:
        lines.append("  the query did not match" if query else "  no rule matched")
    for match in matches:
        status = "" if match.status == "active" else f", {match.status}"
        lines.append(
            f"  ✔ {match.topic}/{match.rule} [{match.priority}{status}]: {', '.join(match.terms)}"
        )
        for term in match.terms:
            shown = snippet(article, term)
            if shown:
                lines.append(f"      {term}: {shown}")
    return "\n".join(lines) + "\n"


def snippet(article: Article, term: str) -> str | None:
    """A short piece of the article around the first place the term occurs."""
    try:
        parsed = parse_term(term)
    except TermError:
        return None
    for text in (article.title, article.summary, article.body):
        capped = text[: analysis.FIELD_CAP]
        span = find_term(capped, parsed)
        if span:
            return _cut(capped, *span)
    return None


def _cut(text: str, start: int, end: int) -> str:
    before = text[max(0, start - _SNIPPET_SIDE) : start]
    after = text[end : end + _SNIPPET_SIDE]
    lead = "…" if start > _SNIPPET_SIDE else ""
    trail = "…" if end + _SNIPPET_SIDE < len(text) else ""
    shown = f"{lead}{before}[{text[start:end]}]{after}{trail}"
    return " ".join(shown.split())
