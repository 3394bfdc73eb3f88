"""`newsbot label DIR --out FILE`: label a random, stratified sample of a corpus in a terminal
(relevant, topics, urgency with single keys), appending to a labels file that
`newsbot backtest --labels` scores; a session can stop and resume. With `--from-feedback`,
the articles of DIR whose alerts chats pressed `🔕 Less like this` under are appended as
negative labels for the topic pressed, without asking."""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.article import Article
from bot.cli.corpus_reading import read_items
from bot.cli.match_command import add_jobs_argument
from bot.config import Settings
from bot.knowledge.rule_sets import load_rules
from bot.rules import Match

HEADER = (
    "key",
    "path",
    "stratum",
    "weight",
    "relevant",
    "topics",
    "urgency",
    "instruments",
    "note",
)
URGENCIES = {"f": "flash", "h": "high", "n": "normal"}
# Every topic of the labelling guidelines, so that labels outlive any one rule set.
GUIDELINE_TOPICS = (
    "oil",
    "gas",
    "power-coal",
    "gold",
    "metals",
    "agri",
    "russia-ukraine",
    "middle-east",
    "china-trade",
    "tariffs",
    "sanctions",
    "fed-rates",
    "central-banks",
    "macro-data",
    "fiscal-debt",
    "politics-elections",
    "defense",
    "taiwan-semis",
    "shipping",
    "fx-em",
    "regulation-tech",
    "other",
)
_KEYS = "abcdefghijklmnopqrstuvwxyz0123456789"
_SUMMARY_CHARS = 500
_BODY_CHARS = 700


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The label command's flags."""
    parser.add_argument("paths", nargs="+", type=Path, metavar="DIR", help="corpus to sample")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="labels TSV")
    parser.add_argument("--rules", dest="rules_dir", type=Path, default=None, help="rules folder")
    parser.add_argument(
        "--per-stratum",
        type=int,
        default=50,
        metavar="N",
        help="articles to draw where the rules alert, and as many where they do not",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed: the same seed draws the same sample"
    )
    parser.add_argument(
        "--from-feedback",
        action="store_true",
        help="append a negative label for each article of DIR that chats pressed "
        "'Less like this' under (the database of NEWSBOT_DATABASE_URL), without asking",
    )
    add_jobs_argument(parser)


# The stratum of labels taken from presses: chosen by subscribers, not drawn at random, so
# they stand for themselves only (weight 1) and are best scored in a file of their own.
FEEDBACK_STRATUM = "feedback"


