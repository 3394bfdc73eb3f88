"""The Grafana dashboard and the operations guide name only metrics the bot exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.telemetry.metrics import REGISTRY

DOCS = Path(__file__).resolve().parents[2] / "docs"
_SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def _exported() -> set[str]:
    return {family.name for family in REGISTRY.collect()}


def _family(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def test_every_dashboard_query_reads_an_exported_metric() -> None:
    dashboard = json.loads((DOCS / "grafana-newsbot.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {_family(name) for expr in exprs for name in re.findall(r"newsbot_\w+", expr)}
    assert used and used <= _exported(), used - _exported()


def test_every_exported_metric_is_explained_in_the_operations_guide() -> None:
    guide = (DOCS / "operations.md").read_text()
    missing = {name for name in _exported() if name not in guide}
    assert not missing, missing
