"""Parsing feed documents: real feeds, feedparser's own odd cases, hostile XML, JSON Feed."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sources.feeds import FeedParseError, parse_feed, parse_feed_bytes

pytestmark = []


def parse(data: bytes, **kwargs: object) -> list:
    return parse_feed_bytes(data, source="test-feed", url="https://example.com/feed", **kwargs)


# --- Real feeds and feedparser's cases (read in place from ../shared/corpus) ------------------


def real_feeds(corpus: Path) -> list[Path]:
    return sorted(p for p in (corpus / "feeds").iterdir() if p.suffix in (".xml", ".rss", ".atom"))


@pytest.mark.corpus
def test_every_real_feed_parses(corpus):
    feeds = real_feeds(corpus)
    assert len(feeds) >= 20
    for path in feeds:
        if "TRUNCATED_INVALID" in path.name:
            continue
        articles = parse(path.read_bytes())
        assert articles, path.name
        for article in articles:
            assert article.id and article.source == "test-feed", path.name
            assert "<" not in article.summary or "&lt;" in path.read_text("latin-1"), path.name
            if article.published is not None:
                assert article.published.tzinfo is UTC


@pytest.mark.corpus
def test_seeking_alpha_sa_symbol_gives_tickers(corpus):
    data = (corpus / "feeds" / "seekingalpha_symbol_MSFT_2017-10-26.xml").read_bytes()
    articles = parse(data)
    assert len(articles) == 30
    assert all("MSFT" in article.tickers for article in articles)
    first = articles[0]
    assert first.title == "Microsoft (MSFT) Q1 2018 Results - Earnings Call Transcript"
    assert first.published == datetime(2017, 10, 27, 1, 54, 10, tzinfo=UTC)
    # An item with many <sa:stock> blocks keeps every symbol, not only the last one.
    assert max(len(article.tickers) for article in articles) > 50


@pytest.mark.corpus
def test_truncated_reuters_response_is_a_clear_error(corpus):
    data = (corpus / "feeds" / "reuters_mostread_2020-03-21_TRUNCATED_INVALID.xml").read_bytes()
    with pytest.raises(FeedParseError, match="ill-formed feed with no entries"):
        parse(data)


@pytest.mark.corpus
def test_reuters_world_news_fields(corpus):
    articles = parse((corpus / "feeds" / "reuters_worldnews_2018-01-30.xml").read_bytes())
    first = articles[0]
    assert first.title.startswith("U.S. general says North Korea")
    assert (first.link and first.id == first.link.split("?")[0].split("#")[0]) or first.id
    assert first.summary and "<" not in first.summary


@pytest.mark.corpus
def test_odd_encodings_decode_to_readable_text(corpus):
    qq = parse((corpus / "feeds" / "qq_news_gb2312.xml").read_bytes())
    assert qq[0].title == "习近平为何如此强调崇尚英雄？"
    latin = parse((corpus / "feeds" / "rss1_iso8859-1.xml").read_bytes())
    assert "Glasfaserförderung" in latin[0].title


@pytest.mark.corpus
def test_feedparser_cases_never_crash(corpus):
    cases = sorted((corpus / "feedparser_cases").rglob("*.xml"))
    assert len(cases) > 100
    outcomes = {"articles": 0, "empty": 0, "error": 0}
    for path in cases:
        try:
            articles = parse(path.read_bytes())
        except FeedParseError as error:
            assert str(error) and "\n" not in str(error), path
            outcomes["error"] += 1
        else:
            outcomes["articles" if articles else "empty"] += 1
    assert outcomes["articles"] > 50


@pytest.mark.corpus
def test_feedparser_illformed_cases_still_yield_entries(corpus):
    folder = corpus / "feedparser_cases" / "illformed"
    cdata = parse((folder / "rss_incomplete_cdata.xml").read_bytes())
    assert cdata
    with pytest.raises(FeedParseError, match=r"empty document|not a feed"):
        parse((folder / "rss_empty_document.xml").read_bytes())
    links = parse((folder / "rss_item_link_corrupted_ampersands.xml").read_bytes())
    assert links[0].link and "a=1&b=2" in links[0].link


@pytest.mark.corpus
def test_safe_doctype_entity_still_expands(corpus):
    path = corpus / "feedparser_cases" / "wellformed" / "rss" / "entity_in_doctype.xml"
    articles = parse(path.read_bytes())
    assert articles[0].id == "tag:example.com,2006-05-04:/blog/"


@pytest.mark.corpus
def test_utf16_and_utf32_cases_parse(corpus):
    folder = corpus / "feedparser_cases" / "encoding"
    for name in ("utf-16le-bom.xml", "utf-16be.xml", "utf-32le.xml"):
        assert parse((folder / name).read_bytes()) == [], name  # empty channels, no error


# --- Fields, HTML and tickers -----------------------------------------------------------------

ITEM = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Markets</title><link>https://example.com/</link><ttl>15</ttl>
<item>
  <title>AT&amp;T &amp; Exxon (NYSE:XOM) slide as S&amp;P falls</title>
  <link>https://example.com/a/1?utm_source=rss&amp;id=7#top</link>
  <guid isPermaLink="false">example-1</guid>
  <pubDate>Wed, 12 Feb 2025 16:33:29 -0500</pubDate>
  <description><![CDATA[<p>Crude <b>rose</b> &amp; gold fell.</p><script>evil()</script>
    <a href="https://seekingalpha.com/symbol/CL1:COM">oil</a> $USO $71.41]]></description>
  <content:encoded><![CDATA[<div>Full <i>story</i> on <a href="/symbol/GLD">gold</a>.
    <style>p{}</style></div>]]></content:encoded>
  <category>NASDAQ:AAPL</category>
  <category>Energy</category>
</item>
</channel></rss>"""


