"""`newsbot run [--once]`: the bot itself."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from bot.config import Settings
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


def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot until stopped, or for one pass with --once."""
    setup_logging(
        log_format=args.log_format or settings.log_format,
        level=args.log_level or settings.log_level,
        secrets=[settings.token or ""],
    )
    from bot.runtime import Runtime

    runtime = Runtime(settings)
    if not settings.token:
        log.info("no TELEGRAM_BOT_TOKEN: alerts go to this terminal")
    if args.once:
        return asyncio.run(runtime.run_once())
    return asyncio.run(runtime.run_forever())
