"""`newsbot backtest` as an operator uses it: rates over the days holding articles, exit codes,
`--all`, `--against`, the `--html` page and `--json`, on folders the tests write."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.support.databases import corpus_path
from tests.support.story_copies import ROADSHOW, STRIKE

REPO = Path(__file__).resolve().parents[2]

OIL = """\
title: Oil
rules:
  - name: crude
    priority: high
    any: [crude oil]
  - name: tankers
    status: test
    any: [tanker*]
"""
OIL_WIDENED = OIL.replace("any: [crude oil]", "any: [crude oil, Brent]")
GOLD = """\
title: Gold
rules:
  - name: bullion
    any: [gold price*]
"""
HOSTILE = "<script>alert(1)</script> crude oil"


def _seed(folder: Path, name: str, title: str, when: str, body: str = "Markets moved.") -> None:
    (folder / f"{name}.md").write_text(
        f'---\ntitle: "{title}"\ndate: "{when}"\nsummary: ""\ncategories:\n  - "wire"\n---\n\n'
        f"{body}\n\n[wire](https://news.example.com/{name})\n"
    )


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "oil.yaml").write_text(OIL)
    (folder / "gold.yaml").write_text(GOLD)
    return folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """25 articles on each of 2025-02-10 and -11 (6 a day about crude oil, 2 a day about Brent
    alone, 1 a day about gold), and two stray crude-oil articles from 2024."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for day in ("10", "11"):
        for number in range(25):
            name = f"d{day}-{number:02}"
            when = f"2025-02-{day} {8 + number // 4:02}:{number % 4 * 10:02}:00"
            if number < 6:
                title = f"Crude oil moves, story {day}-{number}"
            elif number < 8:
                title = f"Brent slips, story {day}-{number}"
            elif number == 8:
                title = f"Gold prices climb, story {day}"
            else:
                title = f"Company results, story {day}-{number}"
            _seed(folder, name, title, when)
    _seed(folder, "stray-1", "Crude oil in July", "2024-07-31 10:00:00")
    _seed(folder, "stray-2", "Crude oil in August", "2024-08-15 10:00:00")
    return folder


