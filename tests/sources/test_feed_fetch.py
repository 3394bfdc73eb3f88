"""Polling feeds over real HTTP on 127.0.0.1: caching, politeness, back-off and hostile servers."""

from __future__ import annotations

import asyncio
import json
import resource
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from bot.sources import fetch
from bot.sources.feeds_config import FeedSpec
from bot.sources.fetch import FeedState, backoff_interval, make_client, poll_feed
from tests.support.feed_server import FeedServer, Reply, gzip_bomb, rss

NOW = datetime(2025, 2, 12, 12, 0, tzinfo=UTC)
FEED = rss(
    [
        ("Russia hits Ukraine oil refinery, $USO up", "https://example.com/news/1?utm_source=rss"),
        ("OPEC+ meets on output", "https://example.com/news/2"),
    ]
)


def spec_for(server: FeedServer, path: str, interval: float = 300.0) -> FeedSpec:
    return FeedSpec(name="test-feed", url=server.url(path), interval=interval)


async def test_first_poll_reads_articles_and_remembers_validators(server, client):
    server.route(
        "/rss", Reply(body=FEED, etag='"v1"', last_modified="Wed, 12 Feb 2025 10:00:00 GMT")
    )
    result = await poll_feed(client, spec_for(server, "/rss"), FeedState(), now=NOW)
    assert result.status == "ok" and result.error is None
    assert result.first_poll is True
    assert [a.title for a in result.articles] == [
        "Russia hits Ukraine oil refinery, $USO up",
        "OPEC+ meets on output",
    ]
    assert result.articles[0].id == "https://example.com/news/1"
    assert result.articles[0].tickers == {"USO"}
    assert result.articles[0].source == "test-feed"
    assert result.state.etag == '"v1"'
    assert result.state.last_modified == "Wed, 12 Feb 2025 10:00:00 GMT"
    assert result.state.polled_ok_before and result.state.last_success == NOW
    assert result.state.next_poll == NOW + timedelta(seconds=300)
    request = server.requests_for("/rss")[0]
    assert request.headers["user-agent"].startswith("newsbot/0.1")
    assert "if-none-match" not in request.headers


