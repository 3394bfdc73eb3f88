"""`newsbot match --json` on every real article agrees with the brute-force evaluator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rules_bruteforce import BruteForce

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parents[1].parent.parent / "shared" / "corpus"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not CORPUS.is_dir(), reason=f"real-article corpus {CORPUS} absent (beside the checkout)"
    ),
]


def test_match_json_agrees_with_brute_force(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.sources.seeds import read_seed

    folders = [CORPUS / "seekalpha", CORPUS / "other_sources"]
    code = main(["match", *map(str, folders), "--rules", str(REPO / "rules"), "--json"])
    lines = [json.loads(row) for row in capsys.readouterr().out.splitlines()]
    assert code in (0, 2)
    assert len(lines) >= 2000
    texts = {str(path): path.read_text() for path in (REPO / "rules").rglob("*.yaml")}
    brute = BruteForce(texts)
    matched = 0
    for line in lines:
        if "error" in line:
            continue
        article = read_seed(Path(line["path"]))
        expected = [
            {"topic": t, "rule": r, "priority": p, "status": s, "terms": list(terms)}
            for t, r, p, s, terms in brute.match(article)
        ]
        assert line["matches"] == expected, line["path"]
        matched += bool(expected)
    assert matched >= 30  # the starter rules do fire on real news
