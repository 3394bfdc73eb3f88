"""`newsbot match PATH... [--rules DIR] [--json]`: which rules match the given articles, and why."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.article import Article
from bot.config import Settings
from bot.rules import Match, RuleBook, analysis, load_rulebook
from bot.rules.loader import SetSpec, is_sets_file
from bot.rules.query import QueryError, compile_query, shared_sets
from bot.rules.terms import TermError, find_term, parse_term
from bot.sources import seeds

SEED_SUFFIXES = frozenset(seeds.SEED_SUFFIXES)
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".json"})
_SNIPPET_SIDE = 50


@dataclass(frozen=True, slots=True)
class Item:
    """One article read from a path, or the reason it could not be read."""

    path: str
    article: Article | None
    error: str | None = None


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


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Print the matches of every article; exit 2 if any article could not be read."""
    if args.query is None:
        book = load_book(settings.rules_dir)
    else:
        query_book = load_query_book(args.query, settings.rules_dir)
        if query_book is None:
            return 2
        book = query_book
    failed = False
    articles = 0
    for item in read_items(args.paths, timezone=settings.seeds_timezone):
        articles += 1
        if item.article is None:
            failed = True
            if args.json:
                print(json.dumps({"path": item.path, "error": item.error}, ensure_ascii=False))
            else:
                print(f"{item.path}: error: {item.error}\n")
            continue
        matches = book.match(item.article)
        if args.matched_only and not matches:
            continue
        if args.json:
            print(json.dumps(to_json(item.path, item.article, matches), ensure_ascii=False))
        else:
            print(_human(item.path, item.article, matches))
        sys.stdout.flush()
    if not articles:
        shown = ", ".join(str(path) for path in args.paths)
        suffixes = ", ".join(sorted(SEED_SUFFIXES | FEED_SUFFIXES))
        print(f"newsbot: no article found in {shown} (files ending {suffixes})", file=sys.stderr)
        return 2
    return 2 if failed else 0


def load_book(rules_dir: Path) -> RuleBook:
    """The rule book; problems go to stderr and the good files are used anyway."""
    book, problems = load_rulebook(rules_dir)
    for problem in problems:
        print(f"newsbot: {problem}", file=sys.stderr)
    if problems:
        print(
            f"newsbot: {len(problems)} rule problem(s); broken files left out "
            "(see `newsbot check`)",
            file=sys.stderr,
        )
    return book


def load_query_book(query: str, rules_dir: Path) -> RuleBook | None:
    """The rule book of one query with the folder's shared sets; None once a bad query is shown."""
    sets: dict[str, SetSpec] = {}
    if rules_dir.is_dir():
        book, problems = load_rulebook(rules_dir)
        # Only the shared sets matter to a query: a broken topic file is none of its business.
        for problem in problems:
            if is_sets_file(problem.path):
                print(f"newsbot: {problem}", file=sys.stderr)
        sets = shared_sets(book)
    try:
        return compile_query(query, sets)
    except QueryError as error:
        print(f"newsbot: bad query, {error}\n{error.pointer()}", file=sys.stderr)
        return None


def to_json(path: str, article: Article, matches: list[Match]) -> dict[str, object]:
    """The product spec's `match --json` object for one article."""
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
    }


def article_files(path: Path) -> Iterator[Path]:
    """The path itself, or every seed and feed file under a folder, sorted."""
    if not path.is_dir():
        yield path
        return
    suffixes = SEED_SUFFIXES | FEED_SUFFIXES
    for found in sorted(path.rglob("*")):
        parts = found.relative_to(path).parts
        if any(part.startswith((".", "~", "#")) for part in parts):
            continue
        if found.suffix.lower() in suffixes and found.is_file():
            yield found


def read_items(paths: list[Path], *, timezone: str = "UTC") -> Iterator[Item]:
    """Every article of the given files and folders; a feed file gives one item per entry."""
    for root in paths:
        if not root.exists():
            yield Item(str(root), None, "no such file or folder")
            continue
        for path in article_files(root):
            yield from read_file(path, timezone=timezone)


def read_file(path: Path, *, timezone: str = "UTC") -> Iterator[Item]:
    """The articles of one seed or feed file, or one item naming the error."""
    suffix = _kind(path)
    if suffix in SEED_SUFFIXES:
        from bot.sources.seeds import SeedError, read_seed

        try:
            yield Item(str(path), read_seed(path, timezone=timezone))
        except SeedError as error:
            yield Item(str(path), None, str(error))
        return
    if suffix not in FEED_SUFFIXES:
        yield Item(
            str(path), None, f"not a seed (.md) or feed ({', '.join(sorted(FEED_SUFFIXES))})"
        )
        return
    from bot.sources.feeds import FeedParseError, parse_feed_bytes

    try:
        articles = parse_feed_bytes(path.read_bytes(), source=path.stem, url=str(path))
    except OSError as error:
        yield Item(str(path), None, f"cannot read: {error.strerror or error}")
        return
    except FeedParseError as error:
        yield Item(str(path), None, str(error))
        return
    for article in articles:
        yield Item(str(path), article)


def _kind(path: Path) -> str:
    """The file's suffix; for a file named on the command line with another suffix (such as
    a seed saved as `.txt`), `.md` or `.xml` by its first bytes."""
    suffix = path.suffix.lower()
    if suffix in SEED_SUFFIXES | FEED_SUFFIXES:
        return suffix
    try:
        with path.open("rb") as handle:
            head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return suffix
    if head.startswith(b"---"):
        return ".md"
    if head.startswith((b"<", b"{")):
        return ".xml"
    return suffix


def _human(path: str, article: Article, matches: list[Match]) -> str:
    lines = [f"{path}", f"  {article.title}"]
    when = article.published.isoformat() if article.published else "no date"
    tickers = " ".join(sorted(article.tickers)) or "no tickers"
    lines.append(f"  {article.source or 'no source'} · {when} · {tickers}")
    if not matches:
        lines.append("  no rule matched")
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
