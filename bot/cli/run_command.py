"""`newsbot run [--once] [--fleet]`: the bot itself, as one process or a fleet member."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.errors import Outage
from bot.logs import setup_logging

log = logging.getLogger("bot")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The run command's flags (each overrides its setting)."""
    parser.add_argument("--once", action="store_true", help="one pass over every source, then exit")
    parser.add_argument("--database-url", dest="database_url", default=None)
    parser.add_argument("--rules", dest="rules_dir", type=Path, default=None)
    parser.add_argument("--seeds", dest="seeds_dir", type=Path, default=None)
    parser.add_argument("--feeds", dest="feeds_file", type=Path, default=None)
    parser.add_argument("--fleet", dest="fleet", action="store_true", default=None)
    # Also accepted after `run` (`newsbot run --log-format json`); SUPPRESS keeps the value
    # given before `run` when this one is absent.
    parser.add_argument(
        "--log-format", choices=("text", "json"), default=argparse.SUPPRESS, help="text or json"
    )
    parser.add_argument("--log-level", default=argparse.SUPPRESS, help="DEBUG, INFO, WARNING...")


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot until stopped, or for one pass with --once; 1 if it failed."""
    setup_logging(
        log_format=getattr(args, "log_format", None) or settings.log_format,
        level=getattr(args, "log_level", None) or settings.log_level,
        secrets=[settings.token or ""],
    )
    terminal = "no TELEGRAM_BOT_TOKEN: alerts go to this terminal"
    try:
        if settings.fleet and not args.once:
            from bot.drivers.fleet.member import run_fleet

            if not settings.token:
                log.info(terminal)
            return asyncio.run(run_fleet(settings))
        from bot.drivers.single import SingleProcess

        single = SingleProcess(settings)  # opens the database: a bad URL is one line, exit 2
        if not settings.token:
            log.info(terminal)
        if args.once:
            return asyncio.run(single.run_once())
        return asyncio.run(single.run_forever())
    except KeyboardInterrupt:
        return 130
    except (ConfigError, Outage):  # a bad setting, or no database: the caller says it in one line
        raise
    except Exception:  # logged, not printed: the log redacts the token
        log.exception("newsbot run failed")
        return 1
