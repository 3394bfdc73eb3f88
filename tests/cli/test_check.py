"""`newsbot check`: every kind of broken rule file gives exit 1 and the right path:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

GOOD_SETS = "sets:\n  crude_etfs: [$USO, $UCO]\n"
GOOD_TOPIC = """\
title: Oil
rules:
  - name: crude
    all: [crude oil]
    tests:
      match: ["Crude oil jumps"]
      no_match: ["Olive oil"]
"""


def _check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> tuple[int, str]:
    rules = tmp_path / "rules"
    rules.mkdir()
    for name, text in files.items():
        (rules / name).parent.mkdir(parents=True, exist_ok=True)
        (rules / name).write_text(text, encoding="utf-8")
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    code = main(["check", "--rules", str(rules), "--feeds", str(feeds)])
    return code, capsys.readouterr().out


BROKEN = {
    # A bad indent is reported on its own line, not where the enclosing list starts.
    "bad-indent": (
        "oil.yaml",
        "rules:\n  - name: a\n    any: [oil]\n    any2: [x]\n     all: [gas]\n",
        5,
        6,
        "YAML syntax",
    ),
    # Reported where the unclosed `[` opens, not where the file ends.
    "yaml-syntax": ("oil.yaml", "rules:\n  - name: a\n    all: [oil\n", 3, 10, "YAML syntax"),
    "unknown-key": (
        "oil.yaml",
        "rules:\n  - name: a\n    all: [oil]\n    nnone: [gas]\n",
        4,
        5,
        "unknown key 'nnone' in a rule (did you mean 'none'?)",
    ),
    "unknown-top-key": (
        "oil.yaml",
        "rule:\n  - name: a\n    all: [oil]\n",
        1,
        1,
        "(did you mean 'rules'?)",
    ),
    "wrong-type": ("oil.yaml", "rules:\n  - name: a\n    all: oil\n", 3, 10, "must be a list"),
    "bad-link-pattern": (
        "oil.yaml",
        "rules:\n  - name: a\n    all: [oil]\n    links:\n      none: [/opinion/, '(x']\n",
        5,
        25,
        "bad link pattern '(x': invalid regex /(x/: missing )",
    ),
    "unknown-link-set": (
        "oil.yaml",
        "rules:\n  - name: a\n    all: [oil]\n    links: {any: ['@opinon']}\n",
        4,
        19,
        "unknown set '@opinon'",
    ),
    "emoji-a-word": (
        "oil.yaml",
        "title: Oil\nemoji: oil\nrules:\n  - name: a\n    all: [oil]\n",
        2,
        8,
        "emoji 'oil' is not one emoji",
    ),
    "emoji-too-many": (
        "oil.yaml",
        "emoji: '🛢️🛢️🛢️🛢️🛢️🛢️🛢️'\nrules:\n  - name: a\n    all: [oil]\n",
        1,
        8,
        "is not one emoji",
    ),
    "bad-name": (
        "oil.yaml",
        "rules:\n  - name: Bad Name\n    all: [oil]\n",
        2,
        11,
        "bad rule name",
    ),
    "duplicate-rule": (
        "oil.yaml",
        "rules:\n  - name: a\n    all: [oil]\n  - name: a\n    all: [gas]\n",
        4,
        5,
        "duplicate rule name 'a'",
    ),
    "unknown-set": (
        "oil.yaml",
        "rules:\n  - name: a\n    all: [oil, '@crude_etf']\n",
        3,
        16,
        "unknown set '@crude_etf' (did you mean 'crude_etfs'?)",
    ),
    "short-prefix": (
        "oil.yaml",
        "rules:\n  - name: a\n    any: [oil, 'sa*']\n",
        3,
        16,
        "too short",
    ),
    "no-words": ("oil.yaml", "rules:\n  - name: a\n    any: ['&&']\n", 3, 11, "has no words"),
    "bad-regex": (
        "oil.yaml",
        "rules:\n  - name: a\n    any: ['/(oil/']\n",
        3,
        11,
        "invalid regex",
    ),
    "within-range": (
        "oil.yaml",
        "rules:\n  - name: a\n    all:\n      - {near: [oil, Iran], within: 99}\n",
        4,
        37,
        "`within` must be from 1 to 50",
    ),
    "priority": (
        "oil.yaml",
        "rules:\n  - name: a\n    priority: hihg\n    all: [oil]\n",
        3,
        15,
        "(did you mean 'high'?)",
    ),
    # A `]` left out: the line that opens the list, not the next one where YAML notices.
    "unclosed-list": (
        "oil.yaml",
        "rules:\n  - name: a\n    any: [crude oil, Brent\n  - name: b\n    any: [gold]\n",
        3,
        10,
        "(hint: the `[` opened here is not closed: end it with `]`)",
    ),
    # A quote left open swallows the next lines; PyYAML only stumbles eight lines later.
    "unclosed-quote": (
        "oil.yaml",
        'rules:\n  - name: "crude\n    any: [crude]\n  - name: b\n    priority: normal\n'
        '    any: [gold]\n  - name: c\n    any: [Iran]\n  - name: "d"\n    any: [OPEC]\n',
        2,
        11,
        '(hint: the " opened here is not closed on its line)',
    ),
    "failing-test": (
        "oil.yaml",
        "rules:\n  - name: a\n    all: [oil, Iran]\n"
        "    tests:\n      match:\n        - Oil rises\n",
        6,
        11,
        "expected match: `all` item 2 `Iran` did not hold",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_file_is_reported_with_line(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, text, line, column, message = BROKEN[kind]
    code, out = _check(tmp_path, capsys, {"_sets.yaml": GOOD_SETS, name: text})
    assert code == 1
    where = f"{tmp_path / 'rules' / name}:{line}:" + (f"{column}:" if column else "")
    hits = [row for row in out.splitlines() if row.startswith(where)]
    assert any(message in row for row in hits), out


def test_duplicate_topic_across_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(
        tmp_path,
        capsys,
        {"oil.yaml": GOOD_TOPIC, "sub/crude.yaml": "topic: oil\n" + GOOD_TOPIC},
    )
    assert code == 1
    assert f"{tmp_path / 'rules' / 'sub' / 'crude.yaml'}:1:8: duplicate topic id 'oil'" in out


def test_a_duplicate_topic_does_not_hide_the_other_files_test_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = GOOD_TOPIC.replace('no_match: ["Olive oil"]', 'no_match: ["Crude oil slips"]')
    code, out = _check(
        tmp_path, capsys, {"oil.yaml": GOOD_TOPIC, "sub/crude.yaml": "topic: oil\n" + failing}
    )
    assert code == 1
    assert "duplicate topic id 'oil'" in out
    assert "'Crude oil slips'" in out  # the left-out file's own failing test, in the same run


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("rules:\n\t- name: a\n", "indent with spaces, not tabs"),
        ("rules:\n  - name: a\n    any: [@crude]\n", "quote a term that starts with @"),
        ("rules:\n  - name: a\n    any:\n      - *crude\n", "quote a prefix term"),
        ("rules:\n  - name: a\n   any: [x]\n", "check the indentation"),
    ],
)
def test_yaml_syntax_errors_say_what_to_do(
    text: str, hint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _check(tmp_path, capsys, {"oil.yaml": text})
    assert code == 1
    assert "YAML syntax error" in out and "(hint: " in out and hint in out


def test_set_cycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sets = "sets:\n  a: [oil, '@b']\n  b: [gas, '@a']\n"
    code, out = _check(tmp_path, capsys, {"_sets.yaml": sets, "oil.yaml": GOOD_TOPIC})
    assert code == 1
    assert f"{tmp_path / 'rules' / '_sets.yaml'}:2:3: set cycle: @a -> @b -> @a" in out


def test_python_tag_is_rejected_and_never_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    text = f'rules: !!python/object/apply:os.system ["touch {marker}"]\n'
    code, out = _check(tmp_path, capsys, {"oil.yaml": text})
    assert code == 1
    assert f"{tmp_path / 'rules' / 'oil.yaml'}:1:8: tag '!!python/object/apply:os.system'" in out
    assert not marker.exists()


def test_every_problem_of_every_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = "rules:\n  - name: a\n    all: ['sa*']\n  - name: B\n    any: ['&&']\n"
    code, out = _check(tmp_path, capsys, {"a.yaml": bad, "b.yaml": "rules: []\n"})
    assert code == 1
    rows = [row for row in out.splitlines() if row.startswith(str(tmp_path))]
    assert len(rows) == 4, out  # prefix, name, no words, empty rules


def test_problems_of_every_kind_come_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        'sets: {s1: ["@s2"], s2: ["@s1"]}\n'
        "rules:\n"
        "  - name: a\n"
        "    nnone: [x]\n"
        "    any: ['@nope', ab*, '/(x/']\n"
        "  - name: a\n"
        "    any: [oil]\n"
        "  - name: b\n"
        "    all: [{near: ['@etfs', crude], within: 5}]\n"
    )
    shared = "sets:\n  etfs: [$USO, crude oil]\n"
    code, out = _check(tmp_path, capsys, {"_sets.yaml": shared, "oil.yaml": text})
    assert code == 1
    where = str(tmp_path / "rules" / "oil.yaml")
    rows = [row.removeprefix(where) for row in out.splitlines() if row.startswith(where)]
    assert rows == [
        ":1:8: set cycle: @s1 -> @s2 -> @s1",  # once, not once per set in the cycle
        ":4:5: unknown key 'nnone' in a rule (did you mean 'none'?)",
        ":5:11: unknown set '@nope'",
        ":5:20: prefix 'ab*' in 'ab*' is too short: at least 3 characters before `*`",
        ":5:25: invalid regex /(x/: missing ): (x (RE2 syntax: no look-around, no back-references)",
        ":6:5: duplicate rule name 'a' in this file",
        ":9:19: `near` takes keyword terms only; @etfs holds '$USO'",
    ], out


def test_good_rules_pass_with_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(tmp_path, capsys, {"_sets.yaml": GOOD_SETS, "oil.yaml": GOOD_TOPIC})
    assert code == 0, out
    assert out.strip().splitlines()[-1].startswith("ok: 1 topic, 1 rule, 2 tests passed")


def test_feeds_problems_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "oil.yaml").write_text(GOOD_TOPIC)
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - name: x\n")
    code = main(["check", "--rules", str(rules), "--feeds", str(feeds)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{feeds}:2" in out


def test_starter_rules_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    code = main(["check", "--rules", str(repo / "rules"), "--feeds", str(feeds)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "20 topics" in out


def test_a_regex_too_costly_is_a_problem_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each alone compiles, but not as the one set the rule book searches with: the check
    # names them where they are written instead of crashing on the book.
    topic = (
        "title: Letters\nrules:\n  - name: long\n"
        "    any: ['/a\\pL{100}/', '/b\\pL{100}/']\n"
        "  - name: ok\n    any: [crude oil]\n"
    )
    code, out = _check(tmp_path, capsys, {"letters.yaml": topic})
    assert code == 1, out
    lines = out.strip().splitlines()
    assert len(lines) == 3, out  # two problems and the count
    for line, column in zip(lines[:2], (11, 26), strict=True):
        assert f"letters.yaml:4:{column}: regex /" in line, out
        assert "too costly" in line, out


def test_regexes_that_cannot_share_one_set_still_compile_and_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ten regexes within the limit are more than one RE2 set holds: the book splits them.
    terms = ", ".join(f"'/q{i}\\pL{{15}}/'" for i in range(10))
    topic = (
        f"title: Letters\nrules:\n  - name: many\n    any: [{terms}]\n"
        "    tests:\n      match: ['Code q7Hormuzstraitsclosed seen', 'q0abcdefghijklmnop']\n"
        "      no_match: ['q7 Hormuz']\n"
    )
    code, out = _check(tmp_path, capsys, {"letters.yaml": topic})
    assert code == 0, out
    assert "1 topic, 1 rule, 3 tests passed" in out
