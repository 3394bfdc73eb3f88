"""File-system events on a folder, debounced, filtered to the files a stage reads."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import Change, DefaultFilter, awatch

log = logging.getLogger(__name__)

# Editors and careful writers create these beside the real file; they are never articles.
_TEMPORARY_SUFFIXES = (".tmp", ".swp", ".swx", ".part", ".crdownload", "~")


class _FilesOf(DefaultFilter):
    """Changes to visible files with one of the given suffixes."""

    def __init__(self, suffixes: tuple[str, ...]) -> None:
        super().__init__()
        self._suffixes = suffixes

    def __call__(self, change: Change, path: str) -> bool:
        name = Path(path).name
        return (
            super().__call__(change, path)
            and name.endswith(self._suffixes)
            and not name.startswith((".", "~", "#"))
            and not name.endswith(_TEMPORARY_SUFFIXES)
        )


async def watch_files(
    folder: Path,
    suffixes: tuple[str, ...],
    on_change: Callable[[set[Path], set[Path]], Awaitable[None]],
    stop: asyncio.Event,
    *,
    step_ms: int = 30,
    recursive: bool = True,
) -> None:
    """Call `on_change(changed, deleted)` for each debounced batch of changes until stopped.

    A batch is handed over once `step_ms` passed without a new kind of change (at most a
    second after its first change). A file still being written may be read half-way: if it
    does not parse it is read again on its next change, so writers that cannot write a file
    at once should write a temporary name and rename it into place.
    """
    if not folder.is_dir():
        log.warning("not watching %s: no such folder (the periodic rescan still runs)", folder)
        return
    async for changes in awatch(
        folder,
        watch_filter=_FilesOf(suffixes),
        debounce=1000,
        step=step_ms,
        stop_event=stop,
        recursive=recursive,
    ):
        changed = {Path(path) for kind, path in changes if kind != Change.deleted}
        deleted = {Path(path) for kind, path in changes if kind == Change.deleted} - changed
        changed = {path for path in changed if path.is_file()}
        try:
            await on_change(changed, deleted)
        except Exception:  # one bad batch must not stop the watcher
            log.exception("handling changes in %s failed", folder)
