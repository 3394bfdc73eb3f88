"""The shipped rule pack files Chinese headlines under the topics an English reader would.

Headlines written for this test (simplified and traditional script), not taken from articles.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

SHIPPED_RULES = Path(__file__).resolve().parents[2] / "rules"

# headline -> the topics it is filed under (empty: no alert, as for its English equal)
HEADLINES = {
    "特朗普宣布对欧盟汽车加征关税": ["tariffs"],
    "特朗普宣佈對加拿大鋼鐵徵收關稅": ["tariffs"],
    "印度与美国就关税展开谈判": ["tariffs"],
    "现货黄金突破3000美元创历史新高": ["gold"],
    "黃金跌破2800美元 避險需求降溫": ["gold"],
    "美元指数暴跌，特朗普施压美联储降息": ["fx-em"],
    "布伦特原油大涨，欧佩克宣布减产": ["oil"],
    "美国扩大对台积电的出口管制": ["chips-taiwan"],
    "普京称愿与乌克兰谈判停火": ["russia-ukraine"],
    # Article kinds a desk does not want, in their Chinese conventions.
    "黄金价格预测：下周能否突破3000美元？": [],
    "原油技术分析：阻力位在75美元": [],
    "某黄金矿业公司四季度利润大增，股价上涨": [],
    "黄金短期展望：金价有望再创新高": [],
}


def test_chinese_headlines_match_the_topics_of_their_english_equals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for number, title in enumerate(HEADLINES):
        path = tmp_path / f"{number:02d}.zh-CN.md"
        path.write_text(f'---\ntitle: "{title}"\n---\n\n正文。\n', encoding="utf-8")
        paths.append(str(path))
    assert main(["match", *paths, "--rules", str(SHIPPED_RULES), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    filed = {line["title"]: sorted({m["topic"] for m in line["matches"]}) for line in lines}
    assert filed == HEADLINES


def test_a_chinese_tariff_announcement_is_high_priority(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.zh-CN.md"
    title = "特朗普签署行政令，对进口钢铁征收关税"
    path.write_text(f'---\ntitle: "{title}"\n---\n\nx\n', encoding="utf-8")
    assert main(["match", str(path), "--rules", str(SHIPPED_RULES), "--json"]) == 0
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert ("tariffs", "high") in {(m["topic"], m["priority"]) for m in line["matches"]}
