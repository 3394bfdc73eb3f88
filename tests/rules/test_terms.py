"""One term syntax: parsed once, read the same by rule files, `match` snippets and alerts."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from bot.cli import main
from bot.rules import compile_rules
from bot.rules.loader import term_problem
from bot.rules.terms import (
    RegexTerm,
    SetTerm,
    TermError,
    TickerTerm,
    WordTerm,
    find_term,
    parse_term,
    readable_term,
)
from bot.rules.watches import compile_watches
from bot.sources.seeds import read_seed
from bot.tickers import normalize_symbol


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("$brk.b", TickerTerm("$brk.b", "BRK.B")),
        ("@crude_etfs", SetTerm("@crude_etfs", "crude_etfs")),
        ("/\\bOPEC\\+?\\b/", RegexTerm("/\\bOPEC\\+?\\b/", "\\bOPEC\\+?\\b")),
        ("Crude-Oil", WordTerm("Crude-Oil", ("crude", "oil"), ("Crude", "Oil"), False, False)),
        ("=OPEC+", WordTerm("=OPEC+", ("opec",), ("OPEC",), False, True)),
        ("oil price*", WordTerm("oil price*", ("oil", "price"), ("oil", "price"), True, False)),
        (" Zürich ", WordTerm(" Zürich ", ("zurich",), ("Zurich",), False, False)),
    ],
)
def test_terms_parse_into_their_kinds(text: str, parsed: object) -> None:
    assert parse_term(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  ", "empty term"),
        ("$", "bad ticker '$': `$` then a symbol such as $USO, $CL1:COM or $BRK.B"),
        ("$ USO", "bad ticker '$ USO': `$` then a symbol such as $USO, $CL1:COM or $BRK.B"),
        ("$ÜSO", "bad ticker '$ÜSO': `$` then a symbol such as $USO, $CL1:COM or $BRK.B"),
        ("@Crude", "bad set reference '@Crude': `@` then a set name such as @crude_etfs"),
        ("/x", "bad regex '/x': write it between slashes, such as /\\bOPEC\\+?\\b/"),
        ("oil *", "bad prefix 'oil *': `*` must directly follow a word"),
        ("=Zü*", "prefix 'Zu*' in '=Zü*' is too short: at least 3 characters before `*`"),
        ("&&", "term '&&' has no words (letters or digits) to look for"),
    ],
)
def test_bad_terms_say_why(text: str, message: str) -> None:
    with pytest.raises(TermError) as raised:
        parse_term(text)
    assert str(raised.value) == message
    assert term_problem(text) == message


def test_bad_regex_names_re2() -> None:
    problem = term_problem("/(?=x)/")
    assert problem is not None and problem.startswith("invalid regex /(?=x)/: ")
    assert "RE2 syntax" in problem


@pytest.mark.parametrize(
    ("text", "readable"),
    [
        ("=CPI", "CPI"),
        ("Zelensky*", "Zelensky…"),
        (" $uso ", "$USO"),
        ("@crude_etfs", "@crude_etfs"),
        ("crude oil", "crude oil"),
        ("not a term *", "not a term *"),  # matches from elsewhere are shown as they are
    ],
)
def test_terms_read_as_a_subscriber_reads_them(text: str, readable: str) -> None:
    assert readable_term(text) == readable


@pytest.mark.parametrize(
    ("text", "term", "found"),
    [
        ("President Zelenskyy said", "Zelensky*", "Zelenskyy"),
        ("a sanctions-hit bank", "sanction*", "sanctions"),
        ("The Crude-Oil price", "crude oil", "Crude-Oil"),
        ("toil and oil", "oil", "oil"),
        ("us and US", "=US", "US"),
        ("banks in Zürich and São Paulo", "sao paulo", "São Paulo"),
        ("Tension in Zürich", "zurich*", "Zürich"),
        ("NYSE:BRK.B rose", "$brk.b", "BRK.B"),
        ("OPEC+ met", "/opec\\+/", "OPEC+"),
    ],
)
def test_a_term_is_found_as_the_whole_words_it_matched(text: str, term: str, found: str) -> None:
    span = find_term(text, parse_term(term))
    assert span is not None
    assert text[span[0] : span[1]] == found


def test_a_set_or_an_absent_term_has_no_span() -> None:
    assert find_term("crude oil", parse_term("@crude")) is None
    assert find_term("toil", parse_term("oil")) is None
    assert find_term("Zürich", parse_term("=zurich")) is None


# Every character a symbol may hold beyond letters and digits, each in a real-looking symbol.
SYMBOLS = ["BRK.B", "CL1:COM", "GC=F", "^GSPC", ".SPX", "M&M.NS", "BRK/B", "BF_B", "RDS-A", "7203"]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_one_ticker_syntax_for_articles_rules_and_subscriptions(
    tmp_path: Path, symbol: str
) -> None:
    # /subscribe $SYM reads symbols with bot.tickers.normalize_symbol.
    assert normalize_symbol(symbol.lower()) == symbol
    # A rule file takes `$SYM` (any case) ...
    rules = f"rules:\n  - name: r\n    any: ['${symbol.lower()}', '${symbol}']\n"
    book, problems = compile_rules({"t.yaml": rules})
    assert problems == []
    # ... and it matches an article whose extracted tickers hold the symbol: here from a
    # quote-page link, URL-encoded as Yahoo writes them.
    seed = tmp_path / "a.md"
    link = f"https://finance.yahoo.com/quote/{quote(symbol, safe='')}"
    seed.write_text(f'---\ntitle: "Shares move"\n---\n\n[the quote]({link}) moved.\n')
    article = read_seed(seed)
    assert symbol in article.tickers
    written = tuple(dict.fromkeys((f"${symbol.lower()}", f"${symbol}")))  # `$7203` once
    assert [match.terms for match in book.match(article)] == [written]


@pytest.mark.parametrize("text", ["ÜSO", "-USO", "US O", "A" * 25, "US$", "M&amp;M"])
def test_what_is_no_symbol_is_none_anywhere(text: str) -> None:
    assert normalize_symbol(text) is None
    assert term_problem("$" + text) is not None


SNIPPET_RULES = """\
rules:
  - name: war
    all: [Zelensky*, '=US', zurich]
"""
SNIPPET_ARTICLE = """\
---
title: "Zelenskyy meets US envoys in Zürich"
---

Talks in Zürich.
"""


def test_match_highlights_the_whole_word_a_term_matched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ukraine.yaml").write_text(SNIPPET_RULES)
    seed = tmp_path / "a.md"
    seed.write_text(SNIPPET_ARTICLE)
    assert main(["match", str(seed), "--rules", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "ukraine/war [normal]: Zelensky*, =US, zurich" in out
    assert "Zelensky*: [Zelenskyy] meets US envoys" in out
    assert "=US: Zelenskyy meets [US] envoys" in out
    assert "zurich: Zelenskyy meets US envoys in [Zürich]" in out  # as the article writes it


@pytest.mark.slow
def test_many_watches_parse_each_term_once() -> None:
    # Start-up with 100,000 watches met ~150,000 distinct terms; a cache smaller than that
    # evicted each before its next use, and every term was parsed again and again.
    queries = {(chat, "w"): f"alpha{chat} (beta{chat} OR gamma{chat}*)" for chat in range(4000)}
    parse_term.cache_clear()
    book, bad = compile_watches(queries, {})
    assert not bad and book.rule_count == 4000
    assert parse_term.cache_info().misses == 3 * len(queries)
