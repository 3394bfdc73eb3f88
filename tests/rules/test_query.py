"""One-line queries: the rule each means, what each matches, and where each error is."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.article import Article
from bot.cli import main
from bot.rules import load_rulebook
from bot.rules.loader import Condition, Group, Near, RuleSpec, SetSpec, Term, parse_file
from bot.rules.query import QueryError, compile_query, parse_query, shared_sets

SETS = """\
sets:
  crude_etfs: [$USO, $UCO]
  crude_words: [crude, oil price*]
  mixed: ["@crude_words", "@crude_etfs"]
"""


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
    found: dict[str, object] = {}
    for key in ("all", "any", "none"):
        conditions = getattr(rule, key)
        if conditions:
            found[key] = [shape(condition) for condition in conditions]
    return found


def error_of(query: str) -> QueryError:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    return caught.value


def sets() -> dict[str, SetSpec]:
    spec, problems = parse_file("_sets.yaml", SETS)
    assert spec is not None and not problems
    return spec.sets


def matches(query: str, title: str, body: str = "", tickers: tuple[str, ...] = ()) -> bool:
    book = compile_query(query, sets())
    article = Article(id="a", title=title, body=body, tickers=frozenset(tickers))
    return [(m.topic, m.rule) for m in book.match(article)] == [("query", "query")]


def test_the_spec_examples_mean_the_spec_yaml() -> None:
    assert rule_shape(parse_query("Ukraine (crude OR $USO) NOT ceasefire")) == {
        "all": ["Ukraine", {"any": ["crude", "$USO"]}, {"none": ["ceasefire"]}]
    }
    assert rule_shape(parse_query("NEAR/5(Putin talks)")) == {
        "all": [{"near": ["Putin", "talks"], "within": 5}]
    }


def test_a_query_is_one_rule_with_the_defaults() -> None:
    rule = parse_query("crude")
    assert (rule.name, rule.priority, rule.status) == ("query", "normal", "active")
    assert rule.fields == ("title", "summary", "body") and rule.sources == ()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a b OR c", {"any": [{"all": ["a", "b"]}, "c"]}),
        ("a OR b c", {"any": ["a", {"all": ["b", "c"]}]}),
        ("a AND b OR c AND d", {"any": [{"all": ["a", "b"]}, {"all": ["c", "d"]}]}),
        ("a b", {"all": ["a", "b"]}),
        ("a AND b", {"all": ["a", "b"]}),
        ("(a OR b) c", {"all": [{"any": ["a", "b"]}, "c"]}),
        ("a (b c) d", {"all": ["a", "b", "c", "d"]}),
        ("a OR (b OR c)", {"any": ["a", "b", "c"]}),
        ("((a))", {"all": ["a"]}),
    ],
)
def test_and_binds_tighter_than_or_and_side_by_side_means_and(
    query: str, expected: dict[str, object]
) -> None:
    assert rule_shape(parse_query(query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a NOT b", {"all": ["a", {"none": ["b"]}]}),
        ("NOT (a OR b) c", {"all": [{"none": ["a", "b"]}, "c"]}),
        ("a (b OR NOT c)", {"all": ["a", {"any": ["b", {"none": ["c"]}]}]}),
        ("a OR NOT b", {"any": ["a", {"none": ["b"]}]}),
        ("a NOT NOT b", {"all": ["a", {"none": [{"none": ["b"]}]}]}),
        ("a NOT (b c)", {"all": ["a", {"none": [{"all": ["b", "c"]}]}]}),
    ],
)
def test_not_nests_as_none(query: str, expected: dict[str, object]) -> None:
    assert rule_shape(parse_query(query)) == expected


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ('"crude oil" Brent', ["crude oil", "Brent"]),
        ('"oil price*"', ["oil price*"]),
        ('"=US" "$USO"', ["=US", "$USO"]),
        ('"AND" "OR NOT"', ["AND", "OR NOT"]),
        ("war and peace or not", ["war", "and", "peace", "or", "not"]),
        ("and", ["and"]),
        ("Near near/5 NEAR", ["Near", "near/5", "NEAR"]),
        (
            "=OPEC+ $CL1:COM sanction* @crude_etfs",
            ["=OPEC+", "$CL1:COM", "sanction*", "@crude_etfs"],
        ),
        (r"/a\/b/ c", [r"/a\/b/", "c"]),
        (r"/\bOPEC\+?\b/", [r"/\bOPEC\+?\b/"]),
        ("“crude oil” Brent", ["crude oil", "Brent"]),
        ("Ukraine(crude)", ["Ukraine", "crude"]),
    ],
)
def test_terms_are_taken_as_written(query: str, terms: list[str]) -> None:
    assert rule_shape(parse_query(query)) == {"all": terms}


def test_near_takes_terms_and_its_number() -> None:
    assert rule_shape(parse_query('NEAR/12(Putin "peace talks" sanction* =EU) oil')) == {
        "all": [{"near": ["Putin", "peace talks", "sanction*", "=EU"], "within": 12}, "oil"]
    }
    assert rule_shape(parse_query("NEAR/50 (a b)")) == {"all": [{"near": ["a", "b"], "within": 50}]}


@pytest.mark.parametrize(
    ("query", "position", "words"),
    [
        ("", 1, "empty query"),
        ("   ", 1, "empty query"),
        ("Ukraine (crude OR $USO", 9, "never closed"),
        ("a ((b) c", 3, "never closed"),
        ("a) b", 2, "no `(`"),
        ('oil "crude price', 5, "quote is never closed"),
        ("oil /crude", 5, "regex is never closed"),
        (r"oil /crude\/", 5, "regex is never closed"),
        ("NEAR/5()", 1, "no terms"),
        ("NEAR/5(Putin)", 1, "one term"),
        ("x NEAR/5 Putin talks", 3, "in parentheses"),
        ("NEAR/0(a b)", 1, "from 1 to 50, not 0"),
        ("NEAR/51(a b)", 1, "from 1 to 50, not 51"),
        ("NEAR/five(a b)", 1, "a number of words"),
        ("NEAR/5(a (b c))", 10, "terms only"),
        ("NEAR/5(a OR b)", 10, "terms only"),
        ("NEAR/5(oil $USO)", 12, "'$USO'"),
        ("NEAR/5(oil /crude/)", 12, "'/crude/'"),
        ("a AND", 3, "`AND` needs something after it"),
        ("a OR", 3, "`OR` needs something after it"),
        ("a AND OR b", 3, "`AND` needs something after it"),
        ("OR a", 1, "`OR` needs something before it"),
        ("(AND a)", 2, "`AND` needs something before it"),
        ("a NOT", 3, "`NOT` needs something after it"),
        ("a ()", 3, "empty parentheses"),
        ("NOT a", 1, "add something to look for"),
        ("NOT a NOT b", 1, "add something to look for"),
        ("NOT a OR NOT b", 1, "add something to look for"),
        ("  (NOT a)", 3, "add something to look for"),
        ("oil oi*", 5, "too short"),
        ("oil && gas", 5, "no words"),
        ('oil ""', 5, "empty quotes"),
        ('oil "&&"', 5, "no words"),
        ("oil /(/", 5, "invalid regex"),
        ("oil /(?=x)/", 5, "invalid regex"),
        ("oil $", 5, "bad ticker"),
        ("oil @Crude", 5, "bad set reference"),
        ("oil /x/i", 8, "space after the closing regex"),
        ('oil "x"y', 8, "space after the closing quote"),
    ],
)
def test_errors_say_what_and_where(query: str, position: int, words: str) -> None:
    error = error_of(query)
    assert (error.position, error.text) == (position, query)
    assert words in error.reason


def test_deep_nesting_is_refused_not_a_crash() -> None:
    assert rule_shape(parse_query("(" * 20 + "a" + ")" * 20)) == {"all": ["a"]}
    error = error_of("x " + "(" * 5000 + "a" + ")" * 5000)
    assert error.position == 23 and "nested too deep" in error.reason
    error = error_of("x " + "NOT " * 5000 + "a")
    assert error.position == 83 and "nested too deep" in error.reason


def test_the_pointer_puts_a_caret_under_the_position() -> None:
    error = error_of("Ukraine (crude OR $USO")
    assert error.pointer() == "  Ukraine (crude OR $USO\n          ^"
    wide = error_of("原油 (crude")  # two wide characters take two columns each
    assert wide.pointer().splitlines()[1] == "  " + " " * 5 + "^"


def test_unknown_sets_and_tickers_in_near_through_a_set_have_positions() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("crude @crude_etf", sets())
    assert caught.value.position == 7
    assert "unknown set '@crude_etf'" in caught.value.reason
    assert "did you mean 'crude_etfs'" in caught.value.reason
    with pytest.raises(QueryError) as caught:
        compile_query("oil NEAR/5(Iran @mixed)", sets())
    assert caught.value.position == 17 and "'$USO'" in caught.value.reason


def test_a_topic_files_own_sets_are_not_visible(tmp_path: Path) -> None:
    (tmp_path / "_sets.yaml").write_text(SETS)
    (tmp_path / "oil.yaml").write_text(
        "sets:\n  own: [Brent]\nrules:\n  - {name: a, any: ['@own']}\n"
    )
    book, problems = load_rulebook(tmp_path)
    assert problems == []
    visible = shared_sets(book)
    assert compile_query("@crude_words", visible).rule_count == 1
    with pytest.raises(QueryError, match="unknown set '@own'"):
        compile_query("@own", visible)


@pytest.mark.parametrize(
    ("query", "title", "expected"),
    [
        ("Iran oil OR gold", "Iran and oil", True),
        ("Iran oil OR gold", "Gold shines", True),
        ("Iran oil OR gold", "Iran talks", False),
        ("Iran (oil OR gold)", "Gold shines", False),
        ("oil NOT Iran", "Oil rises", True),
        ("oil NOT Iran", "Oil rises on Iran", False),
        ("oil OR NOT Iran", "Wheat rises", True),
        ("oil OR NOT Iran", "Wheat rises in Iran", False),
        ("oil (Iran OR NOT Saudi)", "Saudi oil", False),
        ("oil (Iran OR NOT Saudi)", "Saudi and Iran oil", True),
        ("war and peace", "War, peace and trade", True),
        ("war and peace", "War and trade", False),
        ("war AND peace", "War and trade", False),
        ('"oil price*"', "Oil prices jump", True),
        ('"oil price*"', "Oil jumps on price", False),
        ("=US sanctions", "US sanctions", True),
        ("=US sanctions", "us sanctions", False),
        (r"/\d+\/\d+/", "Deal done 24/7", True),
        (r"/\d+\/\d+/", "Deal done 24 7", False),
        ("NEAR/3(Putin talks)", "Putin said talks", True),
        ("NEAR/3(Putin talks)", "Putin said that the talks", False),
        ("@crude_words", "Oil prices climb", True),
    ],
)
def test_what_a_query_matches(query: str, title: str, expected: bool) -> None:
    assert matches(query, title) is expected


def test_tickers_and_sets_of_tickers() -> None:
    assert matches("$USO", "Funds", tickers=("USO",))
    assert matches("@crude_etfs NOT $UCO", "Funds", tickers=("USO",))
    assert not matches("@crude_etfs NOT $UCO", "Funds", tickers=("USO", "UCO"))


def test_match_query_reports_a_bad_query_with_a_caret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "a.md"
    seed.write_text('---\ntitle: "Crude rises"\n---\n\nBody.\n')
    code = main(["match", "--query", "crude (OR Brent", str(seed), "--rules", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.splitlines() == [
        "newsbot: bad query, character 8: `OR` needs something before it",
        "  crude (OR Brent",
        "         ^",
    ]


def test_match_query_reports_the_query_as_topic_and_rule_query(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "_sets.yaml").write_text(SETS)
    # A broken topic file is no business of a query's.
    (rules / "broken.yaml").write_text("rules: [")
    seed = tmp_path / "a.md"
    seed.write_text('---\ntitle: "Oil prices rise as Iran talks stall"\n---\n\nBody.\n')
    query = '@crude_words NOT "Saudi"'
    assert main(["match", "--query", query, str(seed), "--rules", str(rules)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "✔ query/query [normal]: oil price*" in captured.out


def test_match_query_tells_of_a_broken_sets_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "_sets.yaml").write_text("sets:\n  crude_words: [crude, oi*]\n")
    seed = tmp_path / "a.md"
    seed.write_text('---\ntitle: "Crude rises"\n---\n\nBody.\n')
    code = main(["match", "--query", "@crude_words", str(seed), "--rules", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"newsbot: {tmp_path / '_sets.yaml'}:2:24: prefix 'oi*'" in err
    assert "bad query, character 1: unknown set '@crude_words'" in err
