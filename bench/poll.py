"""Polling bench: 1,000 small feeds on a local HTTP server in one cycle, then a cycle of 304s.

Run: .venv/bin/python bench/poll.py [--feeds 1000] [--runs 5] [--concurrency 100]
Target (product spec): one cycle of 1,000 feeds under 10 s; a 304 answer costs no parsing.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import multiprocessing.connection
import multiprocessing.synchronize
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sources import fetch
from bot.sources.feeds_config import FeedSpec
from bot.sources.fetch import FeedState, PollResult, make_client, poll_feed
from tests.support.feed_server import FeedServer, Reply, Request, rss

TARGET_SECONDS = 10.0


def _feed_reply(request: Request) -> Reply:
    """A distinct small feed per path, with an ETag so a second poll gets a 304."""
    number = request.path.rsplit("/", 1)[-1]
    items = [
        (
            f"Feed {number}: Russia and OPEC+ talk crude output, story {i}",
            f"https://e.com/{number}/{i}",
        )
        for i in range(10)
    ]
    return Reply(body=rss(items, title=f"Feed {number}"), etag=f'"feed-{number}-v1"')


def _serve(
    port_out: multiprocessing.connection.Connection, stop: multiprocessing.synchronize.Event
) -> None:
    with FeedServer() as server:
        server.fallback = _feed_reply
        port_out.send(server.port)
        stop.wait()


class _ServerProcess:
    """The feed server in its own process, as a real remote server would be."""

    def __init__(self, *, in_process: bool = False) -> None:
        self._in_process = in_process
        self._server: FeedServer | None = None
        self._process: multiprocessing.Process | None = None
        self._stop = multiprocessing.Event()
        self.port = 0

    def url(self, path: str) -> str:
        """The URL of a path on the server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> _ServerProcess:
        if self._in_process:
            self._server = FeedServer().start()
            self._server.fallback = _feed_reply
            self.port = self._server.port
            return self
        receiver, sender = multiprocessing.Pipe(duplex=False)
        self._process = multiprocessing.Process(
            target=_serve, args=(sender, self._stop), daemon=True
        )
        self._process.start()
        self.port = receiver.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop()
        if self._process is not None:
            self._stop.set()
            self._process.join(10)


async def _cycle(
    specs: list[FeedSpec], states: dict[str, FeedState], concurrency: int
) -> tuple[float, list[PollResult]]:
    gate = asyncio.Semaphore(concurrency)
    now = datetime.now(UTC)
    async with make_client(timeout=20.0) as client:

        async def one(spec: FeedSpec) -> PollResult:
            async with gate:
                return await poll_feed(client, spec, states.get(spec.name, FeedState()), now=now)

        started = time.perf_counter()
        results = await asyncio.gather(*(one(spec) for spec in specs))
        return time.perf_counter() - started, results


async def _run(
    server: _ServerProcess, feeds: int, concurrency: int
) -> tuple[float, float, int, int]:
    specs = [FeedSpec(name=f"feed-{n}", url=server.url(f"/feed/{n}")) for n in range(feeds)]
    first_time, first = await _cycle(specs, {}, concurrency)
    bad = [r for r in first if r.status != "ok"]
    if bad:
        raise SystemExit(f"first cycle: {len(bad)} feeds failed, e.g. {bad[0].error}")
    articles = sum(len(r.articles) for r in first)
    states = {r.spec.name: r.state for r in first}

    parses = 0
    real_parse = fetch.parse_feed

    def counting_parse(*args: object, **kwargs: object) -> object:
        nonlocal parses
        parses += 1
        return real_parse(*args, **kwargs)  # type: ignore[arg-type]

    fetch.parse_feed = counting_parse  # type: ignore[assignment]
    try:
        second_time, second = await _cycle(specs, states, concurrency)
    finally:
        fetch.parse_feed = real_parse
    not_modified = sum(r.status == "not_modified" for r in second)
    if not_modified != feeds:
        raise SystemExit(f"second cycle: only {not_modified} of {feeds} answers were 304")
    return first_time, second_time, articles, parses


def main() -> None:
    """Run the bench and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the HTTP server in this process (it then competes for the GIL with the poller)",
    )
    args = parser.parse_args()

    firsts, seconds = [], []
    with _ServerProcess(in_process=args.in_process) as server:
        for run in range(1, args.runs + 1):
            first, second, articles, parses = asyncio.run(
                _run(server, args.feeds, args.concurrency)
            )
            firsts.append(first)
            seconds.append(second)
            print(
                f"run {run}: full cycle {first:.2f} s ({args.feeds} feeds, {articles} articles), "
                f"304 cycle {second:.2f} s ({parses} parses)"
            )
    median_first = statistics.median(firsts)
    verdict = "ok" if median_first < TARGET_SECONDS else "OVER TARGET"
    print(
        f"median of {args.runs}: full cycle {median_first:.2f} s (target < {TARGET_SECONDS:g} s: "
        f"{verdict}), 304 cycle {statistics.median(seconds):.2f} s with no parsing"
    )


if __name__ == "__main__":
    main()
