"""The file watchers of a process: the seed folder, the rule files and feeds.yaml."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path

from bot.runtime.file_events import watch_files
from bot.runtime.seed_intake import SeedIntake
from bot.runtime.supervision import Supervision
from bot.runtime.watch_book import LiveWatches


def file_watchers(
    stop: asyncio.Event,
    *,
    supervision: Supervision,
    watches: LiveWatches,
    seed_intake: SeedIntake,
    rules_dir: Path,
    reload_rules: Callable[[], Awaitable[object]],
    feeds_file: Path,
    reload_feeds: Callable[[], None],
) -> list[Coroutine[object, object, None]]:
    """Follow the watch book and watch the seed folder, the rule files and feeds.yaml until
    `stop`, each kept running by `supervision`."""

    guard = supervision.guard

    async def rules(_changed: set[Path], _deleted: set[Path]) -> None:
        await guard("rule watcher", reload_rules())

    feeds_file = feeds_file.resolve()

    async def feeds(changed: set[Path], deleted: set[Path]) -> None:
        if feeds_file in {path.resolve() for path in changed | deleted}:
            reload_feeds()

    def kept(
        name: str, folder: Path, start: Callable[[], Coroutine[object, object, None]]
    ) -> Coroutine[object, object, None]:
        if not folder.is_dir():
            return start()  # says it does not watch; the periodic rescan still runs
        return supervision.keep_running(name, start, stop)

    running = [
        watches.follow(stop),
        kept(
            "seed watcher",
            seed_intake.folder.folder,
            lambda: seed_intake.watch(stop, guard),
        ),
        kept(
            "rule watcher",
            rules_dir,
            lambda: watch_files(rules_dir, (".yaml", ".yml"), rules, stop),
        ),
    ]
    if feeds_file.parent.is_dir():
        # Not recursive: feeds.yaml usually sits at the top of a checkout (.venv, .git...).
        running.append(
            kept(
                "feeds.yaml watcher",
                feeds_file.parent,
                lambda: watch_files(
                    feeds_file.parent, (feeds_file.name,), feeds, stop, recursive=False
                ),
            )
        )
    return running
