"""Regex terms on RE2 sets of bounded cost: any mix of accepted patterns compiles and matches."""

from __future__ import annotations

import re2

from bot.article import Article
from bot.rules.query import compile_queries
from bot.rules.regexes import MAX_COST, RegexFinder, regex_cost, regex_options


def test_a_hundred_patterns_no_single_set_holds_are_each_found() -> None:
    patterns = [f"N{i}x\\pL{{10}}" for i in range(100)]
    whole = re2.Set.SearchSet(regex_options())
    for pattern in patterns:
        whole.Add(pattern)
    try:
        whole.Compile()
    except re2.error:
        pass
    else:
        raise AssertionError("RE2 now holds them in one set: pick costlier patterns")
    finder = RegexFinder(patterns)
    assert finder.set_count > 1
    for i in (0, 41, 99):
        assert finder.find(f"code N{i}xAbcdéfghijk and more") == {i}
    assert finder.find("N7x short") == frozenset()


def test_a_pattern_too_costly_for_any_set_is_still_searched_on_its_own() -> None:
    # Saved before the limit existed: the book compiles and the pattern still matches.
    patterns = [r"\pL{400}", r"a\pL{100}", r"b\pL{100}", r"\bopec\b"]
    assert all(regex_cost(pattern) > MAX_COST for pattern in patterns[:3])
    finder = RegexFinder(patterns)
    assert finder.find("OPEC meets; " + "z" * 400) == {0, 3}
    assert finder.find("a" + "é" * 100) == {1}


def test_a_book_of_queries_of_many_chats_compiles_whatever_they_hold() -> None:
    queries = {(f"watch:{i}", "w"): f"/N{i}x\\pL{{10}}/" for i in range(100)}
    book = compile_queries(queries, {})
    found = book.match(Article(id="a", title="Code N57xAbcdefghijk seen"))
    assert [m.topic for m in found] == ["watch:57"]
