"""The seed folder: markdown articles with YAML front matter, one per `.md`, `.markdown` or
`.txt` file."""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from frontmatter.default_handlers import BaseHandler

from bot.article import EARLIEST_PUBLISHED, LATEST_PUBLISHED, Article, article_id, published_utc
from bot.errors import NewsbotError
from bot.sources.markdown_text import markdown_to_text, source_link, without_link_titles
from bot.tickers import structured_tickers, tickers_in_text

log = logging.getLogger(__name__)

MAX_SEED_BYTES = 16 * 1024 * 1024
DEFAULT_SOURCE = "seeds"
# What a seed file may be called: users save markdown from text editors as `.txt` too.
SEED_SUFFIXES = (".md", ".markdown", ".txt")
NOT_A_SEED_FILE = "not a seed file: only .md, .markdown and .txt are read"
SYMLINK_OUTSIDE = "symlink pointing outside the seed folder"
BROKEN_SYMLINK = "symlink pointing nowhere"
# Safe either way; libyaml's loader (when PyYAML was built with it) is ten times faster.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_YEARS = f"years {EARLIEST_PUBLISHED.year} to {LATEST_PUBLISHED.year - 1}"


class SeedError(NewsbotError):
    """A seed file that cannot be read as an article; the message says why."""


def unreadable_because(error: Exception) -> str:
    """Why a seed file could not be read, in one line, whatever the exception (a loop over
    files gives this for the one file and goes on)."""
    if isinstance(error, SeedError):
        return str(error)
    log.debug("seed file failed unexpectedly", exc_info=error)
    return " ".join(f"unexpected {type(error).__name__}: {error}".split())[:300]


@dataclass(frozen=True, slots=True)
class SeedProblem:
    """A seed file that was skipped, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class SeedFrontMatter(BaseHandler):
    """python-frontmatter's YAML handler, strict: the seed format's boundaries and errors."""

    # Only lines that are exactly `---` bound the front matter: bodies and thumbnail URLs of
    # real seed files contain `---` elsewhere.
    FM_BOUNDARY = re.compile(r"^---\r?$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "---"

    def split(self, text: str) -> tuple[str, str]:
        """The front matter and the body of a text whose first line is `---`."""
        first_line, _, rest = text.partition("\n")
        if self.FM_BOUNDARY.fullmatch(first_line) is None:
            raise SeedError("no front matter: the file must start with a line '---'")
        end = self.FM_BOUNDARY.search(rest)
        if end is None:
            raise SeedError("front matter is not closed by a line '---'")
        return rest[: end.start()], rest[end.end() :].lstrip("\r\n")

    def load(self, fm: str, **kwargs: object) -> dict[str, Any]:
        """The front matter as a mapping, loaded safely; raises SeedError naming the problem."""
        simple = simple_front_matter(fm)
        if simple is not None:
            return simple
        try:
            meta = yaml.load(fm, Loader=_SeedLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            # The front matter starts on the file's second line.
            where = f" at line {mark.line + 2}" if mark is not None else ""
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise SeedError(f"broken YAML front matter{where}: {problem}") from None
        if meta is None:
            return {}
        if not isinstance(meta, dict):
            raise SeedError(f"front matter is a {type(meta).__name__}, not a mapping")
        return meta


class _SeedLoader(_SAFE_LOADER):  # type: ignore[valid-type,misc]
    """The safe loader, with a YAML date that names no real day a SeedError saying so."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> date | datetime:
    # An unquoted `2025-02-30` matches YAML's timestamp pattern; building it raises a bare
    # ValueError (or OverflowError) that names neither the value nor the file.
    try:
        value: date | datetime = yaml.constructor.SafeConstructor.construct_yaml_timestamp(
            loader, node
        )
    except (ValueError, OverflowError) as error:
        raise SeedError(f"date {node.value} does not exist ({error})") from None
    return value


_SeedLoader.add_constructor(_YAML_TIMESTAMP, _timestamp)

