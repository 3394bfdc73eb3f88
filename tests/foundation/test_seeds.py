"""The seed folder: real seed files parse; broken ones are skipped with the reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sources.seeds import SeedError, parse_seed, read_seed, scan_seeds
from tests.databases import corpus_path

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_062cbf74e09447a5.md"


def test_the_shipped_seed_article() -> None:
    article = read_seed(SEED)
    assert article.title == (
        "Trump, Putin agree to 'start negotiations immediately' over Russia and Ukraine"
    )
    assert sorted(article.tickers) == sorted(
        "CL1:COM DBO DJT IVV OILK RSP SDS SH SP500 SPXU SPY SSO UCO UPRO USL USO VOO".split()
    )
    assert article.source == "seekalpha"
    assert article.published == datetime(2025, 2, 12, 21, 33, 29, tzinfo=UTC)
    assert article.id == (
        "https://seekingalpha.com/news/4407064-"
        "trump-putin-agree-to-start-negotiations-immediately-over-russia-and-ukraine"
    )
    # Links count as their text only: no URL, no link title in the searchable body.
    assert "Trump Media & Technology Group (DJT)" in article.body
    assert "seekingalpha.com" not in article.body
    assert "Crude Oil Futures" not in article.body


def _seed(front: str, body: str = "Body text.") -> bytes:
    return f"---\n{front}---\n\n{body}\n".encode()


def test_naive_dates_take_the_configured_zone() -> None:
    data = _seed('title: "x"\ndate: "2025-02-12 09:00:00"\n')
    article = parse_seed(data, timezone="America/New_York")
    assert article.published == datetime(2025, 2, 12, 14, 0, tzinfo=UTC)


def test_front_matter_splits_only_on_exact_triple_dash() -> None:
    data = _seed(
        'title: "Dashes"\nthumbnail: "https://x.test/a---b.png"\n',
        "Intro\n\n---\n\nAfter a rule ---- and ---x\n",
    )
    article = parse_seed(data)
    assert article.title == "Dashes"
    assert "After a rule" in article.body


def test_entities_are_decoded_and_link_falls_back_to_last_markdown_link() -> None:
    data = _seed(
        'title: "S&amp;P 500 &#39;rallies&#39;"\nsummary: "A &amp; B"\n',
        "See [one](https://a.test/1) and [seekalpha](https://b.test/2?utm_source=x#top)",
    )
    article = parse_seed(data)
    assert article.title == "S&P 500 'rallies'"
    assert article.summary == "A & B"
    assert article.link == "https://b.test/2?utm_source=x#top"
    assert article.id == "https://b.test/2"


def test_an_image_is_never_the_articles_link() -> None:
    data = _seed(
        'title: "Tanker attacked"\n',
        "See [the report](https://example.com/red-sea-attack) and ![map](https://example.com/m.png).",
    )
    assert parse_seed(data).id == "https://example.com/red-sea-attack"


def test_structured_tickers_from_front_matter() -> None:
    article = parse_seed(_seed('title: "x"\ntickers: ["xom", "$cvx"]\nsymbols: "BP, SHEL"\n'))
    assert article.tickers == {"XOM", "CVX", "BP", "SHEL"}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"---\ntitle: [unclosed\n---\nx\n", "broken YAML"),
        (b"---\n- a\n- b\n---\nx\n", "not a mapping"),
        (b"---\nsummary: x\n---\nx\n", "no title"),
        (b"\x00\x01\x02binary", "binary"),
        (b"---\ntitle: caf\xe9\n---\nx\n", "not UTF-8"),
        (b"no front matter at all\n", "no front matter"),
        (b"---\ntitle: open\n", "not closed"),
        (b"---\ntitle: !!python/object/apply:os.system ['true']\n---\nx\n", "broken YAML"),
    ],
)
def test_broken_files_raise_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SeedError, match=reason):
        parse_seed(data)


def test_scan_skips_broken_files_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_bytes(SEED.read_bytes())
    (tmp_path / "bad.md").write_bytes(b"---\ntitle: [\n---\n")
    (tmp_path / ".hidden.md").write_bytes(b"---\ntitle: hidden\n---\n")
    (tmp_path / "notes.txt").write_text("not a seed")
    sub = tmp_path / "nested"
    sub.mkdir()
    (sub / "other.md").write_bytes(_seed('title: "Nested"\n'))
    articles, problems = scan_seeds(tmp_path)
    assert sorted(a.title for a in articles) == sorted([read_seed(SEED).title, "Nested"])
    assert [p.path.name for p in problems] == ["bad.md"]


def test_every_real_seed_format_article_parses() -> None:
    for name in ("seekalpha", "other_sources"):
        articles, problems = scan_seeds(corpus_path(name))
        assert problems == [], problems[:3]
        assert all(a.title and a.id for a in articles)
        assert all("](http" not in a.body for a in articles)
