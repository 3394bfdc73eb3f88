"""An operator's `_knowledge.yaml` drives the alert's 💹 line, as loaded by the running bot."""

from __future__ import annotations

from pathlib import Path

from bot.alerts import alert_for, render_html
from bot.article import Article
from bot.runtime.rule_reload import RuleReloader

TOPIC = """\
title: Refining
rules:
  - name: acme
    any: ["@@acme-refining"]
"""
KNOWLEDGE = """\
entities:
  - id: acme-refining
    kind: company
    names: [Acme Refining]
    instruments: [{instruments}]
    topics: [refining]
"""
ARTICLE = Article(
    id="1",
    title="Acme Refining shuts its Gulf Coast plant after a fire",
    body="The refiner said the plant would stay shut for weeks.",
)


def _moves_line(reloader: RuleReloader) -> str | None:
    """The 💹 line of the alert a chat following every topic gets for the article."""
    book = reloader.reload().book
    alert = alert_for(ARTICLE, book.match(ARTICLE), topics=None)
    assert alert is not None
    text = render_html(alert, book.topics)
    return next((line for line in text.splitlines() if line.startswith("💹")), None)


def test_the_operators_entities_give_the_alerts_instruments_and_reload_live(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "refining.yaml").write_text(TOPIC, encoding="utf-8")
    knowledge = rules / "_knowledge.yaml"
    knowledge.write_text(KNOWLEDGE.format(instruments="ACME"), encoding="utf-8")
    reloader = RuleReloader(rules)
    assert _moves_line(reloader) == "💹 ACME"
    # An edit to the operator's file reaches the next alert with the next reload.
    knowledge.write_text(KNOWLEDGE.format(instruments="ACME, XLE"), encoding="utf-8")
    assert _moves_line(reloader) == "💹 ACME, XLE"
