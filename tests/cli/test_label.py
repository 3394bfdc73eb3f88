"""`newsbot label` driven on a real pseudo-terminal: single keys label a stratified sample,
each label is appended at once, a second session resumes, and backtest scores the file."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.support.bot_api_double import BotApiDouble
from tests.support.waiting import until
from tests.support.workspace import command, make_workspace, running

REPO = Path(__file__).resolve().parents[2]
RULES = """\
title: Oil
rules:
  - name: crude
    priority: high
    fields: [title]
    any: [crude oil]
"""


def _seed(folder: Path, name: str, title: str) -> None:
    (folder / f"{name}.md").write_text(
        f'---\ntitle: "{title}"\ndate: "2025-02-10 09:00:00"\nsummary: "What happened."\n'
        f'categories:\n  - "wire"\n---\n\nThe body starts here.\n'
    )


class Terminal:
    """`newsbot label` on a pseudo-terminal: read what it shows, type single keys."""

    def __init__(self, *argv: str) -> None:
        self.leader, follower = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "label", *argv],
            stdin=follower,
            stdout=follower,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        os.close(follower)
        self.screen = ""

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """Everything shown until `text` appears (after what was already read)."""
        start = len(self.screen)
        deadline = time.monotonic() + timeout
        while text not in self.screen[start:]:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} never shown; screen:\n{self.screen[start:]}"
            ready, _, _ = select.select([self.leader], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.leader, 65536)
                except OSError:  # the program ended
                    chunk = b""
                assert chunk, f"ended before showing {text!r}; screen:\n{self.screen[start:]}"
                self.screen += chunk.decode(errors="replace")
        return self.screen[start:]

    def type(self, keys: str) -> None:
        os.write(self.leader, keys.encode())

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        os.close(self.leader)
        return code


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Three articles the rules alert on, three they do not."""
    folder = tmp_path / "corpus" / "wire"
    folder.mkdir(parents=True)
    for number in range(3):
        _seed(folder, f"crude-{number}", f"Crude oil moves, story {number}")
        _seed(folder, f"other-{number}", f"Bakery opens store {number}")
    return tmp_path / "corpus"


def _path_on(card: str) -> str:
    return card.split("to go, 4 drawn] ", 1)[1].split(" (", 1)[0]


@pytest.mark.slow
def test_label_a_sample_with_single_keys_stop_resume_and_score_it(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "oil.yaml").write_text(RULES)
    out = tmp_path / "labels.tsv"
    argv = (str(corpus), "--out", str(out), "--rules", str(rules), "--per-stratum", "2")

    first = Terminal(*argv)
    card = first.wait_for("Relevant for a desk?")
    assert "4 articles drawn (6 in the corpus, 3 the rules alert on); 0 already in" in card
    assert "the rules alert; weight 1.5" in card and "What happened." in card
    assert "rules: oil/crude [high]: crude oil" in card
    alerted = _path_on(card)
    first.type("y")  # relevant, then topics by key: a = oil, Enter; urgency h = high
    first.wait_for("Topics (keys, then Enter)")
    first.type("a\n")
    first.wait_for("Urgency?")
    first.type("h")
    card = first.wait_for("Relevant for a desk?")
    assert "no rule alerts; weight 1.5" in card and "rules: none alert" in card
    quiet = _path_on(card)
    first.type("n")
    first.wait_for("Relevant for a desk?")
    first.type("q")
    first.wait_for("Stopped; run the same command again to resume.")
    assert first.close() == 0

    rows = [line.split("\t") for line in out.read_text().splitlines()]
    assert rows[0][:7] == ["key", "path", "stratum", "weight", "relevant", "topics", "urgency"]
    assert [row[1:7] for row in rows[1:]] == [
        [alerted, "m", "1.5", "1", "oil", "high"],
        [quiet, "u", "1.5", "0", "", ""],
    ]

    second = Terminal(*argv)
    card = second.wait_for("Relevant for a desk?")
    assert "2 already in" in card and "2 to go" in card
    assert _path_on(card) not in (alerted, quiet)
    second.type("n")
    second.wait_for("Relevant for a desk?")
    second.type("s")  # skipped: not written, asked again next session
    second.wait_for("All drawn articles are labelled.")
    assert second.close() == 0
    assert len(out.read_text().splitlines()) == 4

    scoring = ["backtest", str(corpus), "--rules", str(rules), "--labels", str(out), "--json"]
    assert main(scoring) == 0
    scored = json.loads(capsys.readouterr().out)["labels"]
    assert scored["labelled"] == 3 and scored["relevant"] == 1
    assert scored["recall"] == 1.0 and scored["precision"] == 0.5


