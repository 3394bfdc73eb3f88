"""`newsbot stories PATH... [--json]`: group the given articles into stories, as the bot would."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.article import Article
from bot.cli.match_command import read_items
from bot.config import Settings
from bot.stories import StoryIndex


@dataclass(frozen=True, slots=True)
class Assigned:
    """One article and the story it was put in."""

    path: str
    article: Article
    story: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The stories command's flags."""
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per article per line, in time order"
    )


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Print the stories of the articles; exit 2 if any article could not be read."""
    failed = False
    readable: list[tuple[str, Article]] = []
    for item in read_items(args.paths, timezone=settings.seeds_timezone):
        if item.article is None:
            failed = True
            print(f"newsbot: {item.path}: {item.error}", file=sys.stderr)
        else:
            readable.append((item.path, item.article))
    assigned = cluster(readable)
    if args.json:
        for entry in assigned:
            record = {
                "path": entry.path,
                "id": entry.article.id,
                "story": entry.story,
                "title": entry.article.title,
            }
            print(json.dumps(record, ensure_ascii=False))
    else:
        print(_human(assigned))
    return 2 if failed else 0


def cluster(articles: list[tuple[str, Article]]) -> list[Assigned]:
    """Every article with its story, decided one by one in published order (ties: path);
    undated articles come last."""
    ordered = sorted(articles, key=lambda pair: (_sort_time(pair[1].published), pair[0]))
    index = StoryIndex()
    return [Assigned(path, article, index.assign(article)) for path, article in ordered]


def _sort_time(published: datetime | None) -> float:
    return published.timestamp() if published is not None else float("inf")


def _human(assigned: list[Assigned]) -> str:
    """The stories, largest first (then earliest first), each with its articles in order."""
    stories: dict[str, list[Assigned]] = {}
    for entry in assigned:
        stories.setdefault(entry.story, []).append(entry)
    ordered = sorted(stories.values(), key=lambda members: -len(members))
    lines = [f"{len(assigned)} articles, {len(stories)} stories"]
    for members in ordered:
        count = len(members)
        lines.append("")
        lines.append(f"story {members[0].story} ({count} article{'s' if count != 1 else ''})")
        for entry in members:
            article = entry.article
            when = article.published.isoformat(sep=" ") if article.published else "no date"
            lines.append(f"  {when} · {article.source or 'no source'} · {article.title}")
            lines.append(f"      {entry.path}")
    return "\n".join(lines)
