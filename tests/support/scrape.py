"""Reading a bot process's /metrics and /healthz the way Prometheus and Docker do."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def free_port() -> int:
    """A loopback port nobody listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""  # not listening (yet)


def _samples(text: str) -> dict[str, float]:
    """Every sample as `name{label="value",...}` (labels sorted) -> value."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}"] = sample.value
    return found


class Scraper:
    """Reads one bot process's /metrics and /healthz."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    async def metrics(self) -> dict[str, float]:
        status, text = await asyncio.to_thread(_get, f"{self.base}/metrics")
        assert status == 200, text
        return _samples(text)

    async def health(self) -> tuple[int, dict[str, object]]:
        status, text = await asyncio.to_thread(_get, f"{self.base}/healthz")
        return status, (json.loads(text) if text else {})

    async def value_until(self, name: str, wanted: float, timeout: float = 25.0) -> None:
        """Wait until a sample has this value (absent counts as 0)."""
        latest: dict[str, float] = {}

        async def check() -> bool:
            nonlocal latest
            latest = await self.metrics()
            return latest.get(name, 0.0) == wanted

        deadline = asyncio.get_running_loop().time() + timeout
        while not await check():
            if asyncio.get_running_loop().time() > deadline:
                shown = {key: value for key, value in latest.items() if "newsbot" in key}
                raise AssertionError(f"{name} never became {wanted}: {shown}")
            await asyncio.sleep(0.2)
