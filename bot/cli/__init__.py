"""The `newsbot` command line: run, check, match, backtest, stories, label."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from bot.cli.guarded_output import guarded_output
from bot.config import ConfigError, Settings, load_settings
from bot.errors import Outage

# Each sub-command lives in its own module exposing `add_arguments(parser)` and
# `execute(args, settings) -> int`; they are imported only when used, so `newsbot check`
# never pays for Telegram or the database.
_COMMANDS = {
    "run": "the bot: scheduler, sources, matching, delivery, Telegram commands",
    "check": "validate rule files and feeds.yaml, run rule tests",
    "match": "print which rules match the given articles and why",
    "backtest": "match a whole corpus; per topic and rule counts, rates and examples",
    "stories": "group articles into stories (one event told by many outlets), as the bot would",
    "label": "label a random, stratified sample of articles in a terminal, for backtest --labels",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    listed = ", ".join(_COMMANDS)
    parser = argparse.ArgumentParser(
        prog="newsbot", description=f"The newsbot command line: {listed}."
    )
    parser.add_argument("--log-format", choices=("text", "json"), default=None)
    parser.add_argument("--log-level", default=None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in _COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        _module(name).add_arguments(command)
    return parser


def _module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"bot.cli.{name}_command")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, read the settings once and run the sub-command."""
    args = build_parser().parse_args(argv)
    overrides = {
        key: getattr(args, key, None)
        for key in Settings.model_fields
        if key != "telegram_bot_token"
    }
    try:
        settings = load_settings(**overrides)
    except ConfigError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return 2
    try:
        with guarded_output():
            return int(_module(args.command).execute(args, settings))
    except (ConfigError, Outage) as error:  # a bad setting, or no database: one line, no trace
        print(f"newsbot: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`newsbot match ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
