"""`links:`: a rule refused by the article's link, checked after its terms held."""

from __future__ import annotations

from bot.article import Article
from bot.rules import RuleBook, compile_rules
from bot.rules.examples import run_tests

SETS = "sets:\n  opinion_links: ['/opinion/', '/editorial/']\n  more: ['@opinion_links', blogs]\n"


def _compiled(rules: str, sets: str = SETS) -> tuple[RuleBook, list[str]]:
    book, problems = compile_rules({"rules/_sets.yaml": sets, "rules/t.yaml": rules})
    return book, [f"{p.path}:{p.line}:{p.column}: {p.message}" for p in problems]


def _book(links: str) -> RuleBook:
    book, problems = _compiled(f"rules:\n  - name: r\n    all: [oil]\n    links: {links}\n")
    assert problems == []
    return book


def _matches(book: RuleBook, link: str | None, title: str = "Oil jumps") -> bool:
    return bool(book.match(Article(id="x", title=title, link=link)))


def test_none_refuses_a_link_holding_a_pattern_case_insensitively() -> None:
    book = _book("{none: ['/opinion/', '/commentary/']}")
    assert _matches(book, "https://thehill.com/policy/5133498-oil/")
    assert not _matches(book, "https://thehill.com/Opinion/5133498-oil/")
    assert not _matches(book, "https://x.test/markets/commentary/oil")
    assert _matches(book, "https://x.test/markets/commentary-oil")  # not the segment
    assert _matches(book, None)  # no link: nothing to refuse
    assert not _matches(book, "https://thehill.com/policy/", title="gold")  # terms first


def test_any_wants_a_link_holding_a_pattern() -> None:
    book = _book("{any: ['^https://www\\.reuters\\.com/'], none: [/opinion/]}")
    assert _matches(book, "https://www.reuters.com/markets/oil")
    assert not _matches(book, "https://www.reuters.com/opinion/oil")
    assert not _matches(book, "https://example.com/markets/oil")
    assert not _matches(book, None)


def test_sets_of_link_patterns_from_a_sets_file() -> None:
    book = _book("{none: ['@more']}")
    assert not _matches(book, "https://x.test/editorial/oil")
    assert not _matches(book, "https://blogs.x.test/oil")
    assert _matches(book, "https://x.test/news/oil")


def test_rules_without_links_keep_their_matches() -> None:
    book, _ = _compiled(
        "rules:\n  - name: plain\n    all: [oil]\n"
        "  - name: news\n    all: [oil]\n    links: {none: [/opinion/]}\n"
    )
    found = book.match(Article(id="x", title="oil", link="https://x.test/opinion/a"))
    assert [m.rule for m in found] == ["plain"]


def test_refused_by_link_says_which_rule_and_why() -> None:
    book = _book("{none: ['@opinion_links']}")
    opinion = Article(id="x", title="Oil jumps", link="https://x.test/opinion/a")
    [(rule, reason)] = book.refused_by_link(opinion)
    assert rule.name == "r"
    assert reason == "link matches `links: none` pattern '/opinion/'"
    assert (
        book.refused_by_link(Article(id="y", title="Gold", link="https://x.test/opinion/a")) == []
    )


def test_bad_links_are_reported_where_written() -> None:
    _, problems = _compiled(
        "rules:\n"
        "  - name: r\n"
        "    all: [oil]\n"
        "    links: {none: ['(unclosed'], some: [x]}\n"
        "  - name: s\n"
        "    all: [oil]\n"
        "    links: {none: ['@missing', '@@hormuz']}\n"
        "  - name: u\n"
        "    all: [oil]\n"
        "    links: {}\n"
        "  - name: v\n"
        "    all: [oil]\n"
        "    links: {any: []}\n"
        "  - name: w\n"
        "    all: [oil]\n"
        "    links: {none: ['\\pL{100}\\pL{100}']}\n"
    )
    assert problems[0].startswith("rules/t.yaml:4:20: bad link pattern '(unclosed': invalid regex")
    assert problems[1] == "rules/t.yaml:4:34: unknown key 'some' in `links`"
    # A rule with a problem of its own still has its unknown sets told.
    assert problems[2] == "rules/t.yaml:7:20: unknown set '@missing'"
    assert problems[3] == (
        "rules/t.yaml:7:32: bad set reference '@@hormuz' in `links`: `@` then a set name"
    )
    assert problems[4] == "rules/t.yaml:10:12: `links` needs `any:` or `none:` (or both)"
    assert problems[5] == "rules/t.yaml:13:18: `links.any` must not be empty"
    assert "is too costly" in problems[6] and problems[6].startswith("rules/t.yaml:16:20: ")
    assert len(problems) == 7


def test_an_unknown_set_in_links_of_a_good_file_is_reported() -> None:
    _, problems = _compiled("rules:\n  - name: r\n    all: [oil]\n    links: {none: ['@opinon']}\n")
    assert problems == ["rules/t.yaml:4:20: unknown set '@opinon' (did you mean 'opinion_links'?)"]


def test_a_set_of_link_patterns_holding_a_bad_one_is_reported_at_the_reference() -> None:
    sets = "sets:\n  odd: ['?opinion']\n"
    _, problems = _compiled(
        "rules:\n  - name: r\n    all: [oil]\n    links: {none: ['@odd']}\n", sets
    )
    # `?opinion` is a valid term (the word `opinion`) but no valid link pattern.
    assert len(problems) == 1
    assert problems[0].startswith(
        "rules/t.yaml:4:20: `links` item @odd: its set holds bad link pattern '?opinion'"
    )


def test_examples_carry_a_link() -> None:
    book, problems = _compiled(
        "rules:\n"
        "  - name: r\n"
        "    all: [oil]\n"
        "    links: {none: [/opinion/]}\n"
        "    tests:\n"
        "      match: ['Oil jumps', {title: Oil jumps, link: 'https://x.test/news/a'}]\n"
        "      no_match:\n"
        "        - {title: Oil jumps, link: 'https://x.test/opinion/a'}\n"
        "        - {title: Oil falls, link: 'https://x.test/news/b'}\n"
    )
    assert problems == []
    report = run_tests(book)
    assert report.failed[0].message == (
        "test failed: rule 'r', example 'Oil falls': expected no match: it matched on oil"
    )
    assert (report.passed, len(report.failed)) == (3, 1)


def test_a_failing_match_example_names_the_link_pattern() -> None:
    book, _ = _compiled(
        "rules:\n"
        "  - name: r\n"
        "    all: [oil]\n"
        "    links: {none: [/opinion/]}\n"
        "    tests:\n"
        "      match: [{title: Oil jumps, link: 'https://x.test/opinion/a'}]\n"
    )
    [failed] = run_tests(book).failed
    assert (failed.line, failed.column) == (6, 15)
    assert failed.message.endswith("expected match: link matches `links: none` pattern '/opinion/'")
