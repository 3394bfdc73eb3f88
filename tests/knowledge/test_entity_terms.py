"""Rules and queries name an entity with one term, `@@id`: any of its names, in any script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.article import Article
from bot.cli import main
from bot.knowledge.rule_sets import rule_knowledge
from bot.rules import load_rulebook
from bot.rules.query import compile_query, shared_sets
from bot.runtime.rule_reload import RuleReloader

RULE = """\
title: Chokepoints
rules:
  - name: hormuz
    priority: high
    any: ["@@hormuz"]
    tests:
      match: ["Iran threatens to close the Strait of Hormuz", "伊朗威胁封锁霍尔木兹海峡"]
      no_match: ["Iran holds elections"]
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "chokepoints.yaml").write_text(RULE, encoding="utf-8")
    return folder


def _seed(folder: Path, name: str, title: str) -> Path:
    path = folder / name
    path.write_text(f'---\ntitle: "{title}"\n---\n\nx\n', encoding="utf-8")
    return path


def test_entity_term_matches_every_name_and_match_shows_which(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds = str(tmp_path / "none.yaml")
    assert main(["check", "--rules", str(rules), "--feeds", feeds]) == 0  # its tests pass
    english = _seed(tmp_path, "a.md", "Tankers avoid the Straits of Hormuz")
    chinese = _seed(tmp_path, "b.md", "油轮避开霍尔木兹海峡")
    capsys.readouterr()
    assert main(["match", str(english), str(chinese), "--rules", str(rules), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [sorted(m["terms"]) for line in lines for m in line["matches"]] == [
        ["Hormuz", "Straits of Hormuz"],
        ["霍尔木兹", "霍尔木兹海峡"],
    ]
    assert main(["match", str(chinese), "--rules", str(rules)]) == 0
    assert "[霍尔木兹海峡]" in capsys.readouterr().out  # the snippet shows the name found


def test_unknown_entity_is_a_problem_at_file_line(
    rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (rules / "bad.yaml").write_text("rules:\n  - name: a\n    any: ['@@hormus']\n")
    assert main(["check", "--rules", str(rules), "--feeds", str(tmp_path / "none.yaml")]) == 1
    out = capsys.readouterr().out
    assert f"{rules / 'bad.yaml'}:3:11: unknown entity '@@hormus'" in out
    assert "@@hormuz" in out  # the hint


def test_queries_and_operator_entities(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (rules / "_knowledge.yaml").write_text(
        "entities:\n  - id: acme\n    kind: company\n    names: [Acme Refining]\n"
    )
    _, entities, problems = rule_knowledge(rules)
    book, found = load_rulebook(rules, entities=entities)
    assert problems == [] and found == []
    # A /watch query sees the entities through the rule book's shared sets.
    query = compile_query("@@acme AND @@fed", shared_sets(book))
    hit = Article(id="1", title="Acme Refining shares fall as the Fed holds")
    assert [m.terms for m in query.match(hit)] == [("Acme Refining", "=Fed")]
    assert query.match(Article(id="2", title="Acme Refining fed up with delays")) == []


def test_the_operator_file_reloads_with_the_rules(rules: Path) -> None:
    (rules / "refiners.yaml").write_text("rules:\n  - name: a\n    any: ['@@acme']\n")
    reloader = RuleReloader(rules)
    first = reloader.reload()
    assert next(p.message for p in first.problems if "refiners" in p.path).startswith(
        "unknown entity '@@acme'"
    )
    (rules / "_knowledge.yaml").write_text(
        "entities:\n  - id: acme\n    kind: company\n    names: [Acme Refining]\n"
    )
    second = reloader.reload()
    assert second.problems == () and "refiners" in second.book.topics
    hit = Article(id="1", title="Fire at Acme Refining plant")
    assert [m.terms for m in second.book.match(hit)] == [("Acme Refining",)]
    (rules / "_knowledge.yaml").write_text("entities:\n  - id: acme\n    kind: nope\n")
    third = reloader.reload()
    assert any("_knowledge.yaml:3:11" in str(p) for p in third.new_problems)
