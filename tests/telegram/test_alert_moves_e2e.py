"""The seed's alert through python-telegram-bot and the Bot API double: what moves, grounded."""

from __future__ import annotations

from pathlib import Path

from tests.support.bot_api_double import BotApiDouble
from tests.support.harness import Harness

# The seed ends with Seeking Alpha's footer of S&P 500 funds: none of them is news.
INDEX_FUNDS = {"SP500", "SPY", "VOO", "IVV", "RSP", "SSO", "UPRO", "SH", "SDS", "SPXU"}


async def test_seed_alert_shows_crude_instruments_first_and_no_index_funds(
    api: BotApiDouble, sqlite_url: str, tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    async with Harness(api, sqlite_url, seeds) as bot:
        assert "Subscribed to" in await bot.command(101, "/subscribe oil")
        assert "Subscribed to" in await bot.command(102, "/subscribe $DJT")
        bot.drop_seed()
        assert await bot.scan() == 1
        await bot.until(lambda: bot.alerts_to(101) and bot.alerts_to(102), "both alerts")
    oil = _moves_line(bot.alerts_to(101)[0]["text"])
    assert oil[:3] == ["CL1:COM", "CO1:COM", "USO"]
    assert not INDEX_FUNDS & set(oil)
    assert len(oil) <= 11
    # A chat following the article's $DJT sees it, after nothing its topics would care for.
    follows = _moves_line(bot.alerts_to(102)[0]["text"])
    assert follows[0] == "DJT" and not INDEX_FUNDS & set(follows)
    assert api.violations == 0


def _moves_line(text: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith("💹 "))
    return line.removeprefix("💹 ").split(", ")
