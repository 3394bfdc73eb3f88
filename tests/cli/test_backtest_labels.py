"""`newsbot backtest --labels`: the rules scored against hand labels, agreeing with the
reference scorer of ../shared/relevance on a small labelled corpus the test writes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.support.databases import CORPUS

SCORER = CORPUS.parent / "relevance" / "score.py"

TRADE = """\
title: Trade and tariffs
labels: [tariffs, china-trade]
rules:
  - name: tariffs
    priority: high
    fields: [title]
    any: [tariff*]
  - name: trade-talks
    fields: [title]
    any: [trade talks]
"""
OIL = """\
title: Oil
rules:
  - name: crude
    any: [crude oil]
  - name: tankers
    status: test
    any: [tanker*]
"""

# name, title, labels row after the path (stratum, weight, relevant, topics, urgency)
ARTICLES = [
    ("a01", "US slaps 25% tariffs on steel imports", ("m", "2.5", "1", "tariffs,metals", "flash")),
    ("a02", "China retaliates with tariffs on US coal", ("m", "2.5", "1", "china-trade", "high")),
    ("a03", "Five tariff-proof stocks to buy now", ("m", "2.5", "0", "", "")),
    ("a04", "Crude oil jumps as Iran threatens Hormuz", ("m", "2.5", "1", "oil", "high")),
    ("a05", "Crude oil ETF sees record options volume", ("m", "2.5", "0", "", "")),
    ("a06", "EU and India resume trade talks", ("u", "10", "1", "tariffs", "normal")),
    ("a07", "ECB cuts rates by a quarter point", ("u", "10", "1", "central-banks", "flash")),
    ("a08", "Opec cuts output target", ("u", "10", "1", "oil", "high")),
    ("a09", "Bakery chain opens new store", ("u", "10", "0", "", "")),
    ("a10", "Tanker rates climb on Red Sea detours", ("u", "10", "1", "shipping", "normal")),
    ("a11", "Mexico peso slides on tariff threat", ("u", "10", "1", "fx-em,tariffs", "normal")),
]


def _seed(folder: Path, name: str, title: str) -> None:
    (folder / f"{name}.md").write_text(
        f'---\ntitle: "{title}"\ndate: "2025-02-10 09:00:00"\nsummary: ""\n'
        f'categories:\n  - "wire"\n---\n\nMarkets moved.\n\n'
        f"[wire](https://news.example.com/{name})\n"
    )


@pytest.fixture
def labelled(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A corpus folder (two sources), a rules folder and a weighted labels file."""
    corpus = tmp_path / "corpus"
    for index, (name, title, _) in enumerate(ARTICLES):
        folder = corpus / ("wire" if index % 2 else "desk")
        folder.mkdir(parents=True, exist_ok=True)
        _seed(folder, name, title)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "trade.yaml").write_text(TRADE)
    (rules / "oil.yaml").write_text(OIL)
    lines = ["key\tpath\tstratum\tweight\trelevant\ttopics\turgency\tinstruments\tnote"]
    for index, (name, _, row) in enumerate(ARTICLES):
        folder = "wire" if index % 2 else "desk"
        lines.append("\t".join([name, f"{folder}/{name}.md", *row, "", ""]))
    labels = tmp_path / "labels.tsv"
    labels.write_text("\n".join(lines) + "\n")
    return corpus, rules, labels


