"""load_rulebook: broken files left out, last good version kept on reload, shared sets."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from bot.article import Article
from bot.rules import RuleBook, load_rulebook
from bot.runtime.rule_reload import Reload, RuleReloader

OIL = "rules:\n  - name: crude\n    any: [crude oil, '@etfs']\n"
GOLD = "rules:\n  - name: bullion\n    any: [bullion]\n"


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def test_broken_file_left_out_rest_compiles(tmp_path: Path) -> None:
    _write(
        tmp_path, {"_sets.yaml": "sets:\n  etfs: [$USO]\n", "oil.yaml": OIL, "gold.yaml": "x: ["}
    )
    book, problems = load_rulebook(tmp_path)
    assert set(book.topics) == {"oil"}
    assert [p.path for p in problems] == [str(tmp_path / "gold.yaml")]
    assert book.match(Article(id="a", title="", tickers=frozenset({"USO"})))[0].terms == ("$USO",)


def test_reload_keeps_last_good_version_and_drops_removed(tmp_path: Path) -> None:
    _write(tmp_path, {"_sets.yaml": "sets:\n  etfs: [$USO]\n", "oil.yaml": OIL, "gold.yaml": GOLD})
    first, problems = load_rulebook(tmp_path)
    assert problems == [] and set(first.topics) == {"oil", "gold"}
    _write(tmp_path, {"oil.yaml": "rules:\n  - name: crude\n    any: ['sa*']\n"})
    (tmp_path / "gold.yaml").unlink()
    second, problems = load_rulebook(tmp_path, previous=first)
    assert [p.path for p in problems] == [str(tmp_path / "oil.yaml")]
    assert set(second.topics) == {"oil"}
    assert second.match(Article(id="a", title="crude oil"))[0].rule == "crude"


def test_broken_shared_sets_keep_old_sets(tmp_path: Path) -> None:
    _write(tmp_path, {"_sets.yaml": "sets:\n  etfs: [$USO]\n", "oil.yaml": OIL})
    first, _ = load_rulebook(tmp_path)
    _write(tmp_path, {"_sets.yaml": "sets:\n  etfs: ['&&']\n"})
    second, problems = load_rulebook(tmp_path, previous=first)
    assert {p.path for p in problems} == {str(tmp_path / "_sets.yaml")}
    assert set(second.topics) == {"oil"}
    assert second.match(Article(id="a", title="", tickers=frozenset({"USO"})))


def test_unknown_set_names_broken_sets_file(tmp_path: Path) -> None:
    _write(tmp_path, {"_sets.yaml": "sets:\n  etfs: ['&&']\n", "oil.yaml": OIL})
    book, problems = load_rulebook(tmp_path)
    assert book.topics == {}
    messages = [str(p) for p in problems]
    assert any("which has errors" in m and "oil.yaml:3" in m for m in messages), messages


def test_missing_folder_is_a_problem(tmp_path: Path) -> None:
    book, problems = load_rulebook(tmp_path / "nope")
    assert book.topics == {} and problems[0].message == "rules folder not found"


def test_local_set_may_not_shadow_shared(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {"_sets.yaml": "sets:\n  etfs: [$USO]\n", "oil.yaml": "sets:\n  etfs: [$UCO]\n" + OIL},
    )
    _, problems = load_rulebook(tmp_path)
    assert "already defined" in problems[0].message


def test_reload_says_how_long_it_took(tmp_path: Path) -> None:
    _write(tmp_path, {"oil.yaml": OIL.replace("'@etfs'", "$USO")})
    reloader = RuleReloader(tmp_path)
    first = reloader.reload()
    assert re.search(r"^Rules loaded: 1 topic, 1 rule; compiled in \d+\.\d\ds$", first.summary())
    _write(tmp_path, {"gold.yaml": GOLD})
    again = reloader.reload()
    assert re.search(r"; new: gold; compiled in \d+\.\d\ds$", again.summary()), again.summary()
    assert reloader.book is again.book and set(again.book.topics) == {"oil", "gold"}


@pytest.mark.slow
def test_reload_of_20000_terms_serves_the_old_book_until_the_new_is_ready(tmp_path: Path) -> None:
    _write(tmp_path, {"oil.yaml": OIL.replace("'@etfs'", "$USO")})
    reloader = RuleReloader(tmp_path)
    reloader.reload()
    old = reloader.book
    # 5,000 rules of four distinct terms each; one of them matches the article below.
    lines = ["rules:"]
    for index in range(5_000):
        terms = ", ".join(f"gold{index}x{n}" for n in range(4))
        lines.append(f"  - name: r{index}\n    any: [{terms}]")
    lines.append("  - name: bullion\n    any: [bullion]")
    _write(tmp_path, {"gold.yaml": "\n".join(lines) + "\n"})
    article = Article(id="a", title="crude oil and bullion")
    done = threading.Event()
    results: list[Reload] = []

    def reload() -> None:
        results.append(reloader.reload())
        done.set()

    worker = threading.Thread(target=reload)
    worker.start()
    served: list[tuple[RuleBook, frozenset[str]]] = []
    while not done.is_set():
        book = reloader.book
        served.append((book, frozenset(match.topic for match in book.match(article))))
    worker.join()
    (result,) = results
    # Alerts went on from the old book while the new one compiled, then from the new one
    # only: never from a half-built or empty book.
    assert served[0] == (old, frozenset({"oil"}))
    assert {topics for _, topics in served} <= {frozenset({"oil"}), frozenset({"oil", "gold"})}
    books = [book for book, _ in served]
    assert books == sorted(books, key=lambda book: book is result.book)
    assert reloader.book is result.book and result.book.rule_count == 5_002
    assert re.search(r"; new: gold; compiled in \d+\.\d\ds$", result.summary())
    assert result.seconds > 0