@dataclass(frozen=True, slots=True)
class Drawn:
    """One sampled article, what the rules made of it, and the weight its label will carry."""

    path: str
    article: Article
    stratum: str  # "m": some active rule alerts; "u": none does
    weight: float
    matches: tuple[Match, ...]


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Draw the sample, skip what the file already labels, and ask about the rest."""
    missing = [path for path in args.paths if not path.exists()]
    if missing:
        print(f"newsbot: {missing[0]}: no such file or folder", file=sys.stderr)
        return 2
    if args.per_stratum < 1:
        print("newsbot: --per-stratum must be at least 1", file=sys.stderr)
        return 2
    try:
        done = _labelled_paths(args.out)
    except ValueError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return 2
    if args.from_feedback:
        return export_feedback(args, settings, done)
    book, problems = load_rules(settings.rules_dir)
    for problem in problems:
        print(f"newsbot: {problem}", file=sys.stderr)
    strata: dict[str, list[tuple[str, Article, tuple[Match, ...]]]] = {"m": [], "u": []}
    seen: set[str] = set()
    roots = [str(path).rstrip("/") + "/" for path in args.paths]
    for item in read_items(args.paths, timezone=settings.seeds_timezone, jobs=args.jobs or 1):
        article = item.article
        if article is None or (article.id and article.id in seen):
            continue
        seen.add(article.id)
        matches = tuple(m for m in book.match(article) if m.status == "active")
        strata["m" if matches else "u"].append((_relative(item.path, roots), article, matches))
    sample = draw(strata, args.per_stratum, args.seed)
    todo = [drawn for drawn in sample if drawn.path not in done]
    print(
        f"{len(sample)} articles drawn ({sum(len(s) for s in strata.values())} in the corpus, "
        f"{len(strata['m'])} the rules alert on); {len(sample) - len(todo)} already in "
        f"{args.out}; {len(todo)} to go. Keys: y/n relevant, s skip, q quit."
    )
    with _keys(sys.stdin) as read_key:
        return label(todo, args.out, read_key, sys.stdout, total=len(sample))


def export_feedback(args: argparse.Namespace, settings: Settings, done: set[str]) -> int:
    """Append a negative label for each article of the corpus chats pressed `🔕 Less like
    this` under (net of undos), naming the topic and rule pressed; skip those labelled."""
    from bot.storage.subscriptions import less_pressed_in

    presses = less_pressed_in(settings.database_url)
    if presses is None:
        print(
            "newsbot: no feedback to read: the database (NEWSBOT_DATABASE_URL) cannot be "
            "read or records no presses",
            file=sys.stderr,
        )
        return 2
    by_article: dict[str, list[str]] = {}
    for press in presses:
        by_article.setdefault(press.article_id, []).append(
            f"{press.topic}/{press.rule} ×{press.chats}"
        )
    topics_of: dict[str, list[str]] = {}
    for press in presses:
        topics_of.setdefault(press.article_id, [])
        if press.topic not in topics_of[press.article_id]:
            topics_of[press.article_id].append(press.topic)
    roots = [str(path).rstrip("/") + "/" for path in args.paths]
    rows: list[list[str]] = []
    found: set[str] = set()
    for item in read_items(args.paths, timezone=settings.seeds_timezone, jobs=args.jobs or 1):
        article = item.article
        if article is None or article.id not in by_article or article.id in found:
            continue
        found.add(article.id)
        path = _relative(item.path, roots)
        if path in done:
            continue
        note = " ".join(_plain("less like this: " + ", ".join(by_article[article.id])).split())
        key = "k" + hashlib.sha1(path.encode()).hexdigest()[:8]
        topics = ",".join(topics_of[article.id])
        rows.append([key, path, FEEDBACK_STRATUM, "1", "0", topics, "", "", note])
    fresh = not args.out.exists() or args.out.stat().st_size == 0
    with args.out.open("a", encoding="utf-8") as handle:
        if fresh:
            handle.write("\t".join(HEADER) + "\n")
        for row in rows:
            handle.write("\t".join(row) + "\n")
    print(
        f"{len(rows)} negative labels appended to {args.out} from {len(by_article)} pressed "
        f"articles ({len(by_article) - len(found)} not in the corpus, "
        f"{len(found) - len(rows)} already labelled)"
    )
    return 0


def draw(
    strata: dict[str, list[tuple[str, Article, tuple[Match, ...]]]], per_stratum: int, seed: int
) -> list[Drawn]:
    """Up to `per_stratum` articles at random from each stratum, interleaved, each weighing
    its stratum's size over the articles drawn from it."""
    rng = random.Random(seed)
    picked: dict[str, list[Drawn]] = {}
    for name, members in sorted(strata.items()):
        chosen = rng.sample(members, min(per_stratum, len(members)))
        weight = round(len(members) / len(chosen), 4) if chosen else 0.0
        picked[name] = [Drawn(path, art, name, weight, found) for path, art, found in chosen]
    order: list[Drawn] = []
    for index in range(max((len(found) for found in picked.values()), default=0)):
        order.extend(found[index] for found in picked.values() if index < len(found))
    return order


def label(
    todo: list[Drawn], out: Path, read_key: Callable[[], str], screen: TextIO, *, total: int
) -> int:
    """Show each article, take its label with single keys and append it to `out` at once."""
    fresh = not out.exists() or out.stat().st_size == 0
    with out.open("a", encoding="utf-8") as handle:
        if fresh:
            handle.write("\t".join(HEADER) + "\n")
            handle.flush()
        for number, drawn in enumerate(todo, start=1):
            screen.write(_card(drawn, number, len(todo), total))
            row = _ask(drawn, read_key, screen)
            if row is None:
                screen.write("\nStopped; run the same command again to resume.\n")
                return 0
            if row:
                handle.write("\t".join(row) + "\n")
                handle.flush()
    screen.write("\nAll drawn articles are labelled.\n")
    return 0


