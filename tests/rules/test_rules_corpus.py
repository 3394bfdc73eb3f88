"""`newsbot match --json` on every real article agrees with the brute-force evaluator."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.match_command import read_items
from tests.support.databases import CORPUS
from tests.support.rules_bruteforce import BruteForce

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not CORPUS.is_dir(), reason=f"real-article corpus {CORPUS} absent (beside the checkout)"
    ),
]


def _disagreements(folders: list[Path], capsys: pytest.CaptureFixture[str]) -> tuple[int, int]:
    """Run `match --json` on the folders and compare every line with the brute force.

    Returns (articles compared, articles that matched some rule); asserts on the first
    disagreement, naming the article.
    """
    code = main(["match", *map(str, folders), "--rules", str(REPO / "rules"), "--json"])
    lines = [json.loads(row) for row in capsys.readouterr().out.splitlines()]
    assert code in (0, 2)
    items = list(read_items(folders))  # the same articles, in the same order
    assert [line["path"] for line in lines] == [item.path for item in items]
    texts = {str(path): path.read_text() for path in (REPO / "rules").rglob("*.yaml")}
    brute = BruteForce(texts)
    compared = matched = 0
    for line, item in zip(lines, items, strict=True):
        if item.article is None:
            assert "error" in line, line["path"]
            continue
        expected = [
            {"topic": t, "rule": r, "priority": p, "status": s, "terms": list(terms)}
            for t, r, p, s, terms in brute.match(item.article)
        ]
        assert line["matches"] == expected, line["path"]
        assert line["tickers"] == sorted(item.article.tickers), line["path"]
        compared += 1
        matched += bool(expected)
    return compared, matched


def test_seed_articles_and_feeds_agree(capsys: pytest.CaptureFixture[str]) -> None:
    folders = [CORPUS / "seekalpha", CORPUS / "other_sources", CORPUS / "feeds"]
    compared, matched = _disagreements(folders, capsys)
    assert compared >= 2500  # 2,134 seed articles and every entry of the 24 feeds
    assert matched >= 30  # the starter rules do fire on real news


@pytest.mark.timeout(1200)  # 20,261 articles read twice and brute-forced: minutes on 2 cores
def test_the_whole_english_archive_agrees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with tarfile.open(CORPUS / "en-news.tar.gz") as archive:
        archive.extractall(tmp_path, filter="data")
    compared, matched = _disagreements([tmp_path], capsys)
    assert compared >= 20_000
    assert matched >= 300