@pytest.mark.slow
async def test_less_like_this_presses_export_as_negative_labels_for_their_topic(
    api: BotApiDouble, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = make_workspace(tmp_path, database_url, RULES)
    pressing, undoing = 901, 902
    async with running(space.settings(api)):
        for chat in (pressing, undoing):
            await command(api, chat, "/subscribe oil")
        space.write_seed("pressed.md", "Crude oil tanker calendar for collectors")
        space.write_seed("kept.md", "Crude oil exports halted by a strike")
        await until(lambda: all(len(_alerts(api, c)) == 2 for c in (pressing, undoing)), "alerts")
        [unwanted] = [a for a in _alerts(api, pressing) if "calendar" in a["text"]]
        await _press(api, unwanted, pressing, "less")
        # A press undone is no label: the chat took it back.
        [undone] = [a for a in _alerts(api, undoing) if "strike" in a["text"]]
        await _press(api, undone, undoing, "less")
        redrawn = api.calls("editMessageReplyMarkup")[-1]["reply_markup"]
        await _press(api, {**undone, "reply_markup": redrawn}, undoing, "undo")
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", database_url)
    labels = tmp_path / "labels.tsv"
    argv = ["label", str(space.seeds), "--out", str(labels), "--from-feedback"]
    assert main(argv) == 0
    rows = [line.split("\t") for line in labels.read_text().splitlines()]
    assert rows[0][:6] == ["key", "path", "stratum", "weight", "relevant", "topics"]
    assert [row[1:6] for row in rows[1:]] == [["pressed.md", "feedback", "1", "0", "oil"]]
    assert rows[1][8] == "less like this: oil/crude ×1"
    # Run again: nothing twice. And backtest reads the file as a labels file.
    assert main(argv) == 0
    assert len(labels.read_text().splitlines()) == 2
    rules = tmp_path / "rules"
    assert main(["backtest", str(space.seeds), "--rules", str(rules), "--labels", str(labels)]) == 0


def _alerts(api: BotApiDouble, chat_id: int) -> list[dict[str, Any]]:
    return [m for m in api.messages(chat_id) if m.get("reply_markup")]


async def _press(api: BotApiDouble, alert: dict[str, Any], user_id: int, action: str) -> None:
    """A user presses the alert's button whose data starts `fb:ACTION:`; returns once the
    bot answered and redrew the buttons."""
    buttons = [b for row in alert["reply_markup"]["inline_keyboard"] for b in row]
    [data] = [b["callback_data"] for b in buttons if b["callback_data"].startswith(f"fb:{action}:")]
    message = {
        "message_id": 7000,
        "date": int(datetime.now(UTC).timestamp()),
        "chat": api.chat(int(alert["chat_id"])),
        "from": api.bot_user(),
        "text": "(an alert)",
        "reply_markup": alert["reply_markup"],
    }
    answers, edits = api.count("answerCallbackQuery"), api.count("editMessageReplyMarkup")
    api.push_update(api.callback(message, user_id, data))
    await until(lambda: api.count("answerCallbackQuery") > answers, f"an answer to {data}")
    await until(lambda: api.count("editMessageReplyMarkup") > edits, "the buttons redrawn")
