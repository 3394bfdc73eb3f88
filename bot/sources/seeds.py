"""The seed folder: markdown articles with YAML front matter, one per `*.md` file."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.article import Article, article_id
from bot.sources.markdown_text import last_link, markdown_to_text
from bot.tickers import structured_tickers, tickers_in_text

log = logging.getLogger(__name__)

# The front matter is split only on lines that are exactly `---` (bodies and thumbnail
# URLs of real seed files contain `---` elsewhere).
_BOUNDARY = re.compile(r"^---\r?$", re.MULTILINE)
MAX_SEED_BYTES = 16 * 1024 * 1024
DEFAULT_SOURCE = "seeds"


class SeedError(Exception):
    """A seed file that cannot be read as an article; the message says why."""


@dataclass(frozen=True, slots=True)
class SeedProblem:
    """A seed file that was skipped, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


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
    meta, body = _split_front_matter(text)
    title = _text_field(meta, "title")
    if not title:
        raise SeedError("front matter has no title")
    summary = _text_field(meta, "summary")
    link = _text_field(meta, "link") or _text_field(meta, "url") or last_link(body)
    source = _first_category(meta.get("categories")) or DEFAULT_SOURCE
    published = _published(meta.get("date"), timezone)
    tickers = tickers_in_text("\n".join((title, summary, body)))
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


def seed_paths(folder: Path) -> Iterator[Path]:
    """Every `*.md` under the folder, sorted, leaving out hidden and editor temp files."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*.md")):
        relative = path.relative_to(folder).parts
        if any(part.startswith((".", "~", "#")) for part in relative) or not path.is_file():
            continue
        yield path


def scan_seeds(folder: Path, *, timezone: str = "UTC") -> tuple[list[Article], list[SeedProblem]]:
    """Every readable article in the folder, and the files skipped with their reasons."""
    articles: list[Article] = []
    problems: list[SeedProblem] = []
    for path in seed_paths(folder):
        try:
            articles.append(read_seed(path, timezone=timezone))
        except SeedError as error:
            problems.append(SeedProblem(path, str(error)))
    return articles, problems


def _split_front_matter(text: str) -> tuple[dict[str, object], str]:
    lines = text.split("\n", 1)
    if _BOUNDARY.fullmatch(lines[0]) is None:
        raise SeedError("no front matter: the file must start with a line '---'")
    rest = lines[1] if len(lines) > 1 else ""
    end = _BOUNDARY.search(rest)
    if end is None:
        raise SeedError("front matter is not closed by a line '---'")
    try:
        meta = yaml.safe_load(rest[: end.start()])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SeedError(f"broken YAML front matter{where}: {problem}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise SeedError(f"front matter is a {type(meta).__name__}, not a mapping")
    return meta, rest[end.end() :].lstrip("\r\n")


def _text_field(meta: dict[str, object], key: str) -> str:
    value = meta.get(key)
    if value is None or isinstance(value, dict | list):
        return ""
    return html.unescape(str(value)).strip()


def _first_category(value: object) -> str:
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str) and item.strip()), "")
    return value.strip() if isinstance(value, str) else ""


def _published(value: object, timezone: str) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            log.debug("unparseable seed date %r", value)
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)