def _labels(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(["backtest", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["labels"]


def _reference(
    capsys: pytest.CaptureFixture[str], corpus: Path, rules: Path, labels: Path, tmp_path: Path
) -> dict[str, float]:
    """What ../shared/relevance/score.py prints for the same rules over the same corpus."""
    if not SCORER.exists():
        pytest.skip(f"{SCORER} is absent (the shared relevance set sits beside the checkout)")
    assert main(["match", str(corpus), "--rules", str(rules), "--json"]) == 0
    # The scorer counts every match `match --json` lists; an alert is what the bot sends, so
    # matches of `status: test` rules (listed, never sent) are dropped from its input.
    sent = []
    for line in capsys.readouterr().out.splitlines():
        article = json.loads(line)
        article["matches"] = [m for m in article["matches"] if m["status"] == "active"]
        sent.append(json.dumps(article))
    predictions = tmp_path / "match.jsonl"
    predictions.write_text("\n".join(sent) + "\n")
    out = subprocess.run(
        [
            sys.executable,
            str(SCORER),
            str(labels),
            str(predictions),
            "--root",
            str(corpus),
            "--map",
            "trade=tariffs+china-trade",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, float] = {}
    overall = re.search(r"overall\s+P=([\d.]+) R=([\d.]+)", out)
    assert overall, out
    figures["precision"], figures["recall"] = float(overall[1]), float(overall[2])
    for topic, precision, recall in re.findall(r"topic (\S+)\s+P=([\d.na]+) R=([\d.na]+)", out):
        figures[f"{topic} precision"], figures[f"{topic} recall"] = float(precision), float(recall)
    uncovered = re.search(r"no predicted topic covers: ([\d.]+)", out)
    assert uncovered, out
    figures["uncovered"] = float(uncovered[1])
    return figures


def test_figures_agree_with_the_reference_scorer_to_three_decimals(
    labelled: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, rules, labels = labelled
    reference = _reference(capsys, corpus, rules, labels, tmp_path)
    found = _labels(capsys, str(corpus), "--rules", str(rules), "--labels", str(labels))
    ours = {"precision": found["precision"], "recall": found["recall"]}
    for topic in found["topics"]:
        ours[f"{topic['topic']} precision"] = topic["precision"]
        ours[f"{topic['topic']} recall"] = topic["recall"]
    ours["uncovered"] = found["uncovered"]
    assert set(ours) == set(reference)
    for name, value in reference.items():
        assert round(ours[name], 3) == value, name
    # Hand-checked: alerts a01 a02 a03 a04 a05 a06 a11 (weights 2.5 x5, 10 x2 = 32.5), of them
    # relevant a01 a02 a04 a06 a11 (27.5); relevant weigh 2.5 x3 + 10 x5 = 57.5.
    assert round(found["precision"], 3) == round(27.5 / 32.5, 3)
    assert round(found["recall"], 3) == round(27.5 / 57.5, 3)
    # The test rule about tankers alerts no one: the shipping article is a miss, and its topic
    # is one no topic covers, beside the ECB's.
    assert found["uncovered_topics"] == {"central-banks": 1, "shipping": 1}


def test_text_leads_with_the_figures_then_misses_and_false_alerts_heaviest_first(
    labelled: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, rules, labels = labelled
    assert main(["backtest", str(corpus), "--rules", str(rules), "--labels", str(labels)]) == 0
    out = capsys.readouterr().out
    section = out[out.index("\nlabels: ") + 1 :].splitlines()
    assert section[0] == "labels: precision 0.846 recall 0.478 (weighted, 11 labelled articles)"
    assert "  topic oil: precision 0.500 recall 0.200 (alerted 2, labelled relevant 2)" in section
    assert (
        "  topic trade [tariffs, china-trade]: precision 0.909 recall 1.000 "
        "(alerted 5, labelled relevant 4)"
    ) in section
    assert "  relevant articles no topic covers: 34.8% (central-banks 1, shipping 1)" in section
    missed = section.index("  missed (3), heaviest first:")
    assert [line.split("  ")[2] for line in section[missed + 1 : missed + 4]] == [
        "- ECB cuts rates by a quarter point",
        "- Opec cuts output target",
        "- Tanker rates climb on Red Sea detours",
    ]
    assert "(weight 10; labelled central-banks flash)" in section[missed + 1]
    false = section.index("  false alerts (2), heaviest first:")
    assert section[false + 1 : false + 3] == [
        "    - Five tariff-proof stocks to buy now  https://news.example.com/a03  "
        "(weight 2.5; trade: [tariff*])",
        "    - Crude oil ETF sees record options volume  https://news.example.com/a05  "
        "(weight 2.5; oil: [crude oil])",
    ]
    # Priorities: the high tariff rule alerts on 17.5 of the 32.5 alerted weight; of the
    # flash/high relevant articles (27.5) only the two tariff ones (5) got a high alert.
    assert (
        "  alerts that are high or critical: 53.8%; relevant flash/high articles that get one: "
        "18.2%"
    ) in section


def test_a_labels_file_without_weights_counts_each_article_once(
    labelled: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, rules, _ = labelled
    plain = tmp_path / "plain.tsv"
    plain.write_text(
        "path\trelevant\ttopics\n"
        "desk/a01.md\t1\ttariffs\n"
        "wire/a02.md\t0\t\n"
        "wire/a06.md\t1\ttariffs\n"
        "desk/a07.md\t1\tcentral-banks\n"
    )
    found = _labels(capsys, str(corpus), "--rules", str(rules), "--labels", str(plain))
    assert found["labelled"] == 4
    assert (found["precision"], found["recall"]) == (round(2 / 3, 4), round(2 / 3, 4))


def test_bad_labels_file_is_one_error_naming_the_line(
    labelled: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, rules, _ = labelled
    bad = tmp_path / "bad.tsv"
    bad.write_text("path\trelevant\ndesk/a01.md\t1\ndesk/a03.md\tyes\n")
    assert main(["backtest", str(corpus), "--rules", str(rules), "--labels", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"newsbot: {bad}:3: relevant must be 0 or 1, not 'yes'"


@pytest.mark.slow
def test_html_report_has_a_table_per_topic_and_the_lists(
    labelled: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, rules, labels = labelled
    page = tmp_path / "report.html"
    args = [str(corpus), "--rules", str(rules), "--labels", str(labels), "--html", str(page)]
    assert main(["backtest", *args]) == 0
    html = page.read_text(encoding="utf-8")
    assert "labels: precision 0.846 recall 0.478" in html
    assert "<td>tariffs, china-trade</td><td class=n>0.909</td><td class=n>1.000</td>" in html
    assert "Missed (3), heaviest first" in html and "False alerts (2), heaviest first" in html
    assert "https://news.example.com/a09" not in html  # neither relevant nor alerted


def test_check_refuses_a_label_that_is_not_a_topic_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "trade.yaml").write_text(TRADE.replace("[tariffs, china-trade]", "[tariffs, China]"))
    assert main(["check", "--rules", str(rules)]) == 1
    err = capsys.readouterr()
    assert "trade.yaml:2:19: bad label 'China'" in err.out + err.err
