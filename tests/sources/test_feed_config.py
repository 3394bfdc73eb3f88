"""`feeds.yaml` validation: what an operator sees from `newsbot check`, with line numbers."""

from __future__ import annotations

from pathlib import Path

from bot.sources.feeds_config import FeedSpec, load_feeds_file, read_feeds_file

REPO = Path(__file__).resolve().parents[2]


def load(tmp_path: Path, text: str) -> tuple[list[FeedSpec], list[str], str]:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    specs, problems = load_feeds_file(path)
    return specs, problems, str(path)


def test_shipped_feeds_yaml_is_valid():
    specs, problems = load_feeds_file(REPO / "feeds.yaml")
    assert problems == []
    assert len(specs) >= 5
    assert all(s.url.startswith("https://") and 300 <= s.interval <= 900 for s in specs)
    assert len({s.name for s in specs}) == len(specs)


def test_good_file_with_defaults(tmp_path):
    specs, problems, _ = load(
        tmp_path,
        "feeds:\n"
        "  - name: example-markets\n"
        "    url: https://example.com/markets/rss.xml\n"
        "    interval: 10m\n"
        "  - name: plain\n"
        "    url: http://example.com/rss\n"
        "  - name: paused\n"
        "    url: https://example.com/p\n"
        "    interval: 30s\n"
        "    enabled: false\n",
    )
    assert problems == []
    assert specs == [
        FeedSpec("example-markets", "https://example.com/markets/rss.xml", 600.0, True, 2),
        FeedSpec("plain", "http://example.com/rss", 300.0, True, 5),
        FeedSpec("paused", "https://example.com/p", 30.0, False, 7),
    ]


def test_empty_feed_list_is_valid(tmp_path):
    assert load(tmp_path, "feeds: []\n")[:2] == ([], [])


def test_missing_file_is_one_problem(tmp_path):
    path = tmp_path / "nope.yaml"
    assert load_feeds_file(path) == ([], [f"{path}: file not found"])


def test_bad_entries_are_reported_with_lines_and_good_ones_kept(tmp_path):
    text = (
        "feeds:\n"  # 1
        "  - name: good\n"  # 2
        "    url: https://example.com/a\n"  # 3
        "  - name: typo\n"  # 4
        "    urll: https://example.com/b\n"  # 5
        "  - name: ftp\n"  # 6
        "    url: ftp://example.com/c\n"  # 7
        "  - name: fast\n"  # 8
        "    url: https://example.com/d\n"  # 9
        "    interval: 10s\n"  # 10
        "  - name: weird\n"  # 11
        "    url: https://example.com/e\n"  # 12
        "    interval: soon\n"  # 13
        "  - name: flag\n"  # 14
        "    url: https://example.com/f\n"  # 15
        "    enabled: maybe\n"  # 16
        "  - url: https://example.com/g\n"  # 17
        "  - name: good\n"  # 18
        "    url: https://example.com/h\n"  # 19
        "  - just a string\n"  # 20
    )
    specs, problems, path = load(tmp_path, text)
    assert [s.name for s in specs] == ["good"]
    assert problems == [
        f"{path}:5: unknown key 'urll' (did you mean 'url'?)",
        f"{path}:4: feed 'typo': missing `url`",
        f"{path}:7: feed 'ftp': `url` must be an http:// or https:// URL, not 'ftp://example.com/c'",
        f"{path}:10: feed 'fast': `interval` must be at least 30s, not '10s'",
        f"{path}:13: feed 'weird': `interval` 'soon' is not a duration"
        " (use forms like 30s, 5m, 2h)",
        f"{path}:16: feed 'flag': `enabled` must be true or false",
        f"{path}:17: feed is missing `name`",
        f"{path}:18: duplicate feed name 'good' (first at line 2)",
        f"{path}:20: a feed must be a mapping with `name` and `url`",
    ]


def test_yaml_syntax_error_has_its_line(tmp_path):
    _, problems, path = load(tmp_path, "feeds:\n  - name: a\n    url: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:4: YAML syntax error")


def test_top_level_shape_problems(tmp_path):
    assert load(tmp_path, "")[1] == [
        f"{tmp_path / 'feeds.yaml'}:1: empty file: expected a mapping with a `feeds` list"
    ]
    _, problems, path = load(tmp_path, "- name: a\n")
    assert problems == [f"{path}:1: expected a mapping with a `feeds` list"]
    _, problems, path = load(tmp_path, "# feeds\nfeed:\n  - name: a\n")
    assert problems == [
        f"{path}:2: unknown key 'feed' (did you mean 'feeds'?)",
        f"{path}:2: missing `feeds` (use `feeds: []` for none)",
    ]
    _, problems, path = load(tmp_path, "feeds:\n  name: a\n")
    assert problems == [f"{path}:2: `feeds` must be a list of feeds (use `feeds: []` for none)"]


def test_numbers_are_seconds_and_booleans_are_not_durations(tmp_path):
    specs, problems, path = load(
        tmp_path,
        "feeds:\n"
        "  - {name: a, url: 'https://e.com/a', interval: 90}\n"
        "  - {name: b, url: 'https://e.com/b', interval: true}\n",
    )
    assert [(s.name, s.interval) for s in specs] == [("a", 90.0)]
    assert problems == [f"{path}:3: feed 'b': `interval` must be a duration such as 5m or 30s"]


def test_unsafe_yaml_tags_are_errors_not_objects(tmp_path):
    specs, problems, path = load(
        tmp_path,
        "feeds:\n"
        "  - name: !!python/object/apply:os.system ['echo hi']\n"
        "    url: https://e.com/a\n"
        "  - name: b\n"
        "    url: !!python/name:os.system\n",
    )
    assert specs == []
    assert problems == [
        f"{path}:2: `name` must be a non-empty string",
        f"{path}:5: feed 'b': `url` must be a non-empty string",
    ]


def test_display_names_of_sources_and_feeds(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "sources:\n"
        "  seekalpha: Seeking Alpha (SA)\n"
        "  bbc-world: ignored, the feed's title wins\n"
        "feeds:\n"
        "  - name: bbc-world\n"
        "    title: BBC News\n"
        "    url: https://feeds.bbci.co.uk/news/world/rss.xml\n",
        encoding="utf-8",
    )
    found = read_feeds_file(path)
    assert found.problems == []
    assert found.feeds[0].title == "BBC News"
    assert found.display_names() == {"seekalpha": "Seeking Alpha (SA)", "bbc-world": "BBC News"}


def test_bad_display_names_are_reported(tmp_path):
    specs, problems, path = load(
        tmp_path,
        "sources: [seekalpha]\nfeeds:\n  - name: a\n    url: https://e.com/a\n    title: ''\n",
    )
    assert specs == []
    assert problems == [
        f"{path}:1: `sources` must map source names to display names (seekalpha: Seeking Alpha)",
        f"{path}:5: feed 'a': `title` must be a non-empty string",
    ]
