"""The crude-oil topic and the seed article that the fleet test and the fleet bench fan out."""

from __future__ import annotations

MARK = "Tanker seized near Hormuz"

RULES = """\
title: Crude oil
description: Crude oil and the geopolitics around it.
emoji: "🛢️"
rules:
  - name: crude
    priority: high
    any: ["crude", "tanker"]
"""

SEED = f"""\
---
title: "{MARK}, crude jumps"
date: "2025-02-12 21:33:29"
link: "https://example.com/news/tanker-hormuz"
---
Crude oil rose after a tanker was seized near the Strait of Hormuz.
"""
