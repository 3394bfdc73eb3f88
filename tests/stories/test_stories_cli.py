"""`newsbot stories` on seed files the test writes: JSON lines and the human listing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.article import Article
from bot.cli import main
from tests.support.story_articles import (
    BACKGROUND,
    COPPER_REACTION,
    DEAL,
    DEAL_REWRITE,
    DEAL_SYNDICATED,
)


def _seed(article: Article) -> str:
    """The article in the seed format (YAML front matter, body, source link last)."""
    assert article.published is not None
    title = article.title.replace('"', '\\"')
    summary = article.summary.replace('"', '\\"')
    return (
        "---\n"
        f'title: "{title}"\n'
        f'date: "{article.published:%Y-%m-%d %H:%M:%S}"\n'
        f'summary: "{summary}"\n'
        f'categories:\n  - "{article.source}"\n'
        "---\n\n"
        f"{article.summary}\n\n"
        f"[{article.source}]({article.link})\n"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    # File names in reverse publishing order: the command must sort by date, not by name.
    articles = [*BACKGROUND, DEAL, DEAL_SYNDICATED, DEAL_REWRITE, COPPER_REACTION]
    for number, article in enumerate(reversed(articles)):
        (tmp_path / f"{number:02d}.md").write_text(_seed(article), encoding="utf-8")
    return tmp_path


def test_json_gives_one_line_per_article_in_time_order(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stories", str(folder), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert [set(line) for line in lines] == [{"path", "id", "story", "title"}] * 12
    by_id = {line["id"]: line for line in lines}
    assert by_id[DEAL_SYNDICATED.id]["story"] == by_id[DEAL.id]["story"] == DEAL.id
    assert by_id[DEAL_REWRITE.id]["story"] == DEAL.id
    assert by_id[COPPER_REACTION.id]["story"] != DEAL.id
    order = [line["id"] for line in lines]
    assert order.index(DEAL.id) < order.index(DEAL_SYNDICATED.id) < order.index(DEAL_REWRITE.id)


def test_the_listing_shows_the_largest_story_first(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stories", str(folder)]) == 0
    out = capsys.readouterr().out

    assert out.startswith("12 articles, 10 stories")
    first = out.split("\n\nstory ")[1]
    assert first.startswith(f"{DEAL.id} (3 articles)")
    assert DEAL_REWRITE.title in first
    assert COPPER_REACTION.title not in first


def test_an_unreadable_file_is_reported_and_the_rest_still_grouped(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "broken.md").write_text("no front matter here\n", encoding="utf-8")

    assert main(["stories", str(folder), "--json"]) == 2
    captured = capsys.readouterr()
    assert "broken.md" in captured.err
    assert len(captured.out.splitlines()) == 12
