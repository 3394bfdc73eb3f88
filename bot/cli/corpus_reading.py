"""Reading articles for `match`, `backtest` and `stories`: files, folders and `.tar.gz`
archives (read in place, never unpacked), in order, on one core or a pool of processes."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path, PurePosixPath

from bot.article import Article
from bot.sources import seeds

SEED_SUFFIXES = frozenset(seeds.SEED_SUFFIXES)
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".json"})
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")
# Files handed to a worker at once: large enough to amortise the pickling round trip.
_CHUNK = 64
# A decompressed archive up to this size is held in memory, a larger one in a temporary file.
_SPOOLED_IN_MEMORY = 512 * 1024 * 1024
_COPY_BUFFER = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Item:
    """One article read from a path, or the reason it could not be read."""

    path: str
    article: Article | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """One file to read: a path on disk, or a member of an archive with its bytes."""

    path: str
    data: bytes | None = None  # the member's bytes; None for a file on disk


def is_archive(path: Path) -> bool:
    """Whether the path names a tar archive (`.tar.gz`, `.tgz`, `.tar`)."""
    return path.name.lower().endswith(ARCHIVE_SUFFIXES) and path.is_file()


def article_files(path: Path) -> Iterator[Path]:
    """The path itself, or every seed and feed file under a folder, sorted."""
    if not path.is_dir():
        yield path
        return
    suffixes = SEED_SUFFIXES | FEED_SUFFIXES
    for found in sorted(path.rglob("*")):
        parts = found.relative_to(path).parts
        if _hidden(parts):
            continue
        if found.suffix.lower() in suffixes and found.is_file():
            yield found


def sources(paths: Iterable[Path]) -> Iterator[Source | Item]:
    """What to read under each path, in order; a missing path is an error item."""
    for root in paths:
        if not root.exists():
            yield Item(str(root), None, "no such file or folder")
        elif is_archive(root):
            yield from _archive_members(root)
        else:
            for path in article_files(root):
                yield Source(str(path))


def read_items(paths: Iterable[Path], *, timezone: str = "UTC", jobs: int = 1) -> Iterator[Item]:
    """Every article of the given files, folders and archives, in order; a feed file gives one
    item per entry. With `jobs` > 1 the files are parsed by that many processes."""
    stream = sources(paths)
    if jobs <= 1:
        for found in stream:
            yield from [found] if isinstance(found, Item) else read_source(found, timezone)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: list[Future[list[Item]]] = []  # in reading order, a bounded window
        for chunk in _chunks(stream, _CHUNK):
            pending.append(pool.submit(_read_chunk, chunk, timezone))
            if len(pending) >= jobs * 4:
                yield from pending.pop(0).result()
        for waiting in pending:
            yield from waiting.result()


def read_source(source: Source, timezone: str = "UTC") -> list[Item]:
    """The items of one file on disk or archive member."""
    if source.data is None:
        return list(read_file(Path(source.path), timezone=timezone))
    return list(_read_bytes(source.path, source.data, timezone))


def read_file(path: Path, *, timezone: str = "UTC") -> Iterator[Item]:
    """The articles of one seed or feed file, or one item naming the error."""
    suffix = _kind(path)
    if suffix in SEED_SUFFIXES:
        try:
            yield Item(str(path), seeds.read_seed(path, timezone=timezone))
        except Exception as error:  # one file's failure, whatever it is, is that file's item
            yield Item(str(path), None, seeds.unreadable_because(error))
        return
    if suffix not in FEED_SUFFIXES:
        yield Item(
            str(path), None, f"not a seed (.md) or feed ({', '.join(sorted(FEED_SUFFIXES))})"
        )
        return
    try:
        data = path.read_bytes()
    except OSError as error:
        yield Item(str(path), None, f"cannot read: {error.strerror or error}")
        return
    yield from _feed_items(str(path), path.stem, data)


def _read_bytes(name: str, data: bytes, timezone: str) -> Iterator[Item]:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in SEED_SUFFIXES:
        try:
            yield Item(name, seeds.parse_seed(data, origin=name, timezone=timezone))
        except Exception as error:  # one file's failure, whatever it is, is that file's item
            yield Item(name, None, seeds.unreadable_because(error))
        return
    yield from _feed_items(name, PurePosixPath(name).stem, data)


def _feed_items(name: str, stem: str, data: bytes) -> Iterator[Item]:
    from bot.sources.feeds import FeedParseError, parse_feed

    try:
        parsed = parse_feed(data, source=stem, url=name)
    except FeedParseError as error:
        yield Item(name, None, str(error))
        return
    except Exception as error:  # one file's failure, whatever it is, is that file's item
        yield Item(name, None, " ".join(f"unexpected {type(error).__name__}: {error}".split()))
        return
    for article in parsed.articles:
        yield Item(name, article)
    for skipped in parsed.skipped:
        yield Item(name, None, str(skipped))


def _archive_members(archive: Path) -> Iterator[Source | Item]:
    """The seed and feed files of a tar archive, by member name, as `archive/member`."""
    suffixes = SEED_SUFFIXES | FEED_SUFFIXES
    try:
        with _opened(archive) as tar:
            members = [
                member
                for member in tar.getmembers()
                if member.isfile()
                and PurePosixPath(member.name).suffix.lower() in suffixes
                and not _hidden(PurePosixPath(member.name).parts)
            ]
            for member in sorted(members, key=lambda member: member.name):
                handle = tar.extractfile(member)
                if handle is not None:
                    yield Source(f"{archive}/{member.name}", handle.read())
    except (OSError, tarfile.TarError) as error:
        yield Item(str(archive), None, f"cannot read archive: {error}")


@contextlib.contextmanager
def _opened(archive: Path) -> Iterator[tarfile.TarFile]:
    """The archive, a gzipped one decompressed once into a spooled copy: listing the members
    then reading them in name order would otherwise decompress it twice, seeking back."""
    with archive.open("rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    with tempfile.SpooledTemporaryFile(max_size=_SPOOLED_IN_MEMORY) as spool:
        tar = None
        if gzipped:
            try:
                with gzip.open(archive) as unpacked:
                    shutil.copyfileobj(unpacked, spool, _COPY_BUFFER)
                spool.seek(0)
                tar = tarfile.open(fileobj=spool)  # noqa: SIM115 (closed below)
            except (OSError, EOFError, zlib.error, tarfile.TarError):
                tar = None  # what tarfile says of a damaged archive is the error shown
        with tar or tarfile.open(archive) as opened:
            yield opened


def _read_chunk(chunk: list[Source | Item], timezone: str) -> list[Item]:
    out: list[Item] = []
    for found in chunk:
        out.extend([found] if isinstance(found, Item) else read_source(found, timezone))
    return out


def _chunks(stream: Iterator[Source | Item], size: int) -> Iterator[list[Source | Item]]:
    while chunk := list(islice(stream, size)):
        yield chunk


def _hidden(parts: tuple[str, ...]) -> bool:
    return any(part.startswith((".", "~", "#")) for part in parts)


def _kind(path: Path) -> str:
    """The file's suffix; for a file named on the command line with another suffix (such as
    a seed saved as `.txt`), `.md` or `.xml` by its first bytes."""
    suffix = path.suffix.lower()
    if suffix in SEED_SUFFIXES | FEED_SUFFIXES:
        return suffix
    try:
        with path.open("rb") as handle:
            head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return suffix
    if head.startswith(b"---"):
        return ".md"
    if head.startswith((b"<", b"{")):
        return ".xml"
    return suffix


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
