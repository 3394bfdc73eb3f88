"""The seed folder: real seed files parse; broken ones are skipped with the reason."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.sources.seeds import (
    BROKEN_SYMLINK,
    NOT_A_SEED_FILE,
    SYMLINK_OUTSIDE,
    SeedError,
    parse_seed,
    read_seed,
    scan_seeds,
    seed_files,
    seed_paths,
    split_front_matter,
)
from tests.support.databases import CORPUS, corpus_path

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


def test_entities_are_decoded_and_link_falls_back_to_the_source_line() -> None:
    data = _seed(
        'title: "S&amp;P 500 &#39;rallies&#39;"\nsummary: "A &amp; B"\n',
        "See [one](https://a.test/1).\n\n[seekalpha](https://b.test/2?utm_source=x#top)",
    )
    article = parse_seed(data)
    assert article.title == "S&P 500 'rallies'"
    assert article.summary == "A & B"
    assert article.link == "https://b.test/2?utm_source=x#top"
    assert article.id == "https://b.test/2"


def test_an_image_is_never_the_articles_link() -> None:
    data = _seed(
        'title: "Tanker attacked"\n',
        "See the report.\n\n![map](https://example.com/m.png)",
    )
    article = parse_seed(data)
    assert article.link is None and article.id.startswith("sha256:")


def test_a_link_inside_the_text_is_never_the_articles_address() -> None:
    """Two desk notes quoting one quote page are two articles, not one and a copy."""
    quote = '([USO](https://seekingalpha.com/symbol/USO "United States Oil Fund"))'
    first = parse_seed(_seed('title: "OPEC+ agrees deeper cuts"\n', f"Crude up {quote}."))
    second = parse_seed(_seed('title: "US releases crude from the SPR"\n', f"Crude down {quote}"))
    assert first.link is None and second.link is None
    assert first.id != second.id and "USO" in first.tickers
    titled = parse_seed(
        _seed('title: "x"\n', 'Text.\n\n[Reuters](https://example.com/news/1 "Reuters")\n')
    )
    assert titled.link == "https://example.com/news/1"


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
        (b"---\ntitle: open\n---  \n", "not closed"),
        (b"\n---\ntitle: late\n---\nx\n", "no front matter"),
        (b"---\ntitle: x\nbad: [\n---\nx\n", "broken YAML front matter at line 4"),
        (b"x" * (16 * 1024 * 1024 + 1), "over 16 MB"),
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
    (tmp_path / "good.md~").write_bytes(SEED.read_bytes())
    (tmp_path / "notes.txt").write_text("not a seed")
    sub = tmp_path / "nested"
    sub.mkdir()
    (sub / "other.md").write_bytes(_seed('title: "Nested"\n'))
    articles, problems = scan_seeds(tmp_path)
    assert sorted(a.title for a in articles) == sorted([read_seed(SEED).title, "Nested"])
    assert [(p.path.name, p.reason.split(":")[0]) for p in problems] == [
        ("bad.md", "broken YAML front matter at line 3"),
        ("notes.txt", "no front matter"),
    ]


@pytest.mark.parametrize(
    ("date", "reason"),
    [
        ("2025-02-30", "date 2025-02-30 does not exist"),
        ("2025-13-45", "date 2025-13-45 does not exist"),
        ("2025-02-12 25:00:00", "date 2025-02-12 25:00:00 does not exist"),
        ("0001-01-01", "date 0001-01-01 is out of range"),
        ("0001-01-01 00:00:00+05:00", "date 0001-01-01 00:00:00\\+05:00 is out of range"),
        ("9999-12-31T23:00:00-05:00", "date 9999-12-31 23:00:00-05:00 is out of range"),
        ('"2025-02-30 10:00"', "date 2025-02-30 10:00 does not exist"),
        ('"0001-01-01T00:00:00+05:00"', "date 0001-01-01T00:00:00\\+05:00 is out of range"),
        ("9999-12-31 23:59:59", "date 9999-12-31 23:59:59 is out of range"),
    ],
)
def test_a_date_that_does_not_exist_is_a_seed_error_naming_it(date: str, reason: str) -> None:
    with pytest.raises(SeedError, match=f"^{reason}"):
        parse_seed(_seed(f'title: "x"\ndate: {date}\n'), timezone="Asia/Tokyo")


def test_a_date_in_another_format_is_read_undated_and_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed = _seed('title: "x"\ndate: "Feb 12, 2025"\n')
    assert parse_seed(seed, origin="seeds/x.md").published is None
    assert "seeds/x.md: date 'Feb 12, 2025' is neither ISO 8601" in caplog.text


def test_a_feed_style_date_is_read() -> None:
    seed = _seed('title: "x"\ndate: "Wed, 12 Feb 2025 14:30:00 +0100"\n')
    assert parse_seed(seed).published == datetime(2025, 2, 12, 13, 30, tzinfo=UTC)


def test_a_date_in_the_future_is_named(caplog: pytest.LogCaptureFixture) -> None:
    seed = _seed('title: "x"\ndate: 2999-01-01\n')
    assert parse_seed(seed, origin="seeds/x.md").published is not None
    assert "seeds/x.md: date 2999-01-01 is in the future" in caplog.text
    caplog.clear()
    parse_seed(_seed('title: "x"\ndate: 2025-02-12\n'), origin="seeds/y.md")
    assert "future" not in caplog.text


def test_scan_skips_a_seed_with_an_impossible_date_and_reads_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a-bad.md").write_bytes(_seed('title: "Bad"\ndate: 2025-02-30\n'))
    (tmp_path / "b-good.md").write_bytes(_seed('title: "Good"\ndate: 2025-02-12\n'))
    articles, problems = scan_seeds(tmp_path)
    assert [a.title for a in articles] == ["Good"]
    assert [str(problem) for problem in problems] == [
        f"{tmp_path / 'a-bad.md'}: date 2025-02-30 does not exist (day is out of range for month)"
    ]


def test_a_seed_saved_as_txt_or_markdown_is_read(tmp_path: Path) -> None:
    users_seed = CORPUS.parent / "seeds" / "000_062cbf74e09447a5.txt"
    if not users_seed.exists():
        pytest.skip(f"{users_seed} is absent")
    (tmp_path / users_seed.name).write_bytes(users_seed.read_bytes())
    (tmp_path / "late.MARKDOWN").write_bytes(_seed('title: "Late"\n'))
    articles, problems = scan_seeds(tmp_path)
    assert problems == []
    assert sorted(a.title for a in articles) == sorted([read_seed(SEED).title, "Late"])
    assert [path.name for path in seed_paths(tmp_path)] == [users_seed.name, "late.MARKDOWN"]


def test_other_files_in_the_folder_are_reported_not_read(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(_seed('title: "A"\n'))
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "a.md.bak").write_bytes(_seed('title: "Old A"\n'))
    for temporary in (".a.md.swp", "a.md~", "a.md.tmp", "#a.md#", "a.md.part"):
        (tmp_path / temporary).write_bytes(b"\x00")
    paths, skipped = seed_files(tmp_path)
    assert paths == [tmp_path / "a.md"]
    assert [(p.path.name, p.reason) for p in skipped] == [
        ("a.md.bak", NOT_A_SEED_FILE),
        ("report.pdf", NOT_A_SEED_FILE),
    ]
    articles, problems = scan_seeds(tmp_path)
    assert [a.title for a in articles] == ["A"]
    assert problems == skipped


def test_symlinks_out_of_the_seed_folder_are_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    (folder / "sub").mkdir(parents=True)
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.md").write_bytes(_seed('title: "Secret"\n'))
    (folder / "sub" / "real.md").write_bytes(_seed('title: "Real"\n'))
    os.symlink(outside / "secret.md", folder / "secret.md")
    os.symlink(outside, folder / "private")
    os.symlink(tmp_path / "nowhere.md", folder / "gone.md")
    os.symlink(folder / "sub" / "real.md", folder / "alias.md")
    os.symlink(folder / "sub" / "deleted.md", folder / "dangling.md")
    paths, skipped = seed_files(folder)
    assert paths == [folder / "alias.md", folder / "sub" / "real.md"]
    assert [(p.path.name, p.reason) for p in skipped] == [
        ("dangling.md", BROKEN_SYMLINK),
        ("gone.md", SYMLINK_OUTSIDE),
        ("private", SYMLINK_OUTSIDE),
        ("secret.md", SYMLINK_OUTSIDE),
    ]
    articles, _ = scan_seeds(folder)
    assert "Secret" not in {a.title for a in articles}


def test_a_quote_link_in_a_link_title_names_no_ticker(tmp_path: Path) -> None:
    seed = tmp_path / "copper.md"
    seed.write_bytes(
        _seed(
            'title: "Copper ETNs slide"\n',
            '[iPath Copper](https://example.com/a "iPath Copper(<a href='
            "'https://seekingalpha.com/symbol/SM' title='SM Energy Company'>SM</a>) ETN\") "
            "fell, like [JJC](https://seekingalpha.com/symbol/JJC 'JJC <a href="
            '"https://seekingalpha.com/symbol/XOM">XOM</a>\'), see [ref][r] and $CVX.\n\n'
            "[r]: https://seekingalpha.com/symbol/BP "
            '"(https://seekingalpha.com/symbol/SHEL)"\n',
        )
    )
    article = read_seed(seed)
    assert article.tickers == {"JJC", "BP", "CVX"}
    assert article.link is None  # a quote page in the text is not the article's address


@pytest.mark.slow
def test_every_real_seed_format_article_parses() -> None:
    for name in ("seekalpha", "other_sources"):
        articles, problems = scan_seeds(corpus_path(name))
        # The corpus folder's own README.txt is reported like any seed without front matter.
        assert [(p.path.name, p.reason.split(":")[0]) for p in problems] == (
            [("README.txt", "no front matter")] if name == "other_sources" else []
        )
        assert all(a.title and a.id for a in articles)
        assert all("](http" not in a.body for a in articles)


@pytest.mark.slow
def test_real_front_matter_ends_at_the_first_line_that_is_exactly_triple_dash() -> None:
    """Hundreds of real bodies hold `---` rules and a few thumbnails `---` in their URL."""
    for path in sorted(corpus_path("seekalpha").glob("*.md")) + sorted(
        corpus_path("other_sources").rglob("*.md")
    ):
        text = path.read_bytes().decode("utf-8-sig")
        lines = text.split("\n")
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip("\r") == "---")
        front = "".join(line + "\n" for line in lines[1:end])
        body = "\n".join(lines[end + 1 :]).lstrip("\r\n")
        assert split_front_matter(text) == (yaml.safe_load(front) or {}, body), path


@pytest.mark.parametrize(
    ("front", "title", "source", "tickers"),
    [
        (
            'title: "Say \\"hi\\" to C:\\\\ and a/b \\/"',
            'Say "hi" to C:\\ and a/b /',
            "seeds",
            set(),
        ),
        ('title: "Line\\nbreak"', "Line break", "seeds", set()),  # an escape YAML decodes
        ('title: "x"\ncategories:\n  - "benzinga"\ntickers:\n  - "xom"', "x", "benzinga", {"XOM"}),
        ('title: "x"\ncategories:\ntickers:\n  - "xom"', "x", "seeds", {"XOM"}),  # null list
        ('title: "x"\non: "benzinga"\ncategories: "reuters"', "x", "reuters", set()),  # key True
        ('title: "x"\ntitle: "y"', "y", "seeds", set()),  # the last of a repeated key
        ('title: "x" # note', "x", "seeds", set()),  # a comment
        ('title: "x"\n\ncategories: [cnbc]', "x", "cnbc", set()),  # a blank line, a flow list
        ('title: "tab\there"', "tab here", "seeds", set()),
        ("title: 'single'\ncomments: false", "single", "seeds", set()),
    ],
)
def test_front_matter_reads_as_yaml_says(
    front: str, title: str, source: str, tickers: set[str]
) -> None:
    article = parse_seed(f"---\n{front}\n---\nbody\n".encode())
    assert (article.title, article.source, set(article.tickers)) == (title, source, tickers)
    assert split_front_matter(f"---\n{front}\n---\nbody\n")[0] == yaml.safe_load(front)
