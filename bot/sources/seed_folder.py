"""The seed folder: which seed files are new or changed, read once each, breaks told once."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.article import Article
from bot.control_chars import escape_controls
from bot.sources.seeds import (
    SEED_SUFFIXES,
    SeedProblem,
    read_seed,
    seed_files,
    unreadable_because,
)

log = logging.getLogger(__name__)


class SeedFolder:
    """Reads seed files and remembers what it read, so a rescan reads only what changed."""

    def __init__(self, folder: Path, *, timezone: str) -> None:
        self.folder = folder.resolve()
        self.shown_as = str(folder)
        self._timezone = timezone
        self._reported: dict[Path, str] = {}
        self.read_at: datetime | None = None
        # (mtime, size) of each seed file as last read, so a rescan reads only what changed.
        self._marks: dict[Path, tuple[int, int]] = {}
        # Read but not yet safely ingested (the database may be down): marked once confirmed,
        # so a file read during an outage is read again by the next rescan.
        self._unconfirmed: dict[str, tuple[Path, tuple[int, int]]] = {}

    @property
    def files_known(self) -> int:
        """How many seed files were read (or found broken) so far."""
        return len(self._marks)

    def problems(self) -> list[str]:
        """Each broken seed file and why, for `/status` (a file name's bidi override or
        control shown as `\\uXXXX`, not reversing the status text)."""
        return [
            escape_controls(f"{path.name}: {reason}")
            for path, reason in sorted(self._reported.items())
        ]

    def read_files(self, paths: Iterable[Path]) -> list[Article]:
        """The articles in these seed files, broken ones logged once per reason."""
        articles: list[Article] = []
        problems: list[SeedProblem] = []
        for path in sorted(paths):
            before = _mark(path)
            article: Article | None = None
            try:
                article = read_seed(path, timezone=self._timezone)
            except Exception as error:  # one file's failure, whatever it is, skips that file only
                problem = SeedProblem(path, unreadable_because(error))
            if _mark(path) != before:
                # Changed while being read: still being written. Its next change event (or
                # the rescan, which sees a different mark) reads it again.
                self._marks.pop(path, None)
                continue
            if article is not None:
                articles.append(article)
                self._unconfirmed[article.origin] = (path, before)
                self._reported.pop(path, None)  # fixed: a new break is told again
            else:
                self._marks[path] = before
                problems.append(problem)
        self._report(problems)
        self.read_at = datetime.now(UTC)
        return articles

    def confirm(self, articles: Iterable[Article]) -> None:
        """These articles are in the database: their files count as read."""
        for article in articles:
            found = self._unconfirmed.pop(article.origin, None)
            if found is not None:
                path, mark = found
                self._marks[path] = mark

    def changed_files(self) -> list[Path]:
        """Seed files new or changed since they were last read (deleted ones are forgotten);
        files that are not seeds (other suffixes, symlinks out of the folder) are told once."""
        paths, skipped = seed_files(self.folder)
        self._report(skipped)
        present = set(paths)
        for gone in [path for path in self._marks if path not in present]:
            del self._marks[gone]
            self._reported.pop(gone, None)
        return [path for path in paths if self._marks.get(path) != _mark(path)]

    def visible(self, path: Path) -> bool:
        """Whether a watcher's path is a seed file the rescan would read too: a seed suffix, no
        hidden parts, and inside the folder once links are followed."""
        try:
            parts = path.relative_to(self.folder).parts
            path.resolve().relative_to(self.folder)
        except (ValueError, OSError):
            return False
        return path.suffix.lower() in SEED_SUFFIXES and not any(
            part.startswith((".", "~", "#")) for part in parts
        )

    def _report(self, problems: Sequence[SeedProblem]) -> None:
        for problem in problems:
            if self._reported.get(problem.path) != problem.reason:
                self._reported[problem.path] = problem.reason
                log.warning("skipped seed file %s: %s", problem.path, problem.reason)


def _mark(path: Path) -> tuple[int, int]:
    """What tells a seed file changed: its modification time and size."""
    try:
        stat = path.stat()
    except OSError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)