def test_rss_entry_fields_and_tickers():
    feed = parse_feed(ITEM, source="markets", url="https://seekingalpha.com/feed.xml")
    assert feed.ttl == 15 * 60 and feed.title == "Markets"
    (article,) = feed.articles
    assert article.title == "AT&T & Exxon (NYSE:XOM) slide as S&P falls"
    assert article.summary == "Crude rose & gold fell.\noil $USO $71.41"
    assert article.body == "Full story on gold."
    assert article.link == "https://example.com/a/1?utm_source=rss&id=7#top"
    assert article.id == "https://example.com/a/1?id=7"
    assert article.source == "markets"
    assert article.published == datetime(2025, 2, 12, 21, 33, 29, tzinfo=UTC)
    assert article.origin == "https://seekingalpha.com/feed.xml"
    # cashtag, exchange mention, quote link, category; a relative quote link is resolved
    # against the entry link, which is not seekingalpha.com here, so GLD is not a ticker.
    assert article.tickers == {"XOM", "USO", "CL1:COM", "AAPL"}


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-32", "utf-32-be"])
def test_wide_encodings_read_like_utf8(codec):
    data = ITEM.decode().replace('encoding="utf-8"', f'encoding="{codec}"').encode(codec)
    (article,) = parse(data)
    assert article.title == "AT&T & Exxon (NYSE:XOM) slide as S&P falls"


def test_bare_upper_case_words_are_not_tickers():
    data = ITEM.replace(b"(NYSE:XOM)", b"US IT OPEC")
    (article,) = parse(data)
    assert not {"US", "IT", "OPEC"} & article.tickers


def test_atom_entry():
    data = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>World</title><id>urn:x</id>
<updated>2025-02-12T10:00:00Z</updated>
<entry><title type="html">Iran &lt;em&gt;sanctions&lt;/em&gt; widen</title>
<link rel="alternate" href="https://news.example/iran"/><id>urn:entry:1</id>
<updated>2025-02-12T09:00:00+01:00</updated>
<summary type="html">&lt;p&gt;Tankers &amp;amp; insurers&lt;/p&gt;</summary>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>See
<a href="https://finance.yahoo.com/quote/BZ=F">Brent</a></p></div></content>
</entry></feed>"""
    (article,) = parse(data)
    assert article.title == "Iran sanctions widen"
    assert article.summary == "Tankers & insurers"
    assert article.body == "See Brent"
    assert article.published == datetime(2025, 2, 12, 8, 0, tzinfo=UTC)
    assert article.tickers == {"BZ=F"}


def test_entry_without_link_gets_guid_then_hash_identity():
    data = b"""<rss version="2.0"><channel><title>t</title>
<item><title>One</title><guid isPermaLink="false">abc-1</guid></item>
<item><title>Two</title></item></channel></rss>"""
    first, second = parse(data)
    assert first.id == "abc-1"
    assert second.id.startswith("sha256:")
    assert parse(data)[1].id == second.id  # stable across parses


def test_rss_091_and_rdf():
    rss091 = b"""<rss version="0.91"><channel><title>t</title><link>http://e.com</link>
<item><title>Old style</title><link>http://e.com/1</link></item></channel></rss>"""
    assert parse(rss091)[0].title == "Old style"
    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://e.com"><title>t</title></channel>
<item rdf:about="http://e.com/2"><title>RDF item</title><link>http://e.com/2</link></item></rdf:RDF>"""
    assert parse(rdf)[0].title == "RDF item"


def test_empty_but_valid_feed_is_no_articles():
    assert parse(b'<rss version="2.0"><channel><title>quiet</title></channel></rss>') == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty document"),
        (b"   \n", "empty document"),
        (b"<!DOCTYPE html><html><head><title>Hi</title></head><body>x</body></html>", "HTML page"),
        (b"\x00\x01\x02 garbage \xff\xfe", "not a feed"),
        (b"just some words", "not a feed"),
        (b'{"hello": "world"}', "JSON without a JSON Feed version"),
        (b"{not json", "invalid JSON"),
    ],
)
def test_documents_without_a_feed_raise_a_clear_error(data, reason):
    with pytest.raises(FeedParseError, match=reason):
        parse(data)


def test_document_over_the_cap_is_refused():
    with pytest.raises(FeedParseError, match="over 5 MB"):
        parse(b"<rss>" + b" " * (5 * 1024 * 1024) + b"</rss>")


