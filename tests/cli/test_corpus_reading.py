"""Reading a corpus for `match` and `backtest`: folders, `.tar.gz` archives, `--jobs`."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.corpus_reading import read_items

RULES = "title: Oil\nrules:\n  - name: crude\n    any: [crude oil]\n"


def _seed(number: int) -> str:
    topic = "Crude oil rises" if number % 3 == 0 else "Gold is flat"
    return (
        f'---\ntitle: "{topic} {number}"\ndate: "2025-02-12 10:{number % 60:02d}:00"\n'
        f'categories: ["seekalpha"]\n---\n\nBody {number}.\n\n'
        f"[seekalpha](https://seekingalpha.com/news/{number})\n"
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    for number in range(300):
        (folder / ("a" if number < 150 else "b") / f"{number:04d}.md").write_text(_seed(number))
    (folder / "b" / "broken.md").write_text("no front matter\n")
    (folder / "b" / ".hidden.md").write_text(_seed(999))
    return folder


@pytest.fixture
def archive(tmp_path: Path, corpus: Path) -> Path:
    path = tmp_path / "corpus.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(corpus, arcname="corpus")
    return path


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "oil.yaml").write_text(RULES)
    return folder


def _titles(paths: list[Path], jobs: int) -> list[tuple[str | None, str | None]]:
    return [
        (item.article.title if item.article else None, item.error)
        for item in read_items(paths, jobs=jobs)
    ]


def test_an_archive_reads_as_the_folder_it_holds_in_the_same_order(
    corpus: Path, archive: Path
) -> None:
    from_folder = _titles([corpus], jobs=1)
    from_archive = _titles([archive], jobs=1)
    assert len(from_folder) == 301  # 300 articles and the broken file; the hidden one left out
    assert from_archive == from_folder
    paths = [item.path for item in read_items([archive])]
    assert paths[0] == f"{archive}/corpus/a/0000.md"


def test_several_processes_give_the_same_items_in_the_same_order(
    corpus: Path, archive: Path
) -> None:
    assert _titles([corpus, archive], jobs=3) == _titles([corpus, archive], jobs=1)


def test_match_and_backtest_read_an_archive_with_jobs(
    archive: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["match", str(archive), "--rules", str(rules), "--json", "--jobs", "2"]) == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    matched = [line["title"] for line in lines if line.get("matches")]
    assert matched == [f"Crude oil rises {n}" for n in range(0, 300, 3)]
    assert [line["path"] for line in lines if "error" in line] == [f"{archive}/corpus/b/broken.md"]
    assert main(["backtest", str(archive), "--rules", str(rules), "--json", "--jobs", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["articles"] == 300 and report["errors"] == 1
