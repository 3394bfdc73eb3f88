"""`feeds.yaml`: the list of feeds to poll, validated with `path:line` problems."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.durations import parse_duration

MIN_INTERVAL = 30.0
DEFAULT_INTERVAL = 300.0
_ENTRY_KEYS = ("name", "url", "interval", "enabled", "title")
_TOP_KEYS = ("feeds", "sources")

_Problem = Callable[[Node | None, str], None]


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed to poll, as configured."""

    name: str
    url: str
    interval: float = DEFAULT_INTERVAL
    enabled: bool = True
    line: int = 0
    title: str = ""  # the name subscribers read (`BBC News`); the `name` when empty


@dataclass(frozen=True, slots=True)
class FeedsFile:
    """What `feeds.yaml` says: the feeds, the display names of sources, and its problems."""

    feeds: list[FeedSpec] = field(default_factory=list)
    source_names: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def display_names(self) -> dict[str, str]:
        """Source name to the name subscribers read: `sources:`, then each feed's `title`."""
        titled = {spec.name: spec.title for spec in self.feeds if spec.title}
        return {**self.source_names, **titled}


def load_feeds_file(
    path: Path, *, default_interval: float = DEFAULT_INTERVAL
) -> tuple[list[FeedSpec], list[str]]:
    """The valid feeds of a `feeds.yaml` file and one `path:line: message` per problem."""
    found = read_feeds_file(path, default_interval=default_interval)
    return found.feeds, found.problems