# --- Hostile XML -----------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>laughs</title>
<item><title>Bomb &lol9;</title><description>&lol9;</description><link>http://e.com/1</link></item>
</channel></rss>"""


def test_billion_laughs_does_not_expand():
    started = time.monotonic()
    articles = parse(BILLION_LAUGHS)
    assert time.monotonic() - started < 2
    for article in articles:
        assert len(article.title) + len(article.summary) < 1000
        assert "lollollol" not in article.title + article.summary


def test_billion_laughs_on_one_line_does_not_expand():
    one_line = b"".join(line.strip() for line in BILLION_LAUGHS.splitlines())
    started = time.monotonic()
    articles = parse(one_line)
    assert time.monotonic() - started < 2
    assert all("lollollol" not in a.title + a.summary for a in articles)


def test_billion_laughs_in_utf16_does_not_expand():
    data = BILLION_LAUGHS.replace(
        b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-16"?>'
    )
    articles = parse(data.decode().encode("utf-16"))
    assert all("lollollol" not in a.title + a.summary for a in articles)


def test_linear_entity_blow_up_is_refused():
    big = b"x" * 900
    refs = b"&big;" * 20_000
    data = (
        b'<!DOCTYPE rss [<!ENTITY big "' + big + b'">]><rss version="2.0"><channel><title>t</title>'
        b"<item><title>t</title><description>" + refs + b"</description></item></channel></rss>"
    )
    articles = parse(data)
    assert all(len(a.summary) < 200_000 for a in articles)


def test_external_entities_are_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    for doctype in (
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>',
        f'<!DOCTYPE rss [\n  <!ENTITY xxe SYSTEM "{secret}">\n]>',
        f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>',
        f'<!DOCTYPE rss SYSTEM "file://{secret}">',
    ):
        data = (
            f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>t</title>'
            f"<item><title>x &xxe; y</title><link>http://e.com/1</link></item></channel></rss>"
        ).encode()
        for article in parse(data):
            assert "TOP-SECRET" not in article.title + article.summary + article.body


def test_doctype_comment_trick_is_still_defused():
    data = b"""<?xml version="1.0"?><!-- <rss> --><!DOCTYPE rss [
<!-- ] > -->
<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]><rss version="2.0"><channel><title>t</title>
<item><title>&d;&d;&d;</title></item></channel></rss>"""
    assert all(len(a.title) < 100 for a in parse(data))


# --- JSON Feed -------------------------------------------------------------------------------


def test_json_feed_items():
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Wire",
        "home_page_url": "https://wire.example/",
        "items": [
            {
                "id": "w-1",
                "url": "https://wire.example/story/1?utm_medium=feed",
                "title": "Gold &amp; oil jump after strike",
                "content_html": '<p>Buyers rush to <a href="https://www.cnbc.com/quotes/GC=F">gold</a>'
                " &amp; $GLD.</p><script>x()</script>",
                "summary": "Gold and oil jump",
                "date_published": "2025-02-12T16:33:29-05:00",
                "tags": ["NYSEARCA:USO", "commodities"],
            },
            {
                "id": "w-2",
                "content_text": "No title, plain text <not a tag>",
                "date_modified": "2025-02-12T10:00:00",
            },
            "not an item",
        ],
    }
    articles = parse(json.dumps(document).encode(), content_type="application/feed+json")
    first, second = articles
    assert first.title == "Gold & oil jump after strike"
    assert first.body == "Buyers rush to gold & $GLD."
    assert first.summary == "Gold and oil jump"
    assert first.id == "https://wire.example/story/1"
    assert first.published == datetime(2025, 2, 12, 21, 33, 29, tzinfo=UTC)
    assert first.tickers == {"GC=F", "GLD", "USO"}
    assert second.id == "w-2" and second.title == ""
    assert second.body == "No title, plain text <not a tag>"
    assert second.published == datetime(2025, 2, 12, 10, 0, tzinfo=UTC)


def test_json_feed_version_1_with_bom():
    document = {"version": "https://jsonfeed.org/version/1", "items": [{"id": "1", "title": "t"}]}
    articles = parse(b"\xef\xbb\xbf" + json.dumps(document).encode())
    assert [a.title for a in articles] == ["t"]


def test_deeply_nested_json_is_an_error_not_a_crash():
    with pytest.raises(FeedParseError):
        parse(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(FeedParseError):
        parse(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)


def test_a_json_feed_whose_own_url_is_broken_keeps_its_items_absolute_links():
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "feed_url": "http://[2001:db8::1/feed.json",
        "items": [
            {"id": "1", "url": "https://example.com/a", "title": "Crude oil jumps"},
            {"id": "2", "url": "/relative", "title": "Gold flat"},
        ],
    }
    articles = parse(json.dumps(document).encode())
    assert [(a.id, a.link) for a in articles] == [
        ("https://example.com/a", "https://example.com/a"),
        ("2", None),  # relative to a base that is no URL: no link
    ]