async def test_304_costs_no_parsing_and_keeps_state(server, client, monkeypatch):
    server.route(
        "/rss", Reply(body=FEED, etag='"v1"', last_modified="Wed, 12 Feb 2025 10:00:00 GMT")
    )
    first = await poll_feed(client, spec_for(server, "/rss"), FeedState(), now=NOW)

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a 304 must not be parsed")

    monkeypatch.setattr(fetch, "parse_feed", no_parsing)
    later = NOW + timedelta(minutes=5)
    second = await poll_feed(client, spec_for(server, "/rss"), first.state, now=later)
    assert second.status == "not_modified" and second.articles == []
    assert second.first_poll is False
    sent = server.requests_for("/rss")[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Wed, 12 Feb 2025 10:00:00 GMT"
    assert second.state.etag == first.state.etag
    assert second.state.last_modified == first.state.last_modified
    assert second.state.failures == 0 and second.state.polled_ok_before
    assert second.state.next_poll == later + timedelta(seconds=300)


async def test_429_retry_after_seconds_delays_next_poll(server, client):
    server.route("/rss", Reply(status=429, headers={"Retry-After": "3600"}))
    result = await poll_feed(client, spec_for(server, "/rss"), FeedState(), now=NOW)
    assert result.status == "error" and "429" in (result.error or "")
    assert result.state.next_poll is not None
    assert result.state.next_poll >= NOW + timedelta(seconds=3600)
    assert result.state.failing_since == NOW and result.state.failures == 1
    assert not result.state.polled_ok_before


async def test_503_retry_after_http_date(server, client):
    when = datetime.now(UTC) + timedelta(hours=2)
    server.route(
        "/rss", Reply(status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    )
    result = await poll_feed(client, spec_for(server, "/rss"), FeedState())
    assert result.status == "error"
    assert result.state.next_poll is not None
    assert result.state.next_poll >= when - timedelta(seconds=5)


async def test_500s_back_off_grows_then_success_clears_the_streak(server, client):
    server.route("/rss", [Reply(status=500)] * 4 + [Reply(body=FEED)])
    spec = spec_for(server, "/rss", interval=60)
    state, delays = FeedState(), []
    for step in range(4):
        now = NOW + timedelta(hours=step)
        result = await poll_feed(client, spec, state, now=now)
        assert result.status == "error" and result.error == "HTTP 500 Internal Server Error"
        assert result.state.failing_since == NOW  # the start of the streak, not the latest
        delays.append((result.state.next_poll - now).total_seconds())
        state = result.state
    assert state.failures == 4
    assert delays[0] >= 60
    assert delays[3] > delays[1] > 60  # 60 s -> 120 s -> 240 s -> 480 s, each +-20 %
    assert 0.8 * 480 <= delays[3] <= 1.2 * 480
    result = await poll_feed(client, spec, state, now=NOW + timedelta(hours=5))
    assert result.status == "ok" and result.first_poll is True
    assert result.state.failures == 0 and result.state.failing_since is None
    assert result.state.last_error is None


def test_backoff_is_capped_and_never_below_the_interval():
    assert backoff_interval(300, 50) <= 6 * 3600 * 1.2
    assert backoff_interval(12 * 3600, 3) >= 12 * 3600
    assert all(backoff_interval(300, 1) >= 300 for _ in range(100))


async def test_cache_control_and_rss_ttl_raise_the_interval(server, client):
    server.route("/cc", Reply(body=FEED, headers={"Cache-Control": "public, max-age=1800"}))
    server.route("/ttl", Reply(body=rss([("a", "https://e.com/a")], ttl=60)))
    server.route("/huge", Reply(body=FEED, headers={"Cache-Control": "max-age=9999999"}))
    spec = spec_for(server, "/cc")
    cc = await poll_feed(client, spec, FeedState(), now=NOW)
    assert cc.state.next_poll == NOW + timedelta(seconds=1800)
    ttl = await poll_feed(client, spec_for(server, "/ttl"), FeedState(), now=NOW)
    assert ttl.state.next_poll == NOW + timedelta(minutes=60)
    huge = await poll_feed(client, spec_for(server, "/huge"), FeedState(), now=NOW)
    assert huge.state.next_poll == NOW + timedelta(hours=24)


async def test_redirects_followed_up_to_five(server, client):
    server.route("/final", Reply(body=FEED))
    start = server.redirect_chain("/five", 5, "/final")
    result = await poll_feed(client, spec_for(server, start), FeedState(), now=NOW)
    assert result.status == "ok" and len(result.articles) == 2
    assert server.count("/final") == 1


async def test_a_sixth_redirect_is_an_error(server, client):
    server.route("/final", Reply(body=FEED))
    start = server.redirect_chain("/six", 6, "/final")
    result = await poll_feed(client, spec_for(server, start), FeedState(), now=NOW)
    assert result.status == "error"
    assert result.error == "too many redirects (more than 5)"
    assert server.count("/final") == 0


async def test_slow_headers_time_out_without_hanging(server):
    server.route("/slow", Reply(body=FEED, delay=30))
    started = time.monotonic()
    async with make_client(timeout=0.5) as client:
        result = await poll_feed(client, spec_for(server, "/slow"), FeedState(), now=NOW)
    assert result.status == "error" and "timed out" in (result.error or "")
    assert time.monotonic() - started < 5


async def test_dripping_body_hits_the_total_deadline(server):
    def drip():
        yield b'<?xml version="1.0"?><rss version="2.0"><channel>'
        while True:
            yield b" "

    # Each byte arrives well inside the read time-out; only the whole-poll deadline stops it.
    server.route("/drip", Reply(stream=drip, chunk_delay=0.1))
    started = time.monotonic()
    async with make_client(timeout=0.5) as client:
        result = await poll_feed(client, spec_for(server, "/drip"), FeedState(), now=NOW)
    assert result.status == "error" and result.error == "timed out after 1.5s"
    assert time.monotonic() - started < 5


async def test_50_mb_stream_stops_at_the_cap_with_memory_bounded(server, client):
    sent = {"bytes": 0}

    def endless():
        piece = b"<!-- padding -->" * 4096
        for _ in range((50 * 1024 * 1024) // len(piece)):
            sent["bytes"] += len(piece)
            yield piece

    server.route("/big", Reply(stream=endless))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = await poll_feed(client, spec_for(server, "/big"), FeedState(), now=NOW)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.status == "error" and result.error == "body over 5 MB"
    assert sent["bytes"] < 20 * 1024 * 1024  # the server was cut off well before 50 MB
    assert grown_mb < 40


async def test_declared_oversize_is_refused_before_reading(server, client):
    server.route("/len", Reply(stream=lambda: iter([b"x" * 1024]), content_length=60 * 1024 * 1024))
    result = await poll_feed(client, spec_for(server, "/len"), FeedState(), now=NOW)
    assert result.error == "body over 5 MB"


async def test_gzip_body_is_decoded(server, client):
    server.route("/gz", Reply(body=FEED, gzip=True))
    result = await poll_feed(client, spec_for(server, "/gz"), FeedState(), now=NOW)
    assert result.status == "ok" and len(result.articles) == 2
    assert "gzip" in server.requests_for("/gz")[0].headers["accept-encoding"]


async def test_gzip_bomb_is_stopped_at_the_cap(server, client):
    bomb = gzip_bomb(256 * 1024 * 1024)  # 256 MB of zeros in about 250 kB
    assert len(bomb) < 1024 * 1024
    server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    result = await poll_feed(client, spec_for(server, "/bomb"), FeedState(), now=NOW)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.status == "error" and result.error == "body over 5 MB"
    assert time.monotonic() - started < 5
    assert grown_mb < 40


async def test_not_a_feed_is_a_clear_error(server, client):
    server.route("/page", Reply(body=b"<!doctype html><html><body>Hello</body></html>"))
    result = await poll_feed(client, spec_for(server, "/page"), FeedState(), now=NOW)
    assert result.status == "error" and result.error == "not a feed: an HTML page"
    assert result.state.etag is None and not result.state.polled_ok_before


async def test_unreachable_feed_is_an_error_not_a_crash(client):
    spec = FeedSpec(name="down", url="http://127.0.0.1:9/rss")  # discard port: refused
    result = await poll_feed(client, spec, FeedState(), now=NOW)
    assert result.status == "error" and result.error
    assert "\n" not in result.error
    assert result.state.failures == 1


async def test_unresolvable_host_is_an_error_not_a_crash(client):
    spec = FeedSpec(name="nowhere", url="https://feeds.invalid/rss")
    result = await poll_feed(client, spec, FeedState(), now=NOW)
    assert result.status == "error" and result.error
    assert result.state.failing_since == NOW


async def test_parsing_runs_off_the_event_loop(server, client):
    big = rss([(f"Item {i} about crude oil " * 20, f"https://e.com/{i}") for i in range(3000)])
    server.route("/big", Reply(body=big))
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    result = await poll_feed(client, spec_for(server, "/big"), FeedState(), now=NOW)
    elapsed = time.monotonic() - started
    done.set()
    await task
    assert result.status == "ok" and len(result.articles) == 3000
    # The loop kept ticking while feedparser worked in a thread.
    assert ticks >= max(3, int(elapsed / 0.005 * 0.2))


@pytest.mark.parametrize("status", [404, 410])
async def test_client_errors_are_reported_with_status(server, client, status):
    server.route("/gone", Reply(status=status))
    result = await poll_feed(client, spec_for(server, "/gone"), FeedState(), now=NOW)
    assert result.status == "error" and (result.error or "").startswith(f"HTTP {status}")


async def test_make_client_settings():
    async with make_client() as client:
        assert client.max_redirects == 5
        assert client.follow_redirects is True
        assert client.headers["user-agent"] == "newsbot/0.1 (+https://github.com/newsbot)"
        assert client.timeout == httpx.Timeout(20.0)


async def test_billion_laughs_over_http_finishes_quickly(server, client):
    from tests.sources.test_feed_parse import BILLION_LAUGHS

    server.route("/laughs", Reply(body=BILLION_LAUGHS))
    started = time.monotonic()
    result = await poll_feed(client, spec_for(server, "/laughs"), FeedState(), now=NOW)
    assert time.monotonic() - started < 3
    assert result.status == "ok"
    assert all(len(a.title) + len(a.summary) < 1000 for a in result.articles)


BAD_HREF_RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Brent crude oil steadies</title><link>https://example.com/a/1</link></item>
<item><title>Tanker seized off Oman, $USO up</title><link>https://example.com/a/2</link>
<description>&lt;p&gt;See &lt;a href="http://[2001:db8::1/x"&gt;the map&lt;/a&gt;.&lt;/p&gt;
</description></item>
<item><title>OPEC+ meets on output</title><link>https://example.com/a/3</link></item>
</channel></rss>"""


async def test_an_item_with_a_broken_ipv6_link_in_its_html_never_fails_the_feed(server, client):
    server.route("/rss", Reply(body=BAD_HREF_RSS))
    result = await poll_feed(client, spec_for(server, "/rss"), FeedState(), now=NOW)
    assert result.status == "ok" and result.error is None
    assert [a.title for a in result.articles] == [
        "Brent crude oil steadies",
        "Tanker seized off Oman, $USO up",
        "OPEC+ meets on output",
    ]
    assert result.articles[1].tickers == {"USO"}  # the item is read; only the bad link is dropped
    assert result.articles[1].summary == "See the map."


async def test_a_json_feed_dated_year_one_or_linking_a_broken_ipv6_url_never_fails_the_feed(
    server, client
):
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Wire",
        "items": [
            {
                "id": "1",
                "url": "https://example.com/j/1",
                "title": "Dated in year one",
                "date_published": "0001-01-01T00:00:00+01:00",
            },
            {"id": "2", "url": "http://[2001:db8::1/x", "title": "A link that cannot be read"},
            {
                "id": "3",
                "url": "https://example.com/j/3",
                "title": "Crude oil jumps",
                "date_published": "2025-02-12T09:00:00Z",
                "content_html": '<a href="http://[::1">x</a> $USO',
            },
        ],
    }
    server.route(
        "/feed.json",
        Reply(body=json.dumps(document).encode(), headers={"Content-Type": "application/json"}),
    )
    result = await poll_feed(client, spec_for(server, "/feed.json"), FeedState(), now=NOW)
    assert result.status == "ok" and result.error is None
    assert [(a.title, a.link, a.published) for a in result.articles] == [
        ("Dated in year one", "https://example.com/j/1", None),
        ("A link that cannot be read", None, None),
        ("Crude oil jumps", "https://example.com/j/3", datetime(2025, 2, 12, 9, 0, tzinfo=UTC)),
    ]
    assert result.articles[2].tickers == {"USO"}


def _rss_items(items: list[tuple[str, str, str | None]]) -> bytes:
    """An RSS 2.0 document of (title, link, guid) items."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        + (f'<guid isPermaLink="false">{guid}</guid>' if guid else "")
        + "</item>"
        for title, link, guid in items
    )
    return f'<rss version="2.0"><channel><title>Wire</title>{body}</channel></rss>'.encode()


async def test_items_that_share_a_link_are_distinct_articles(server, client):
    shared = "https://example.com/symbol/MSFT/news?source=feed"
    items = [
        (f"Microsoft news {n}", shared, f"https://example.com/MarketCurrent:{n}") for n in range(20)
    ]
    items += [
        ("Microsoft news 3", shared, "https://example.com/MarketCurrent:3"),  # a true copy
        (
            "Earnings call",
            "https://example.com/article/41?utm_source=rss",
            "https://example.com/Article:41",
        ),
    ]
    server.route("/rss", Reply(body=_rss_items(items)))
    result = await poll_feed(client, spec_for(server, "/rss"), FeedState(), now=NOW)
    ids = [article.id for article in result.articles]
    assert len(set(ids[:20])) == 20 and shared not in ids
    assert ids[20] == ids[3]  # the same item twice is one article
    # A link no other item shares still names its article, as before (stored ids stay valid).
    assert ids[21] == "https://example.com/article/41"


async def test_the_updates_of_a_live_blog_are_distinct_articles(server, client):
    blog = "https://example.com/live/blog"
    items = [
        (f"Update {n}: strikes reported", f"{blog}#block-{n}", f"block-{n}") for n in (3, 2, 1)
    ]
    server.route("/rss", Reply(body=_rss_items(items)))
    result = await poll_feed(client, spec_for(server, "/rss"), FeedState(), now=NOW)
    assert [article.id for article in result.articles] == [f"{blog}#block-{n}" for n in (3, 2, 1)]


async def test_items_without_guids_that_share_a_link_are_told_apart_by_title(server, client):
    items = [(title, "https://example.com/", None) for title in ("Oil up", "Gold down", "Oil up")]
    server.route("/rss", Reply(body=_rss_items(items)))
    result = await poll_feed(client, spec_for(server, "/rss"), FeedState(), now=NOW)
    ids = [article.id for article in result.articles]
    assert ids[0] != ids[1] and ids[0] == ids[2]