def _json(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> Any:
    assert main(["backtest", *argv, "--json"]) == code
    return json.loads(capsys.readouterr().out)


def _topic(data: Any, name: str) -> Any:
    return next(topic for topic in data["topics"] if topic["topic"] == name)


def _rule(data: Any, topic: str, name: str) -> Any:
    rules = _topic(data, topic)["rules"]
    return next(rule for rule in rules if rule["rule"] == name)


def test_rates_come_from_the_days_holding_articles_not_the_span(
    corpus: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _json(capsys, str(corpus), "--rules", str(rules))
    assert data["articles"] == 52
    assert data["days"] == 2
    assert data["rate_days"] == ["2025-02-10", "2025-02-11"]
    assert data["sparse_days"] == {"2024-07-31": 1, "2024-08-15": 1}
    oil = _topic(data, "oil")
    # 12 crude-oil articles in the two busy days: 6 a day, not 14 over 200 days.
    assert oil["alerting"] == 14 and oil["alerting_per_day"] == 6.0
    assert oil["alerts_by_day"] == {
        "2024-07-31": 1,
        "2024-08-15": 1,
        "2025-02-10": 6,
        "2025-02-11": 6,
    }
    crude = _rule(data, "oil", "crude")
    assert crude["per_day"] == 6.0 and crude["share"] == round(14 / 52, 4)
    assert crude["peak_day"] == {"day": "2025-02-10", "count": 6}

    assert main(["backtest", str(corpus), "--rules", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "Rates over 2 days holding articles (UTC): 2025-02-10 to 2025-02-11" in out
    assert (
        "Left out of rates: 2 sparse days holding 2 articles: 2024-07-31 (1), 2024-08-15 (1)" in out
    )
    assert "Articles per day: 02-10 25, 02-11 25; peak 2025-02-10 (25)" in out
    assert "oil (Oil): 14 articles, 6.0/day" in out


def test_a_missing_path_is_one_error_and_exit_2(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-corpus"
    assert main(["backtest", str(missing), "--rules", str(rules)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [f"newsbot: {missing}: no such file or folder"]

    assert main(["backtest", str(tmp_path), "--rules", str(tmp_path / "no-rules")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert "no-rules" in captured.err


def test_broken_rule_files_print_the_report_then_exit_nonzero(
    corpus: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (rules / "broken.yaml").write_text("title: Broken\nrules:\n  - name: [unclosed\n")
    code = main(["backtest", str(corpus), "--rules", str(rules)])
    captured = capsys.readouterr()
    assert code != 0
    assert "oil (Oil): 14 articles, 6.0/day" in captured.out
    assert "broken.yaml" in captured.err and "left out" in captured.err


def test_examples_show_terms_and_link_and_all_lists_every_match(
    corpus: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crude = _rule(_json(capsys, str(corpus), "--rules", str(rules)), "oil", "crude")
    assert len(crude["examples"]) == 3
    example = crude["examples"][0]
    assert example["terms"] == ["crude oil"]
    assert example["link"] == "https://news.example.com/d10-00"
    assert example["path"].endswith("d10-00.md")

    every = _rule(_json(capsys, str(corpus), "--rules", str(rules), "--all"), "oil", "crude")
    assert len(every["examples"]) == 14

    assert main(["backtest", str(corpus), "--rules", str(rules), "--all"]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^    - Crude oil .*\[crude oil\]$", out, flags=re.MULTILINE)
    assert len(listed) == 14
    assert "https://news.example.com/stray-2  [crude oil]" in out


def test_against_a_narrower_rule_set_lists_exactly_the_gained_articles(
    tmp_path: Path, corpus: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old-rules"
    shutil.copytree(rules, old)
    (rules / "oil.yaml").write_text(OIL_WIDENED)
    data = _json(capsys, str(corpus), "--rules", str(rules), "--against", str(old))
    changes = {(change["topic"], change["rule"]): change for change in data["changes"]}
    assert set(changes) == {("oil", None), ("oil", "crude")}
    brent = {f"Brent slips, story {day}-{number}" for day in ("10", "11") for number in (6, 7)}
    for change in changes.values():
        assert {article["title"] for article in change["gained"]} == brent
        assert change["lost"] == []
        assert change["old_per_day"] == 6.0 and change["new_per_day"] == 8.0
        assert change["per_day_change"] == 2.0
    assert changes[("oil", "crude")]["gained"][0]["link"] == "https://news.example.com/d10-06"

    assert main(["backtest", str(corpus), "--rules", str(rules), "--against", str(old)]) == 0
    out = capsys.readouterr().out
    diff = out[out.index(f"Against {old}") :]
    assert "oil alerts: +4 -0, 6.0/day -> 8.0/day (+2.00)" in diff
    assert "oil/crude: +4 -0" in diff
    assert len(re.findall(r"^ +\+ Brent slips", diff, flags=re.MULTILINE)) == 8  # topic and rule
    assert not re.findall(r"^ +- ", diff, flags=re.MULTILINE)
    assert "gold" not in diff


class _Loads(HTMLParser):
    """Every tag that would make a browser fetch something, and every script."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag in ("script", "link", "iframe", "object", "embed", "img") or "src" in names:
            self.loads.append(f"<{tag} {attrs}>")
        if tag == "svg":
            self.svgs += 1


def test_html_report_is_self_contained_with_charts_and_escaped_titles(
    tmp_path: Path, corpus: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(corpus, "hostile", HOSTILE.replace('"', ""), "2025-02-11 12:00:00")
    old = tmp_path / "old-rules"
    shutil.copytree(rules, old)
    (rules / "oil.yaml").write_text(OIL_WIDENED)
    page = tmp_path / "report.html"
    args = [str(corpus), "--rules", str(rules), "--html", str(page), "--against", str(old)]
    assert main(["backtest", *args]) == 0
    text = page.read_text(encoding="utf-8")
    parser = _Loads()
    parser.feed(text)
    assert parser.loads == []
    assert parser.svgs >= 3  # alerts per day per topic, rules by rate, before and after
    assert "<script" not in text and "@import" not in text
    assert re.findall(r"url\(\s*['\"]?(?!#)", text) == []  # only the charts' own clip paths
    assert "&lt;script&gt;alert(1)&lt;/script&gt; crude oil" in text
    assert "Alerts per day per topic" in text
    assert "oil/crude" in text and "gold/bullion" in text
    # The noisiest rule first: crude (8/day) before bullion (1/day).
    assert text.index('href="#rule-oil-crude"') < text.index('href="#rule-gold-bullion"')
    assert "Brent slips, story 10-6" in text  # gained against the old rules


def test_json_has_the_same_figures_as_the_text(
    corpus: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _json(capsys, str(corpus), "--rules", str(rules))
    assert main(["backtest", str(corpus), "--rules", str(rules)]) == 0
    out = capsys.readouterr().out
    for topic in data["topics"]:
        assert f"{topic['topic']} ({topic['title']}): {topic['matched']} articles, " in out
        for rule in topic["rules"]:
            figures = (
                f"{rule['rule']}{'' if rule['status'] == 'active' else ' [test]'} "
                f"({rule['priority']}): {rule['matched']} articles, {rule['per_day']}/day, "
                f"{rule['share']:.2%} of articles"
            )
            peak = rule["peak_day"]
            if peak:
                figures += f", peak {peak['day']} ({peak['count']})"
            assert figures in out


def _run_on_a_terminal(*argv: str) -> str:
    """The command's stderr as seen on a pseudo-terminal."""
    leader, follower = pty.openpty()
    try:
        subprocess.run(
            [sys.executable, "-m", "bot", "backtest", *argv],
            stdout=subprocess.DEVNULL,
            stderr=follower,
            cwd=REPO,
            env={**os.environ, "COLUMNS": "100"},
            check=False,
            timeout=120,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")
    finally:
        os.close(leader)


def test_progress_bar_on_a_terminal_but_never_with_json(corpus: Path, rules: Path) -> None:
    assert "reading articles" in _run_on_a_terminal(str(corpus), "--rules", str(rules))
    assert "reading articles" not in _run_on_a_terminal(
        str(corpus), "--rules", str(rules), "--json"
    )


@pytest.mark.corpus
def test_seekalpha_report_against_the_starter_rules_with_one_rule_widened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seekalpha = corpus_path("seekalpha")
    old = tmp_path / "old-rules"
    new = tmp_path / "rules"
    shutil.copytree(REPO / "rules", old)
    shutil.copytree(REPO / "rules", new)
    fed = new / "fed-rates.yaml"
    text = fed.read_text()
    assert 'any: ["@us_data",' in text
    fed.write_text(text.replace('any: ["@us_data",', 'any: ["@us_data", inflation,', 1))
    page = tmp_path / "r.html"
    args = [str(seekalpha), "--rules", str(new), "--html", str(page), "--against", str(old)]
    data = _json(capsys, *args)
    assert data["articles"] > 1900 and data["days"] == 8
    changes = {(change["topic"], change["rule"]): change for change in data["changes"]}
    assert set(changes) <= {("fed-rates", None), ("fed-rates", "us-data-moves")}
    widened = changes[("fed-rates", "us-data-moves")]
    assert widened["gained"] and widened["lost"] == []
    assert all("inflation" in article["title"].lower() for article in widened["gained"])
    assert widened["per_day_change"] > 0
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") >= 3
    assert escape(widened["gained"][0]["link"]) in html


def test_stories_count_one_alert_per_story_beside_one_per_article(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    told = [*STRIKE, ROADSHOW]
    for number, (source, title, summary) in enumerate(told):
        (folder / f"s{number}.md").write_text(
            f'---\ntitle: "{title}"\ndate: "2025-03-03 14:{number * 7:02}:00"\n'
            f'summary: "{summary}"\ncategories:\n  - "{source}"\n---\n\nText.\n\n'
            f"[{source}](https://{source}.example.com/s{number})\n"
        )
    data = _json(capsys, str(folder), "--rules", str(rules))
    assert data["stories"] == {"alerts_per_day": 4.0, "story_alerts_per_day": 2.0, "stories": 2}

    assert main(["backtest", str(folder), "--rules", str(rules)]) == 0
    assert "4.0 one per article, 2.0 one per story (2 stories alerted;" in capsys.readouterr().out

    page = tmp_path / "stories.html"
    assert main(["backtest", str(folder), "--rules", str(rules), "--html", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert "4.0 one per article, 2.0 one per story (2 stories alerted;" in html  # as the text


def test_the_html_comparison_names_both_rule_folders_and_counts_read_right(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    _seed(folder, "only", "Crude oil jumps", "2025-02-10 09:00:00")
    old = tmp_path / "old-rules"
    shutil.copytree(rules, old)
    page = tmp_path / "report.html"
    args = [str(folder), "--rules", str(rules), "--against", str(old), "--html", str(page)]
    assert main(["backtest", *args]) == 0
    text = capsys.readouterr().out
    assert text.startswith("1 article (0 unreadable)")
    assert "Rates over 1 day holding articles" in text
    assert "oil (Oil): 1 article, " in text and "crude (high): 1 article, " in text
    assert "(same 1 article)" in text
    html = page.read_text(encoding="utf-8")
    assert f"Grey bars: the old rules, <code>{old}</code>" in html
    assert f"blue bars: the new rules, <code>{rules}</code>" in html
    assert ": 1 article, 0 unreadable" in html


def test_against_gives_the_old_rules_alerts_per_day_with_and_without_stories(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    for number, (source, title, summary) in enumerate([*STRIKE, ROADSHOW]):
        (folder / f"s{number}.md").write_text(
            f'---\ntitle: "{title}"\ndate: "2025-03-03 14:{number * 7:02}:00"\n'
            f'summary: "{summary}"\ncategories:\n  - "{source}"\n---\n\nText.\n'
        )
    old = tmp_path / "old-rules"
    old.mkdir()
    (old / "oil.yaml").write_text(OIL.replace("any: [crude oil]", "any: [roadshow]"))
    data = _json(capsys, str(folder), "--rules", str(rules), "--against", str(old))
    assert data["stories"] == {"alerts_per_day": 4.0, "story_alerts_per_day": 2.0, "stories": 2}
    assert data["stories_against"] == {
        "alerts_per_day": 1.0,
        "story_alerts_per_day": 1.0,
        "stories": 1,
    }
    assert main(["backtest", str(folder), "--rules", str(rules), "--against", str(old)]) == 0
    assert f"  with {old}: 1.0 one per article, 1.0 one per story" in capsys.readouterr().out


def test_feedback_lists_the_rules_chats_mute_most_from_the_database(
    corpus: Path,
    rules: Path,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.storage import subscriptions as subs
    from bot.storage.db import open_database

    engine = open_database(database_url)
    with engine.begin() as connection:
        for chat in (1, 2, 3):
            subs.record_feedback(connection, chat, [("oil", "crude")], "less")
        subs.record_feedback(connection, 3, [("oil", "crude")], "undo")
        subs.record_feedback(connection, 1, [("gold", "bullion")], "less")
    engine.dispose()
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", database_url)
    assert main(["backtest", str(corpus), "--rules", str(rules), "--feedback"]) == 0
    out = capsys.readouterr().out
    assert out.endswith(
        "Rules subscribers mute most (🔕 Less like this, net of undos):\n"
        "  oil/crude: 2\n  gold/bullion: 1\n"
    )
    data = _json(capsys, str(corpus), "--rules", str(rules), "--feedback")
    assert data["most_muted"][0] == {"topic": "oil", "rule": "crude", "presses": 2}

    absent = tmp_path / "absent.db"
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", f"sqlite:///{absent}")
    assert main(["backtest", str(corpus), "--rules", str(rules), "--feedback"]) == 0
    captured = capsys.readouterr()
    assert "no feedback to read" in captured.err and "  none" in captured.out
    assert not absent.exists()  # never created by a look
