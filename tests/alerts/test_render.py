"""The alert renderer: valid Telegram HTML, everything escaped, never over 4096 characters."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts import MAX_MESSAGE, alert_for, render_html, render_text, visible_length
from bot.article import Article
from bot.rules import Match, Topic

ROOT = Path(__file__).resolve().parents[2]

TELEGRAM_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
}
TOPICS = {
    "oil": Topic("oil", "Oil", "Crude and products", "🛢", "rules/oil.yaml"),
    "gold": Topic("gold", "Gold <& silver>", "Metals", "🥇", "rules/gold.yaml"),
}
HOSTILE = [
    "<script>alert(1)</script>",
    "&amp; &lt; & < > \" '",
    "<b>unbalanced <i>tags</b>",
    "</a><a href='javascript:alert(1)'>x",
    "Oil 🛢🔥 👨‍👩‍👧 up",
    "النفط يرتفع \u202e مקור עברית",
    "\x00\x07 control \x1b[31m chars",
    "x" * 10_000,
]


class _TelegramHtml(HTMLParser):
    """Checks what Telegram's parser would: only its tags, properly nested, safe links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in TELEGRAM_TAGS, tag
        if tag == "span":
            assert attrs == [("class", "tg-spoiler")]
        if tag == "a":
            assert len(attrs) == 1 and attrs[0][0] == "href"
            assert (attrs[0][1] or "").startswith(("http://", "https://"))
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _check(message: str) -> str:
    parser = _TelegramHtml()
    parser.feed(message)
    parser.close()
    assert parser.stack == []
    assert visible_length(message) <= MAX_MESSAGE
    assert len(message.encode("utf-16-le")) // 2 < 20_000
    return "".join(parser.text)


def _article(**fields: object) -> Article:
    base: dict[str, object] = {
        "id": "https://example.com/a",
        "title": "Oil jumps",
        "summary": "Crude rose.",
        "link": "https://example.com/a?x=1&y=2",
        "source": "seekalpha",
        "published": datetime(2025, 2, 12, 21, 33, tzinfo=UTC),
        "tickers": frozenset({"USO", "CL1:COM"}),
    }
    base.update(fields)
    return Article(**base)  # type: ignore[arg-type]


MATCHES = [
    Match("oil", "ukraine-crude", "high", "active", ("Ukraine", "$USO")),
    Match("gold", "safe-haven", "normal", "active", ("gold",)),
    Match("oil", "draft", "critical", "test", ("x",)),
]


def test_layout_names_every_topic_and_the_strongest_terms_not_rule_ids() -> None:
    alert = alert_for(_article(), MATCHES, topics={"oil", "gold"}, tickers={"USO"})
    assert alert is not None and alert.priority == "high" and not alert.silent
    message = render_html(alert, TOPICS)
    text = _check(message)
    assert message.startswith("🛢 <b>Oil</b> · 🥇 <b>Gold &lt;&amp; silver&gt;</b>")
    assert '<a href="https://example.com/a?x=1&amp;y=2">Oil jumps</a>' in message
    assert "Seeking Alpha · 2025-02-12 21:33 UTC" in text  # the outlet's name, not its slug
    assert "🔎 Oil: $USO, Ukraine · Gold <& silver>: gold" in text  # one why line
    assert "ukraine-crude" not in text and "safe-haven" not in text  # rule ids: match, /status
    # What the oil topic's entity (crude, in the summary) moves first, then the followed one.
    assert "💹 CL1:COM, CO1:COM, USO, BNO, XLE" in text
    assert "draft" not in text  # status: test rules are never sent


def test_test_rules_alone_give_no_alert_and_low_is_silent() -> None:
    assert alert_for(_article(), MATCHES[2:], topics={"oil"}) is None
    low = alert_for(_article(), [Match("oil", "r", "low", "active", ())], topics={"oil"})
    assert low is not None and low.silent


def test_ticker_only_alert() -> None:
    alert = alert_for(_article(), MATCHES, topics=set(), tickers={"USO", "XOM"})
    assert alert is not None and alert.matches == () and alert.tickers == ("USO",)
    assert "$USO" in _check(render_html(alert, TOPICS))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_everywhere_stays_valid(hostile: str) -> None:
    article = _article(
        title=hostile,
        summary=hostile * 3,
        source=hostile,
        link="javascript:alert(1)" if "script" in hostile else f"https://e.com/{hostile[:50]}",
        tickers=frozenset({hostile[:20], "USO"}),
    )
    topics = {"oil": Topic("oil", hostile, hostile, hostile[:5], "x")}
    matches = [Match("oil", hostile, "high", "active", (hostile, hostile[::-1]))]
    alert = alert_for(article, matches, topics=None)
    assert alert is not None
    text = _check(render_html(alert, topics))
    assert "<script>" not in render_html(alert, topics)
    if hostile.startswith("<script>"):
        assert "<script>" in text  # shown as text, escaped in the markup
    assert render_text(alert, topics)


