"""The metrics listener as Prometheus and a container health check see it, over real HTTP."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from bot.telemetry.endpoint import MetricsEndpoint
from bot.telemetry.metrics import FEED_POLLS, SINCE_NEW_ITEM


async def test_metrics_health_and_unknown_paths() -> None:
    problems: dict[str, str | None] = {"database": None, "scheduler": None}

    async def health() -> Mapping[str, str | None]:
        return dict(problems)

    endpoint = MetricsEndpoint("127.0.0.1", 0, health)
    await endpoint.start()
    try:
        FEED_POLLS.labels(feed="bbc-world", outcome="ok").inc()
        SINCE_NEW_ITEM.saw_new_item("bbc-world")
        base = f"http://127.0.0.1:{endpoint.port}"
        async with httpx.AsyncClient() as client:
            metrics = await client.get(f"{base}/metrics")
            assert metrics.status_code == 200
            assert 'newsbot_feed_polls_total{feed="bbc-world",outcome="ok"}' in metrics.text
            assert 'newsbot_feed_seconds_since_new_item{feed="bbc-world"}' in metrics.text

            healthy = await client.get(f"{base}/healthz")
            assert healthy.status_code == 200
            assert healthy.json() == {
                "status": "ok",
                "parts": {"database": "ok", "scheduler": "ok"},
            }

            problems["database"] = "OperationalError: connection refused"
            failing = await client.get(f"{base}/healthz")
            assert failing.status_code == 503
            assert failing.json()["parts"]["database"] == "OperationalError: connection refused"

            assert (await client.get(f"{base}/nope")).status_code == 404
            assert (await client.post(f"{base}/metrics")).status_code == 405
    finally:
        await endpoint.stop()


async def test_a_health_check_that_raises_is_unhealthy() -> None:
    async def health() -> Mapping[str, str | None]:
        raise RuntimeError("boom")

    endpoint = MetricsEndpoint("127.0.0.1", 0, health)
    await endpoint.start()
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{endpoint.port}/healthz")
        assert answer.status_code == 503 and "boom" in answer.text
    finally:
        await endpoint.stop()
