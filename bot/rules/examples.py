"""Run the `tests:` examples of rule files through the compiled engine."""

from __future__ import annotations

from dataclasses import dataclass

from bot.article import Article
from bot.rules.engine import Context, Node, Rule, RuleBook
from bot.rules.loader import Example
from bot.rules.problems import Problem


@dataclass(frozen=True, slots=True)
class TestReport:
    """How many examples passed, and a problem per failing example."""

    passed: int
    failed: list[Problem]


def example_article(example: Example) -> Article:
    """The article an example stands for."""
    return Article(
        id=f"test:{example.line}:{example.column}",
        title=example.title,
        summary=example.summary,
        body=example.body,
        source=example.source,
        link=example.link or None,
        tickers=frozenset(example.tickers),
        origin="tests",
    )


def run_tests(book: RuleBook) -> TestReport:
    """Every example of every compiled rule; a failure names file:line, rule and why."""
    passed = 0
    failed: list[Problem] = []
    for rule in sorted(book.all_rules.values(), key=lambda rule: (rule.path, rule.line)):
        for expected, examples in ((True, rule.spec.match), (False, rule.spec.no_match)):
            for example in examples:
                problem = _check(book, rule, example, expected)
                if problem is None:
                    passed += 1
                else:
                    failed.append(problem)
    return TestReport(passed, failed)


def _check(book: RuleBook, rule: Rule, example: Example, expected: bool) -> Problem | None:
    article = example_article(example)
    ctx = book.analyse(article)
    if rule.status == "disabled":
        # Disabled rules are not in the engine's index; their examples still document them.
        got = rule.holds(ctx)
    else:
        got = any(m.topic == rule.topic and m.rule == rule.name for m in book.match(article))
    if got == expected:
        return None
    why = _why_not(rule, ctx) if expected else _why(rule, ctx)
    verdict = "expected match" if expected else "expected no match"
    return Problem(
        rule.path,
        example.line,
        example.column,
        f"test failed: rule {rule.name!r}, example {example.label}: {verdict}: {why}",
    )


def _why_not(rule: Rule, ctx: Context) -> str:
    """Which condition did not hold, for an example that should have matched."""
    if rule.sources and ctx.article.source.casefold() not in rule.sources:
        return f"source {ctx.article.source!r} is not one of {sorted(rule.sources)}"
    if rule.all is not None:
        for number, item in enumerate(rule.all.items, 1):
            if not item.holds(ctx):
                return f"`all` item {number} `{item.describe()}` did not hold"
    if rule.any is not None and not rule.any.holds(ctx):
        listed = ", ".join(f"`{item.describe()}`" for item in rule.any.items)
        return f"no `any` item held ({listed})"
    if rule.none is not None:
        for number, item in enumerate(rule.none.items, 1):
            if item.holds(ctx):
                return f"`none` item {number} `{item.describe()}` held{_held(item, ctx)}"
    refusal = rule.links.refusal(ctx.article.link) if rule.links is not None else None
    if refusal is not None:
        return refusal
    return "the rule holds on its own; check the engine's index"


def _why(rule: Rule, ctx: Context) -> str:
    """What held, for an example that should not have matched."""
    terms = ", ".join(rule.matched_terms(ctx)) or "(no terms)"
    return f"it matched on {terms}"


def _held(item: Node, ctx: Context) -> str:
    out: list[str] = []
    item.terms(ctx, out)
    return f" (via {', '.join(dict.fromkeys(out))})" if out else ""