# The front matter every outlet writes (`key: "text"`, `key: true`, `key:` over `  - "item"`
# lines) read without YAML's node graph, which costs more than the rest of a seed's reading.
# Anything else, however valid, is left to YAML: this only answers where YAML's answer is sure.
# A key YAML reads as text: a name (YAML refuses a key over 1,024 characters).

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,100}")
# Double-quoted text whose only escapes are \" \\ and \/.
_QUOTED = re.compile(r"""[^"\\]*(?:\\["\\/][^"\\]*)*""")
# Keys YAML 1.1 reads as booleans or null rather than text.
_NOT_TEXT_KEYS = frozenset(
    spelled
    for word in ("yes", "no", "true", "false", "on", "off", "null")
    for spelled in (word, word.capitalize(), word.upper())
)
# Characters YAML reads as line breaks, refuses, or treats specially; with any, YAML decides.
# ASCII text is checked with the BMP-only class: `re` tests a class with astral ranges range by
# range.
_NOT_SIMPLE_ASCII = re.compile("[^\x20-\x7e\n]")
_NOT_SIMPLE_CHAR = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff\n]"
)
_ESCAPE = re.compile(r"\\(.)")


def simple_front_matter(front: str) -> dict[str, Any] | None:
    """The mapping YAML gives for front matter in the common simple form, else None."""
    not_simple = _NOT_SIMPLE_ASCII if front.isascii() else _NOT_SIMPLE_CHAR
    if not front or not_simple.search(front):
        return None
    meta: dict[str, Any] = {}
    items: list[str] | None = None  # the list under the last `key:`, while its items follow
    for line in front.splitlines():
        if line.startswith('  - "'):
            item = _quoted(line, 5)
            if item is None or items is None:
                return None
            items.append(item)
            continue
        if items is not None and not items:
            return None  # `key:` with no item is null in YAML: left to it
        key, colon, value = line.partition(":")
        if not colon or key in _NOT_TEXT_KEYS or _KEY.fullmatch(key) is None:
            return None
        if not value:
            items = meta[key] = []
            continue
        items = None
        if value.startswith(' "'):
            text = _quoted(value, 2)
            if text is None:
                return None
            meta[key] = text
        elif value in (" true", " false"):
            meta[key] = value == " true"
        else:
            return None
    if items is not None and not items:
        return None
    return meta


def _quoted(line: str, start: int) -> str | None:
    """The text of a double-quoted scalar from `start` to the line's end, if simple."""
    if not line.endswith('"') or len(line) <= start:
        return None
    inner = line[start:-1]
    if '"' not in inner and "\\" not in inner:
        return inner
    return _ESCAPE.sub(r"\1", inner) if _QUOTED.fullmatch(inner) else None


SEED_FRONT_MATTER = SeedFrontMatter()


def read_seed(path: Path, *, timezone: str = "UTC") -> Article:
    """The article in one seed file; raises SeedError naming the reason."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SeedError(f"cannot read: {error.strerror or error}") from None
    return parse_seed(data, origin=str(path), timezone=timezone)


def parse_seed(data: bytes, *, origin: str = "", timezone: str = "UTC") -> Article:
    """The article in the bytes of a seed file; raises SeedError naming the reason."""
    if len(data) > MAX_SEED_BYTES:
        raise SeedError(f"file over {MAX_SEED_BYTES // (1024 * 1024)} MB")
    if b"\x00" in data:
        raise SeedError("binary content (NUL bytes), not a markdown file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SeedError(f"not UTF-8 text (byte {error.start}: {error.reason})") from None
    meta, body = split_front_matter(text)
    title = _text_field(meta, "title")
    if not title:
        raise SeedError("front matter has no title")
    summary = _text_field(meta, "summary")
    link = _text_field(meta, "link") or _text_field(meta, "url") or source_link(body)
    source = _first_category(meta.get("categories")) or DEFAULT_SOURCE
    published = _published(meta.get("date"), timezone, origin)
    # A link's title attribute is a tooltip, not a link of the article: it names no ticker.
    tickers = tickers_in_text(without_link_titles("\n".join((title, summary, body))))
    for key in ("tickers", "symbols"):
        values = meta.get(key)
        if isinstance(values, list):
            tickers |= structured_tickers(values)
        elif isinstance(values, str):
            tickers |= structured_tickers(values.replace(",", " ").split())
    return Article(
        id=article_id(link=link, guid=None, source=source, title=title, published=published),
        title=title,
        summary=summary,
        body=markdown_to_text(body).strip(),
        link=link,
        source=source,
        published=published,
        tickers=frozenset(tickers),
        origin=origin,
    )


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The front matter mapping and the markdown body of a seed file's text.

    The handler's steps are called here rather than through `frontmatter.parse`, which first
    strips the whole text and turns CRLF into LF (a last line `---  ` would then close the
    front matter) and drops broken or non-mapping front matter without a word.
    """
    if not SEED_FRONT_MATTER.detect(text):
        raise SeedError("no front matter: the file must start with a line '---'")
    front, body = SEED_FRONT_MATTER.split(text)
    return SEED_FRONT_MATTER.load(front), body


