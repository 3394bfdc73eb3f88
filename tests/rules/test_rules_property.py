"""The compiled engine agrees with a brute-force evaluator on random rules and texts."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import Article
from bot.rules import compile_rules
from tests.support.rules_bruteforce import BruteForce

VOCAB = ["oil", "crude", "gold", "Russia", "Ukraine", "price", "prices", "sanction", "sanctions"]
VOCAB += ["OPEC", "US", "us", "Fed", "fed", "Zürich", "café", "war", "Strait", "Hormuz"]
SEPARATORS = [" ", " ", " ", "-", ", ", "'s ", ". ", "\n", " & ", "  "]
TICKERS = ["USO", "GLD", "XOM", "CL1:COM"]
LINKS = [
    None,
    "https://example.com/world/oil-rises",
    "https://example.com/Opinion/why-oil",
    "https://blog.example.org/editorial/2025/gold",
    "http://x.test/markets/commentary-gold",
]
link_pattern = st.sampled_from(["/opinion/", "/editorial/", "commentary", r"\.org/", "@link_words"])
links = st.fixed_dictionaries(
    {},
    optional={
        "any": st.lists(link_pattern, min_size=1, max_size=2),
        "none": st.lists(link_pattern, min_size=1, max_size=2),
    },
).filter(bool)

word = st.sampled_from(VOCAB)
keyword = st.one_of(
    word,
    st.tuples(word, word).map(" ".join),
    word.filter(lambda w: len(w) >= 4).map(lambda w: w[: max(3, len(w) - 2)] + "*"),
    st.tuples(word, word.filter(lambda w: len(w) >= 3)).map(lambda p: f"{p[0]} {p[1][:3]}*"),
    word.map(lambda w: "=" + w),
)
near_item = st.one_of(keyword, st.just("@words"))
term = st.one_of(
    keyword,
    keyword,
    st.sampled_from(TICKERS).map(lambda t: "$" + t),
    st.sampled_from(["@words", "@mixed"]),
    st.sampled_from(["/oil|gold/", r"/\bus\b/", "/pric/", "/z.rich/"]),
)
near = st.builds(
    lambda items, within: {"near": items, "within": within},
    st.lists(near_item, min_size=1, max_size=3),
    st.integers(1, 6),
)


def _condition(depth: int) -> st.SearchStrategy[object]:
    if depth == 0:
        return st.one_of(term, term, term, near)
    inner = st.lists(_condition(depth - 1), min_size=1, max_size=3)
    return st.one_of(
        term,
        term,
        near,
        inner.map(lambda items: {"all": items}),
        inner.map(lambda items: {"any": items}),
        inner.map(lambda items: {"none": items}),
    )


condition = _condition(2)


@st.composite
def rule(draw: st.DrawFn, index: int) -> dict[str, object]:
    """One random rule."""
    data: dict[str, object] = {"name": f"r{index}"}
    kind = draw(st.sampled_from(["all", "any", "both"]))
    if kind in ("all", "both"):
        data["all"] = draw(st.lists(condition, min_size=1, max_size=3))
    if kind in ("any", "both"):
        data["any"] = draw(st.lists(condition, min_size=1, max_size=3))
    if draw(st.booleans()):
        data["none"] = draw(st.lists(condition, min_size=1, max_size=2))
    if draw(st.integers(0, 3)) == 0:
        data["fields"] = draw(
            st.lists(st.sampled_from(["title", "summary", "body"]), min_size=1, unique=True)
        )
    if draw(st.integers(0, 5)) == 0:
        data["sources"] = draw(st.lists(st.sampled_from(["wire", "Blog"]), min_size=1))
    if draw(st.integers(0, 3)) == 0:
        data["links"] = draw(links)
    data["priority"] = draw(st.sampled_from(["low", "normal", "high", "critical"]))
    data["status"] = draw(st.sampled_from(["active", "active", "test", "disabled"]))
    return data


@st.composite
def rule_files(draw: st.DrawFn) -> dict[str, str]:
    """A `_sets.yaml` and one or two topic files of random rules."""
    files = {
        "rules/_sets.yaml": yaml.safe_dump(
            {
                "sets": {
                    "words": draw(st.lists(keyword, min_size=1, max_size=3)),
                    "mixed": draw(
                        st.lists(
                            st.one_of(term.filter(lambda t: t != "@mixed")), min_size=1, max_size=3
                        )
                    ),
                    "link_words": draw(
                        st.lists(st.sampled_from(["/opinion/", "gold", "/world/"]), min_size=1)
                    ),
                }
            }
        )
    }
    for topic in draw(st.sampled_from([["alpha"], ["alpha", "beta"]])):
        count = draw(st.integers(1, 4))
        rules = [draw(rule(i)) for i in range(count)]
        files[f"rules/{topic}.yaml"] = yaml.safe_dump({"rules": rules}, allow_unicode=True)
    return files


text = st.lists(st.tuples(word, st.sampled_from(SEPARATORS)), max_size=14).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)
article = st.builds(
    lambda title, summary, body, tickers, source, link: Article(
        id="x",
        title=title,
        summary=summary,
        body=body,
        tickers=frozenset(tickers),
        source=source,
        link=link,
    ),
    text,
    text,
    text,
    st.frozensets(st.sampled_from(TICKERS)),
    st.sampled_from(["wire", "blog", "other"]),
    st.sampled_from(LINKS),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_files(), st.lists(article, min_size=1, max_size=4))
def test_engine_agrees_with_brute_force(files: dict[str, str], articles: list[Article]) -> None:
    book, problems = compile_rules(files)
    assert problems == [], problems
    brute = BruteForce(files)
    for item in articles:
        got = [(m.topic, m.rule, m.priority, m.status, m.terms) for m in book.match(item)]
        assert got == brute.match(item), (files, item)