def _ask(drawn: Drawn, read_key: Callable[[], str], screen: TextIO) -> list[str] | None:
    """The label row, [] for a skipped article, None to stop."""
    screen.write("Relevant for a desk? [y]es [n]o [s]kip [q]uit: ")
    screen.flush()
    answer = _choose(read_key, "ynsq")
    screen.write(answer + "\n")
    if answer == "q":
        return None
    if answer == "s":
        return []
    topics: list[str] = []
    urgency = ""
    if answer == "y":
        keys = dict(zip(_KEYS, GUIDELINE_TOPICS, strict=False))
        screen.write(
            "Topics (keys, then Enter): "
            + "  ".join(f"{key} {topic}" for key, topic in keys.items())
            + "\n> "
        )
        screen.flush()
        while True:
            key = read_key()
            if key in ("\n", "\r", "") and topics:
                break
            if key in keys and keys[key] not in topics:
                topics.append(keys[key])
                screen.write(f"{keys[key]} ")
                screen.flush()
        screen.write("\nUrgency? [f]lash [h]igh [n]ormal: ")
        screen.flush()
        urgency = URGENCIES[_choose(read_key, "fhn")]
        screen.write(urgency + "\n")
    key = "k" + hashlib.sha1(drawn.path.encode()).hexdigest()[:8]
    relevant = "1" if answer == "y" else "0"
    weight = f"{drawn.weight:g}"
    return [key, drawn.path, drawn.stratum, weight, relevant, ",".join(topics), urgency, "", ""]


def _choose(read_key: Callable[[], str], allowed: str) -> str:
    while True:
        key = read_key().lower()
        if key == "":
            return "q"  # end of input: stop, keeping what was written
        if key in allowed:
            return key


def _card(drawn: Drawn, number: int, todo: int, total: int) -> str:
    """What a labeller reads: title, source, time, summary, the body's start, the rules' view."""
    article = drawn.article
    when = article.published.isoformat() if article.published else "no date"
    stratum = "the rules alert" if drawn.stratum == "m" else "no rule alerts"
    lines = [
        "",
        "─" * 72,
        f"[{number}/{todo} to go, {total} drawn] {_plain(drawn.path)} ({stratum}; weight "
        f"{drawn.weight:g})",
        _plain(article.title) or "(no title)",
        f"{_plain(article.source) or '?'} · {when}",
    ]
    if article.summary:
        lines += ["", _plain(article.summary[:_SUMMARY_CHARS])]
    if article.body:
        more = "…" if len(article.body) > _BODY_CHARS else ""
        lines += ["", _plain(article.body[:_BODY_CHARS]) + more]
    lines.append("")
    if drawn.matches:
        lines += [
            f"rules: {m.topic}/{m.rule} [{m.priority}]: {_plain(', '.join(m.terms))}"
            for m in drawn.matches
        ]
    else:
        lines.append("rules: none alert")
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    """Text safe to print on a terminal: control characters (escape sequences) dropped."""
    return "".join(
        char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf")
    )


def _relative(path: str, roots: list[str]) -> str:
    for root in roots:
        if path.startswith(root):
            return path[len(root) :]
    return path


def _labelled_paths(out: Path) -> set[str]:
    """The paths a labels file already holds (none when it does not exist yet)."""
    if not out.exists():
        return set()
    lines = out.read_text(encoding="utf-8").splitlines()
    if not lines:
        return set()
    head = lines[0].split("\t")
    if "path" not in head:
        raise ValueError(f"{out}:1: not a labels file (no `path` column in its header)")
    column = head.index("path")
    rows = (line.split("\t") for line in lines[1:])
    return {values[column] for values in rows if len(values) > column}


@contextmanager
def _keys(stream: TextIO) -> Iterator[Callable[[], str]]:
    """Single key presses: raw (no Enter needed) on a terminal, characters from a pipe."""
    if not stream.isatty():
        yield lambda: stream.read(1)
        return
    import termios
    import tty

    descriptor = stream.fileno()
    saved = termios.tcgetattr(descriptor)
    try:
        tty.setcbreak(descriptor)
        yield lambda: stream.read(1)
    finally:
        termios.tcsetattr(descriptor, termios.TCSADRAIN, saved)