def seed_files(folder: Path) -> tuple[list[Path], list[SeedProblem]]:
    """The seed files under the folder, sorted, and the other files there with the reason
    they are not read; hidden and editor temp files are left out without a word."""
    paths: list[Path] = []
    skipped: list[SeedProblem] = []
    if not folder.is_dir():
        return paths, skipped
    root = folder.resolve()
    for directory, subfolders, names in os.walk(folder):
        subfolders[:] = [name for name in subfolders if not _hidden(name)]
        # os.walk lists a symlinked folder but does not enter it: one pointing outside is told.
        linked_folders = [name for name in subfolders if os.path.islink(Path(directory, name))]
        for name in names + linked_folders:
            if _hidden(name):
                continue
            path = Path(directory, name)
            reason = _not_read_because(path, root)
            if reason is None:
                paths.append(path)
            elif reason:
                skipped.append(SeedProblem(path, reason))
    paths.sort()
    skipped.sort(key=lambda problem: problem.path)
    return paths, skipped


def seed_paths(folder: Path) -> Iterator[Path]:
    """Every seed file under the folder, sorted (see `seed_files` for the rest)."""
    yield from seed_files(folder)[0]


def scan_seeds(folder: Path, *, timezone: str = "UTC") -> tuple[list[Article], list[SeedProblem]]:
    """Every readable article in the folder, and the files skipped with their reasons."""
    paths, problems = seed_files(folder)
    articles: list[Article] = []
    for path in paths:
        try:
            articles.append(read_seed(path, timezone=timezone))
        except Exception as error:  # one file's failure, whatever it is, skips that file only
            problems.append(SeedProblem(path, unreadable_because(error)))
    problems.sort(key=lambda problem: problem.path)
    return articles, problems


def _hidden(name: str) -> bool:
    """Hidden files, editor leftovers and files being written (`.x.swp`, `#x#`, `x~`,
    `x.md.tmp`, `x.md.part`): passing states, not files a user put there."""
    return name.startswith((".", "~", "#")) or name.endswith(("~", ".tmp", ".part"))


def _not_read_because(path: Path, root: Path) -> str | None:
    """None for a seed file to read, "" to leave out silently, else the reason it is skipped."""
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            return SYMLINK_OUTSIDE
        if not target.exists():
            return BROKEN_SYMLINK
        if target.is_dir():
            return ""
    if path.suffix.lower() not in SEED_SUFFIXES:
        return NOT_A_SEED_FILE
    return None if path.is_file() else ""


def _text_field(meta: dict[str, object], key: str) -> str:
    value = meta.get(key)
    if value is None or isinstance(value, dict | list):
        return ""
    return html.unescape(str(value)).strip()


def _first_category(value: object) -> str:
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str) and item.strip()), "")
    return value.strip() if isinstance(value, str) else ""


def _published(value: object, timezone: str, origin: str = "") -> datetime | None:
    """The front matter's date in UTC; raises SeedError for a date that names no usable moment."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as error:
            if not str(error).startswith("Invalid isoformat string"):
                raise SeedError(f"date {value.strip()} does not exist ({error})") from None
            rfc_2822 = _rfc_2822(value.strip())
            if rfc_2822 is None:  # the article is still worth reading: it goes in undated
                log.warning(
                    "%s: date %r is neither ISO 8601 (2025-02-12T14:30:00Z) nor RFC 2822 "
                    "(Wed, 12 Feb 2025 14:30:00 +0000); read as undated",
                    origin or "seed",
                    value.strip(),
                )
                return None
            moment = rfc_2822
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    published = published_utc(moment)
    shown = value.strip() if isinstance(value, str) else str(value)
    if published is None:
        raise SeedError(f"date {shown} is out of range ({_YEARS})")
    if published > datetime.now(UTC) + _FUTURE_SLACK:
        log.warning(
            "%s: date %s is in the future; alerts show it as written", origin or "seed", shown
        )
    return published


_FUTURE_SLACK = timedelta(days=1)  # a time zone written wrong is not a date in the future


def _rfc_2822(text: str) -> datetime | None:
    """The moment an RFC 2822 date (as feeds write them) names, or None."""
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