def read_feeds_file(path: Path, *, default_interval: float = DEFAULT_INTERVAL) -> FeedsFile:
    """Everything a `feeds.yaml` file says, its problems as `path:line: message`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return FeedsFile(problems=[f"{path}: file not found"])
    except (OSError, UnicodeDecodeError) as error:
        return FeedsFile(problems=[f"{path}: cannot read: {error}"])
    return parse_feeds_config(text, path=str(path), default_interval=default_interval)


def parse_feeds_yaml(
    text: str, *, path: str = "feeds.yaml", default_interval: float = DEFAULT_INTERVAL
) -> tuple[list[FeedSpec], list[str]]:
    """The valid feeds of `feeds.yaml` text and its problems; pure."""
    found = parse_feeds_config(text, path=path, default_interval=default_interval)
    return found.feeds, found.problems


def parse_feeds_config(
    text: str, *, path: str = "feeds.yaml", default_interval: float = DEFAULT_INTERVAL
) -> FeedsFile:
    """Everything `feeds.yaml` text says, and its problems; pure."""
    problems: list[str] = []

    def problem(node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        problems.append(f"{path}:{line}: {message}")

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = " ".join(str(getattr(error, "problem", None) or error).split())
        return FeedsFile(problems=[f"{path}:{line}: YAML syntax error: {reason}"])
    if root is None:
        return FeedsFile(problems=[f"{path}:1: empty file: expected a mapping with a `feeds` list"])
    if not isinstance(root, MappingNode):
        problem(root, "expected a mapping with a `feeds` list")
        return FeedsFile(problems=problems)

    feeds_node: Node | None = None
    names: dict[str, str] = {}
    for key_node, value_node in root.value:
        key = _scalar(key_node)
        if key == "feeds":
            feeds_node = value_node
        elif key == "sources":
            names = _source_names(value_node, problem)
        else:
            problem(key_node, f"unknown key {key!r}{_hint(key, _TOP_KEYS)}")
    if feeds_node is None:
        problem(root, "missing `feeds` (use `feeds: []` for none)")
        return FeedsFile(problems=problems)
    if not isinstance(feeds_node, SequenceNode):
        problem(feeds_node, "`feeds` must be a list of feeds (use `feeds: []` for none)")
        return FeedsFile(problems=problems)

    specs: list[FeedSpec] = []
    first_line: dict[str, int] = {}
    for entry in feeds_node.value:
        spec = _entry(entry, problem, default_interval)
        if spec is None:
            continue
        if spec.name in first_line:
            problem(
                entry, f"duplicate feed name {spec.name!r} (first at line {first_line[spec.name]})"
            )
            continue
        first_line[spec.name] = spec.line
        specs.append(spec)
    return FeedsFile(specs, names, problems)


def _source_names(node: Node, problem: _Problem) -> dict[str, str]:
    """`sources:`, a mapping of source name to the name subscribers read."""
    if not isinstance(node, MappingNode):
        problem(node, "`sources` must map source names to display names (seekalpha: Seeking Alpha)")
        return {}
    names: dict[str, str] = {}
    for key_node, value_node in node.value:
        key, value = _string(key_node), _string(value_node)
        if key is None or value is None:
            problem(key_node, "`sources` entries are `name: Display name`, both non-empty text")
            continue
        names[key] = value
    return names


def _entry(node: Node, problem: _Problem, default_interval: float) -> FeedSpec | None:
    if not isinstance(node, MappingNode):
        problem(node, "a feed must be a mapping with `name` and `url`")
        return None
    values: dict[str, Node] = {}
    ok = True
    for key_node, value_node in node.value:
        key = _scalar(key_node)
        if key not in _ENTRY_KEYS:
            problem(key_node, f"unknown key {key!r}{_hint(key, _ENTRY_KEYS)}")
            ok = False
        elif key in values:
            problem(key_node, f"duplicate key {key!r}")
            ok = False
        else:
            values[key] = value_node

    name = _string(values.get("name"))
    if "name" not in values:
        problem(node, "feed is missing `name`")
        ok = False
    elif not name:
        problem(values["name"], "`name` must be a non-empty string")
        ok = False

    url = _string(values.get("url"))
    label = f"feed {name!r}: " if name else ""
    if "url" not in values:
        problem(node, f"{label}missing `url`")
        ok = False
    elif not url:
        problem(values["url"], f"{label}`url` must be a non-empty string")
        ok = False
    else:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            problem(values["url"], f"{label}`url` must be an http:// or https:// URL, not {url!r}")
            ok = False

    interval = default_interval
    if "interval" in values:
        parsed = _interval(values["interval"])
        if isinstance(parsed, str):
            problem(values["interval"], f"{label}{parsed}")
            ok = False
        else:
            interval = parsed

    enabled = True
    if "enabled" in values:
        value = _construct(values["enabled"])
        if not isinstance(value, bool):
            problem(values["enabled"], f"{label}`enabled` must be true or false")
            ok = False
        else:
            enabled = value

    title = _string(values.get("title")) or ""
    if "title" in values and not title:
        problem(values["title"], f"{label}`title` must be a non-empty string")
        ok = False

    if not ok or name is None or url is None:
        return None
    return FeedSpec(name, url, interval, enabled, node.start_mark.line + 1, title)


def _interval(node: Node) -> float | str:
    """Seconds, or the problem as a message."""
    value = _construct(node)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return "`interval` must be a duration such as 5m or 30s"
    try:
        seconds = parse_duration(value)
    except ValueError:
        return f"`interval` {value!r} is not a duration (use forms like 30s, 5m, 2h)"
    if seconds < MIN_INTERVAL:
        return f"`interval` must be at least 30s, not {value!r}"
    return seconds


def _construct(node: Node) -> object:
    if not isinstance(node, ScalarNode):
        return node  # a list or mapping: never a valid value for our keys
    try:
        return yaml.SafeLoader("").construct_object(node)
    except yaml.YAMLError:
        return node  # a tag the safe loader refuses (say !!python/...): never a valid value


def _scalar(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else f"<{getattr(node, 'id', 'node')}>"


def _string(node: Node | None) -> str | None:
    if node is None:
        return None
    value = _construct(node)
    return (value.strip() or None) if isinstance(value, str) else None


def _hint(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(known)})"
