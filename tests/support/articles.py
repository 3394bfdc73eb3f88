"""Articles for tests: one factory, so every test builds them alike."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.article import Article

PUBLISHED = datetime(2025, 2, 12, 21, 33, tzinfo=UTC)


def make_article(n: int = 1, **fields: object) -> Article:
    """Article number `n` (its own id and link, a crude-oil title), with fields overridden."""
    values: dict[str, object] = {
        "id": f"https://example.com/news/{n}",
        "title": f"Crude story {n}",
        "link": f"https://example.com/news/{n}",
        "published": PUBLISHED,
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]
