"""A one-line query matches exactly what the same rule written as YAML matches, on real news."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from bot.article import Article
from bot.cli import main
from bot.cli.match_command import read_items
from bot.knowledge.rule_sets import load_rules
from bot.rules.engine import article_streams
from bot.rules.loader import Condition, Group, Near, RuleSpec, Term
from bot.rules.query import compile_queries, parse_query, shared_sets
from tests.support.databases import corpus_path

REPO = Path(__file__).resolve().parents[2]
SHIPPED_SETS = REPO / "rules" / "_sets.yaml"

pytestmark = pytest.mark.corpus

# Each query beside the rule it means, as an operator would write it in a topic file.
QUERIES: list[tuple[str, str]] = [
    (
        "Ukraine (crude OR $USO) NOT ceasefire",
        "all: [Ukraine, {any: [crude, $USO]}, {none: [ceasefire]}]",
    ),
    ("NEAR/5(Putin talks)", "all: [{near: [Putin, talks], within: 5}]"),
    ('"crude oil" OR Brent', "any: [crude oil, Brent]"),
    ("tariff* China", "all: [tariff*, China]"),
    ('=OPEC OR "OPEC Plus"', "any: [=OPEC, OPEC Plus]"),
    ("$USO OR $XOM", "any: [$USO, $XOM]"),
    (r"/\bS&P\s?500\b/ Fed", r"all: ['/\bS&P\s?500\b/', Fed]"),
    ("@crude_words NOT @crude_etfs", "all: ['@crude_words', {none: ['@crude_etfs']}]"),
    (
        "(Iran OR Israel) AND (oil OR gold) NOT Gaza",
        "all: [{any: [Iran, Israel]}, {any: [oil, gold]}, {none: [Gaza]}]",
    ),
    ('NEAR/8(Fed "rate cut*")', "all: [{near: [Fed, rate cut*], within: 8}]"),
    (
        "@geo_words OR (sanction* NOT Russia)",
        "any: ['@geo_words', {all: [sanction*, {none: [Russia]}]}]",
    ),
    ("gold OR NOT silver", "any: [gold, {none: [silver]}]"),
    ("NEAR/3(@china_words tariff*)", "all: [{near: ['@china_words', tariff*], within: 3}]"),
    ('"=US" sanctions', "all: [=US, sanctions]"),
    (r"/\d\/\d/ OR /Q[1-4]\/20\d\d/", r"any: ['/\d\/\d/', '/Q[1-4]\/20\d\d/']"),
    ("trade and war", "all: [trade, and, war]"),
    ('"oil price*" OR "price of oil"', "any: [oil price*, price of oil]"),
    (
        "inflation (Powell OR =Fed) NOT (Trump OR tariff*)",
        "all: [inflation, {any: [Powell, =Fed]}, {none: [Trump, tariff*]}]",
    ),
    ("NEAR/4(=Fed @rate_words)", "all: [{near: [=Fed, '@rate_words'], within: 4}]"),
    ("Tesla OR NOT (a OR the)", "any: [Tesla, {none: [a, the]}]"),
    (
        'Iran Israel OR "crude oil" gold',
        "any: [{all: [Iran, Israel]}, {all: [crude oil, gold]}]",
    ),
]


def shape(condition: Condition) -> object:
    """The condition as YAML would write it, without positions."""
    if isinstance(condition, Term):
        return condition.text
    if isinstance(condition, Group):
        return {condition.kind: [shape(item) for item in condition.items]}
    assert isinstance(condition, Near)
    return {"near": [shape(item) for item in condition.items], "within": condition.within}


def rule_shape(rule: RuleSpec) -> dict[str, object]:
    """The rule's all/any/none as YAML would write them."""
    return {
        key: [shape(condition) for condition in getattr(rule, key)]
        for key in ("all", "any", "none")
        if getattr(rule, key)
    }


def topic_file(yaml_rule: str, topic: str) -> str:
    """A topic file holding one rule named `query`, written as YAML."""
    return f"topic: {topic}\nrules:\n  - name: query\n    {yaml_rule}\n"


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    folders = [corpus_path("seekalpha"), corpus_path("other_sources")]
    found = [item.article for item in read_items(folders) if item.article is not None]
    assert len(found) >= 2000
    return found


@pytest.mark.parametrize(("query", "yaml_rule"), QUERIES)
def test_each_query_means_the_yaml_rule(query: str, yaml_rule: str) -> None:
    assert rule_shape(parse_query(query)) == yaml.safe_load(yaml_rule)


def test_queries_and_yaml_rules_match_the_same_articles(
    articles: list[Article], tmp_path: Path
) -> None:
    shipped, problems = load_rules(REPO / "rules")
    assert problems == []
    topics = {f"q{index:02d}": pair for index, pair in enumerate(QUERIES)}
    queries = compile_queries(
        {(topic, "query"): query for topic, (query, _) in topics.items()}, shared_sets(shipped)
    )
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(SHIPPED_SETS, rules / "_sets.yaml")
    for topic, (_, yaml_rule) in topics.items():
        (rules / f"{topic}.yaml").write_text(topic_file(yaml_rule, topic))
    written, problems = load_rules(rules)
    assert problems == []
    assert sorted(written.topics) == sorted(topics)

    by_query: dict[str, list[str]] = {topic: [] for topic in topics}
    by_yaml: dict[str, list[str]] = {topic: [] for topic in topics}
    for number, article in enumerate(articles):
        streams = article_streams(article)
        key = f"{number}:{article.id}"
        for match in queries.match(article, streams):
            by_query[match.topic].append(key)
        for match in written.match(article, streams):
            by_yaml[match.topic].append(key)
    for topic, (query, _) in topics.items():
        only_query = sorted(set(by_query[topic]) - set(by_yaml[topic]))
        only_yaml = sorted(set(by_yaml[topic]) - set(by_query[topic]))
        assert not only_query and not only_yaml, (
            f"{query}: only the query matched {only_query[:5]}, only YAML {only_yaml[:5]}"
        )
        # Every query finds something, so that agreeing is not agreeing on nothing.
        assert by_yaml[topic], f"{query} matched no article"


def test_match_query_prints_what_match_prints_for_the_yaml_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = corpus_path("seekalpha")
    paths = [str(path) for path in sorted(folder.glob("*.md"))[:150]]
    query, yaml_rule = QUERIES[10]  # sets, prefix, OR, NOT in parentheses
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(SHIPPED_SETS, rules / "_sets.yaml")
    (rules / "query.yaml").write_text(topic_file(yaml_rule, "query"))

    assert main(["match", *paths, "--rules", str(rules), "--json"]) == 0
    from_yaml = capsys.readouterr()
    assert from_yaml.err == ""
    code = main(["match", "--query", query, *paths, "--rules", str(REPO / "rules"), "--json"])
    from_query = capsys.readouterr()
    assert code == 0 and from_query.err == ""
    assert from_query.out == from_yaml.out
    lines = [json.loads(line) for line in from_query.out.splitlines()]
    assert len(lines) == len(paths)
    matched = [line for line in lines if line["matches"]]
    assert matched, "the query matched none of the files"
    assert {(m["topic"], m["rule"]) for line in matched for m in line["matches"]} == {
        ("query", "query")
    }