def test_huge_summary_is_cut_at_a_word_boundary() -> None:
    words = " ".join(f"word{i}" for i in range(3000))
    alert = alert_for(_article(summary=words), MATCHES, topics={"oil"})
    assert alert is not None
    text = _check(render_html(alert, TOPICS))
    summary_line = next(line for line in text.splitlines() if line.startswith("word0"))
    assert summary_line.endswith("…")
    assert summary_line[:-1].split(" ")[-1] in words.split(" ")


@pytest.mark.slow
def test_many_rules_terms_and_tickers_fit() -> None:
    many = [
        Match(
            "oil", f"rule-{i}-" + "r" * 80, "normal", "active", tuple("t" * 90 for _ in range(40))
        )
        for i in range(200)
    ]
    article = _article(tickers=frozenset(f"T{i}" for i in range(500)), summary="s " * 9000)
    alert = alert_for(article, many, topics=None)
    assert alert is not None
    _check(render_html(alert, TOPICS))


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    title=st.text(max_size=600),
    summary=st.text(max_size=6000),
    source=st.text(max_size=100),
    term=st.text(max_size=100),
    link=st.text(max_size=100),
)
def test_any_text_renders_valid_html(
    title: str, summary: str, source: str, term: str, link: str
) -> None:
    article = _article(title=title, summary=summary, source=source, link=link)
    alert = alert_for(article, [Match("oil", term or "r", "low", "active", (term,))], topics=None)
    assert alert is not None
    _check(render_html(alert, TOPICS))


def test_plain_text_for_the_terminal() -> None:
    alert = alert_for(_article(title="A & B <c>"), MATCHES, topics=None)
    assert alert is not None
    text = render_text(alert, TOPICS)
    assert "A & B <c>" in text and "🔗 https://example.com/a?x=1&y=2" in text
    assert "<b>" not in text


def test_tickers_line_is_capped_and_a_terminal_shows_every_grounded_one() -> None:
    tickers = frozenset(f"T{i:02d}" for i in range(17)) | {"USO"}
    matches = [Match("oil", "crude", "high", "active", ("crude", "$T16", "$USO"))]
    alert = alert_for(_article(tickers=tickers), matches, topics=None, tickers={"T03"})
    assert alert is not None
    line = next(line for line in _check(render_html(alert, TOPICS)).splitlines() if "💹" in line)
    # The topic's crude instruments, the chat's own $T03, then three of the article's quotes.
    assert line == "💹 CL1:COM, CO1:COM, USO, BNO, XLE, T03, T00, T01, T02"
    ticker_line = next(
        line for line in render_text(alert, TOPICS).splitlines() if line.startswith("💹")
    )
    assert set(ticker_line.removeprefix("💹 ").split(", ")) >= tickers  # a terminal: all


def test_a_summary_from_the_body_is_plain_text_and_never_just_the_source() -> None:
    body = "**Brent** crude rose 2% on *Monday*, see `the chart`.\n\nseekalpha"
    alert = alert_for(_article(summary="", body=body), MATCHES, topics=None)
    assert alert is not None
    text = render_text(alert, TOPICS)
    assert "Brent crude rose 2% on Monday, see the chart." in text
    assert "**" not in text and "`" not in text

    thin = alert_for(_article(summary="", body="![chart](x)\n\nseekalpha"), MATCHES, topics=None)
    assert thin is not None
    lines = render_text(thin, TOPICS).splitlines()
    assert "seekalpha" not in lines and "chart" not in lines  # no summary line at all
    assert "seekalpha" not in _check(render_html(thin, TOPICS)).splitlines()


def test_terms_read_as_words_not_rule_syntax() -> None:
    matches = [Match("oil", "crude", "high", "active", ("=CPI", "Zelensky*", "=Fed", "Fed"))]
    article = _article(title="Zelenskyy meets CPI team", summary="The Fed and the Fed chair.")
    alert = alert_for(article, matches, topics=None)
    assert alert is not None
    why = next(line for line in render_text(alert, TOPICS).splitlines() if "🔎" in line)
    # Headline terms first, a prefix as the word it matched, =Fed and Fed merged.
    assert why == "🔎 Oil: CPI, Zelenskyy, Fed"
    assert why in _check(render_html(alert, TOPICS))


def test_a_regular_expression_reads_as_the_words_it_matched_and_each_topic_names_one() -> None:
    matches = [
        Match("oil", "supply", "high", "active", ("/^(oil|crude|brent)\\b/", "/force\\s+majeure/")),
        Match("gold", "haven", "normal", "active", ("/force\\s+majeure/",)),
    ]
    article = _article(title="Crude jumps as Libya declares force  majeure", summary="Oil up.")
    alert = alert_for(article, matches, topics=None)
    assert alert is not None
    why = next(line for line in render_text(alert, TOPICS).splitlines() if "🔎" in line)
    # No rule syntax: the headline's own words; gold shows its one term though oil did too.
    assert why == "🔎 Oil: Crude, force majeure · Gold <& silver>: force majeure"


