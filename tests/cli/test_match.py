"""`newsbot match` and `newsbot backtest` on files the tests write, and the starter rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "000_062cbf74e09447a5.txt"

RULES = """\
title: Oil
rules:
  - name: crude
    priority: high
    all: [crude oil, '@etfs']
  - name: quiet
    status: test
    any: [Iran]
  - name: off
    status: disabled
    any: [crude oil]
"""
ARTICLE = """\
---
title: "Crude oil rises as Iran talks stall"
date: "2025-02-12 21:33:29"
summary: "Traders watch S&amp;P futures"
categories:
  - "seekalpha"
---

WTI crude oil futures ([CL1:COM](https://seekingalpha.com/symbol/CL1:COM "Crude")) rose.
([USO](https://seekingalpha.com/symbol/USO "US Oil Fund")).

[seekalpha](https://seekingalpha.com/news/1-crude)
"""
FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>x</title><link>https://example.com</link>
<item><title>Iran seizes tanker</title><link>https://example.com/a</link>
<description>Crude oil jumps</description></item>
<item><title>Gold flat</title><link>https://example.com/b</link></item>
</channel></rss>
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "_sets.yaml").write_text("sets:\n  etfs: [$USO, $UCO]\n")
    (folder / "oil.yaml").write_text(RULES)
    return folder


def test_match_json_shape(tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = tmp_path / "a.md"
    seed.write_text(ARTICLE)
    assert main(["match", str(seed), "--rules", str(rules), "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    # The knowledge base's entities, most prominent first, and what they move (grounded).
    assert line.pop("entities")[:2] == ["crude", "iran"]
    assert line.pop("instruments")[:2] == ["CL1:COM", "USO"]
    assert line == {
        "path": str(seed),
        "id": "https://seekingalpha.com/news/1-crude",
        "title": "Crude oil rises as Iran talks stall",
        "source": "seekalpha",
        "published": "2025-02-12T21:33:29+00:00",
        "tickers": ["CL1:COM", "USO"],
        "matches": [
            {
                "topic": "oil",
                "rule": "crude",
                "priority": "high",
                "status": "active",
                "terms": ["crude oil", "$USO"],
            },
            {
                "topic": "oil",
                "rule": "quiet",
                "priority": "normal",
                "status": "test",
                "terms": ["Iran"],
            },
        ],
    }


def test_match_folder_feeds_and_errors(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "feed.xml").write_text(FEED)
    (folder / "a.md").write_text(ARTICLE)
    (folder / "broken.md").write_bytes(b"\xff\xfe not utf-8")
    (folder / "notes.pdf").write_text("ignored")
    code = main(
        ["match", str(folder), str(tmp_path / "missing.md"), "--rules", str(rules), "--json"]
    )
    lines = [json.loads(row) for row in capsys.readouterr().out.splitlines()]
    assert code == 2
    assert [row["path"] for row in lines] == [
        str(folder / "a.md"),
        str(folder / "broken.md"),
        str(folder / "sub" / "feed.xml"),
        str(folder / "sub" / "feed.xml"),
        str(tmp_path / "missing.md"),
    ]
    assert "error" in lines[1] and "matches" not in lines[1]
    assert [m["rule"] for m in lines[2]["matches"]] == ["quiet"]
    assert lines[3]["matches"] == []
    assert "error" in lines[4]


def test_match_human_output_shows_context(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "a.md"
    seed.write_text(ARTICLE)
    assert main(["match", str(seed), "--rules", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "oil/crude [high]: crude oil, $USO" in out
    assert "[Crude oil] rises as Iran" in out
    assert "oil/quiet [normal, test]" in out


def test_backtest_json(tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.md").write_text(ARTICLE)
    (folder / "b.md").write_text(
        ARTICLE.replace("2025-02-12", "2025-02-16").replace("1-crude", "2")
    )
    assert main(["backtest", str(folder), "--rules", str(rules), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Rates are over the days that hold articles (two), not the span from first to last (four).
    assert data["articles"] == 2 and data["days"] == 2
    assert data["rate_days"] == ["2025-02-12", "2025-02-16"]
    topic = data["topics"][0]
    assert topic["topic"] == "oil" and topic["matched"] == 2 and topic["per_day"] == 1.0
    assert topic["alerting"] == 2  # the active rule, not only the test one
    crude = {rule["rule"]: rule for rule in topic["rules"]}
    assert crude["crude"]["matched"] == 2 and len(crude["crude"]["examples"]) == 2
    assert crude["crude"]["examples"][0]["link"].startswith("https://")
    assert crude["quiet"]["status"] == "test"
    assert "off" not in crude


def _backtest_one_article(tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`newsbot backtest` on a corpus of ARTICLE alone, as printed (piped, no terminal)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.md").write_text(ARTICLE)
    assert main(["backtest", str(folder), "--rules", str(rules)]) == 0
    return capsys.readouterr().out


def test_backtest_plain_has_no_progress_bar_when_piped(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _backtest_one_article(tmp_path, rules, capsys)
    assert "oil (Oil): 1 article, 1.0/day" in out
    assert "\x1b[" not in out


@pytest.mark.skipif(not SEED.exists(), reason=f"seed article {SEED} absent (beside the checkout)")
def test_seed_article_matches_oil_not_gold(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.knowledge.rule_sets import load_rules
    from bot.sources.seeds import read_seed

    book, problems = load_rules(REPO / "rules")
    assert problems == []
    article = read_seed(SEED)
    topics = {match.topic for match in book.match(article)}
    assert "oil" in topics
    assert "gold" not in topics


def test_backtest_tells_apart_what_only_test_rules_matched(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    oil = rules / "oil.yaml"
    oil.write_text(oil.read_text().replace("name: crude\n", "name: crude\n    status: test\n"))
    out = _backtest_one_article(tmp_path, rules, capsys)
    assert "oil (Oil): 1 article, 1.0/day; 0 (0.0/day) from active rules" in out
    assert "https://seekingalpha.com/news/1-crude" in out


def test_a_folder_without_articles_says_so_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    code = main(["match", str(tmp_path), "--rules", str(REPO / "rules")])
    captured = capsys.readouterr()
    assert code == 2
    assert f"newsbot: no article found in {tmp_path}" in captured.err


def test_matched_only_prints_only_articles_some_rule_matched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, title in (("a.md", "Crude oil jumps on Hormuz"), ("b.md", "Bakery sales up")):
        (tmp_path / name).write_text(f'---\ntitle: "{title}"\n---\n\nText.\n', encoding="utf-8")
    code = main(
        ["match", str(tmp_path), "--rules", str(REPO / "rules"), "--json", "--matched-only"]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [line["title"] for line in lines] == ["Crude oil jumps on Hormuz"]


def test_match_backtest_and_stories_name_a_seed_whose_date_does_not_exist(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.md").write_text(ARTICLE)
    bad = folder / "b.md"
    bad.write_text(ARTICLE.replace('date: "2025-02-12 21:33:29"', "date: 2025-02-30"))
    reason = "date 2025-02-30 does not exist (day is out of range for month)"
    assert main(["match", str(folder), "--rules", str(rules), "--json"]) == 2
    lines = [json.loads(row) for row in capsys.readouterr().out.splitlines()]
    assert lines[0]["title"] == "Crude oil rises as Iran talks stall"
    assert lines[1] == {"path": str(bad), "error": reason}
    assert main(["backtest", str(folder), "--rules", str(rules), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["articles"] == 1 and report["unreadable"] == [{"path": str(bad), "error": reason}]
    assert main(["stories", str(folder), "--json"]) == 2
    captured = capsys.readouterr()
    assert [json.loads(row)["path"] for row in captured.out.splitlines()] == [str(folder / "a.md")]
    assert f"newsbot: {bad}: {reason}" in captured.err


HOSTILE_NAME = "\x1b]0;owned\x07\u202egpj.md"
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066")


def test_no_terminal_control_or_bidi_override_reaches_the_operators_terminal(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    # OSC 0 retitles the terminal, OSC 52 writes its clipboard; U+202E reverses what follows.
    (folder / HOSTILE_NAME).write_text(
        ARTICLE.replace(
            '"Crude oil rises as Iran talks stall"',
            '"Crude oil \\e]52;c;ZXZpbA==\\a rises \\u202Eemit\\u202C \\x9b2J"',
        ).replace("WTI crude", "WTI \x1b]0;body\x07 \u2066crude")
    )
    (folder / f"broken{HOSTILE_NAME}").write_text("---\ntitle: [\n---\n")
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "items": [{"id": "1", "url": "https://example.com/\x1b]0;u\x07", "title": "Oil"}],
            }
        )
    )
    outputs = []
    for command in (
        ["match", str(folder), str(feed), "--rules", str(rules)],
        ["match", str(folder), str(feed), "--rules", str(rules), "--json"],
        ["backtest", str(folder), "--rules", str(rules)],
        ["stories", str(folder)],
        ["check", "--rules", str(folder)],
    ):
        main(command)
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
    printed = "".join(outputs)
    # The whole OSC 52 sequence goes (no clipboard payload left as text); 8-bit CSI alone.
    assert "Crude oil  rises emit 2J" in outputs[0] and "ZXZpbA" not in printed
    assert not [char for char in CONTROLS if char in printed], printed


def test_match_shows_the_rules_a_link_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "_sets.yaml").write_text("sets:\n  opinion_links: ['/opinion/']\n")
    (folder / "war.yaml").write_text(
        "rules:\n  - name: gaza\n    all: [Gaza]\n    links: {none: ['@opinion_links']}\n"
    )
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>x</title>'
        "<link>https://example.com</link>"
        "<item><title>The real deal on Gaza</title>"
        "<link>https://example.com/opinion/international/1-gaza/</link></item>"
        "<item><title>Gaza truce holds</title><link>https://example.com/news/2-gaza/</link></item>"
        "</channel></rss>\n"
    )
    assert main(["match", str(feed), "--rules", str(folder)]) == 0
    first, second = capsys.readouterr().out.split("\n\n")[:2]
    assert (
        "  no rule matched\n  ✘ war/gaza: link matches `links: none` pattern '/opinion/'" in first
    )
    assert "✔ war/gaza [normal]: Gaza" in second and "✘" not in second
    assert main(["match", str(feed), "--rules", str(folder), "--json"]) == 0
    rows = [json.loads(row) for row in capsys.readouterr().out.splitlines()]
    assert [[m["rule"] for m in row["matches"]] for row in rows] == [[], ["gaza"]]


def test_a_query_that_matches_nothing_says_the_query_did_not_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "a.md"
    seed.write_text('---\ntitle: "Gold steadies as the dollar slips"\n---\n\nBody.\n')
    assert main(["match", "--query", "Hormuz", str(seed), "--rules", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "  the query did not match" in out and "rule" not in out


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "The newsbot command line: run, check, match, backtest, stories, label." in out


@pytest.mark.parametrize("command", ["match", "backtest"])
def test_a_negative_job_count_is_refused_before_any_reading(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([command, str(tmp_path), "--jobs", "-1"])
    assert stopped.value.code == 2
    assert "-1 processes: give 1 or more, or 0 for one per core" in capsys.readouterr().err