def test_the_sentence_of_the_strongest_term_is_quoted_with_the_term_in_bold() -> None:
    body = (
        "Markets were calm in Asia. Traders said the Strait of Hormuz closure would lift "
        "tanker rates sharply. Nothing else moved."
    )
    matches = [Match("oil", "hormuz", "critical", "active", ("Hormuz",))]
    alert = alert_for(_article(summary="", body=body), matches, topics=None)
    assert alert is not None
    message = render_html(alert, TOPICS)
    assert "Traders said the Strait of <b>Hormuz</b> closure" in message
    # In the summary shown, the term is bolded in place rather than quoted again.
    assert "<blockquote>" not in message
    headline = _article(title="Hormuz closed", summary="Analysts weigh in.", body=body)
    quoted = render_html(alert_for(headline, matches, topics=None), TOPICS)  # type: ignore[arg-type]
    assert (
        "<blockquote>Traders said the Strait of <b>Hormuz</b> closure would lift tanker rates "
        "sharply.</blockquote>" in quoted
    )


def test_a_ticker_only_subscriber_sees_the_articles_real_priority() -> None:
    matches = [Match("oil", "strait", "critical", "active", ("Hormuz",))]
    alert = alert_for(_article(), matches, topics=set(), tickers={"USO"})
    assert alert is not None and alert.matches == ()
    assert alert.priority == "critical" and alert.critical
    assert "🚨 CRITICAL" in _check(render_html(alert, TOPICS))


def test_an_old_article_says_how_old_it_is() -> None:
    alert = alert_for(_article(), MATCHES, topics=None)
    assert alert is not None
    fresh = datetime(2025, 2, 12, 22, 0, tzinfo=UTC)
    assert "ago" not in _check(render_html(alert, TOPICS, now=fresh))
    later = datetime(2025, 2, 15, 23, 0, tzinfo=UTC)
    assert "published 3 days ago" in _check(render_html(alert, TOPICS, now=later))
    assert "published 5 hours ago" in render_text(
        alert, TOPICS, now=datetime(2025, 2, 13, 2, 40, tzinfo=UTC)
    )


def test_source_names_from_the_operator_then_known_outlets() -> None:
    alert = alert_for(_article(source="investing_us"), MATCHES, topics=None)
    assert alert is not None
    assert "Investing.com ·" in _check(render_html(alert, TOPICS))
    named = alert_for(_article(source="bbc-world"), MATCHES, topics=None)
    assert named is not None
    assert "BBC News ·" in render_text(named, TOPICS, sources={"bbc-world": "BBC News"})
    assert "bbc-world ·" in render_text(named, TOPICS)  # unknown and unnamed: as written
    wire = alert_for(_article(source="reuters"), MATCHES, topics=None)
    assert wire is not None
    assert "Reuters ·" in render_text(wire, TOPICS)  # as operators write it in a seed


def test_a_summary_never_starts_with_a_photo_credit_or_byline() -> None:
    credit = "luza studios\n\nASML Holding was already slated to report robust earnings."
    alert = alert_for(_article(summary="", body=credit), MATCHES, topics=None)
    assert alert is not None
    assert "\nASML Holding was already slated" in render_text(alert, TOPICS)
    assert "luza" not in render_text(alert, TOPICS)
    glued = "By Avi SalzmanThe outlook for stocks changes almost every day."
    bylined = alert_for(_article(summary=glued), MATCHES, topics=None)
    assert bylined is not None
    assert "\nThe outlook for stocks changes" in _check(render_html(bylined, TOPICS))
    assert "Salzman" not in render_text(bylined, TOPICS)


def test_a_regex_term_is_quoted_as_re2_reads_it() -> None:
    # `\pL` is RE2 syntax Python's `re` rejects: the alert still quotes where it held, so
    # the renderer reads the pattern the way the matcher did.
    body = "Markets were calm. Brussels readies sanctionsX on Russian crude. Nothing else moved."
    matches = [Match("watch:1", "eu", "normal", "active", (r"/sanction\pL+/",))]
    alert = alert_for(_article(summary="", body=body), matches, topics=None)
    assert alert is not None
    assert "Brussels readies <b>sanctionsX</b> on Russian crude" in render_html(alert, TOPICS)


def test_a_backtracking_prone_regex_is_quoted_at_once(tmp_path: Path) -> None:
    # `(.|.)*~|e` makes a backtracking engine try 2^n ways on every line without a `~`; the
    # renderer must use the linear engine the matcher uses. Run apart: a frozen run is killed.
    script = (
        "from bot.alerts import alert_for, render_html\n"
        "from bot.article import Article\n"
        "from bot.rules import Match\n"
        "body = 'Tankers waited outside the strait for a second day as insurers balked. ' * 4\n"
        "article = Article(id='a', title='Tankers wait', summary='', body=body, link=None)\n"
        "matches = [Match('watch:1', 'evil', 'normal', 'active', ('/(.|.)*~|e/',))]\n"
        "alert = alert_for(article, matches, topics=None)\n"
        "print(render_html(alert, {}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "Tankers wait" in done.stdout
