"""What both drivers do alike: the back-off, SIGHUP's reload kept running, the setting exit."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from pathlib import Path

from bot.drivers.shell import EXIT_CONFIG, Backoff, ProcessShell
from bot.runtime.core import Runtime
from tests.support.waiting import until
from tests.support.workspace import make_workspace, topic_yaml


async def test_the_back_off_doubles_from_a_second_to_a_minute() -> None:
    backoff, stopped = Backoff(), asyncio.Event()
    stopped.set()  # a stopped process does not wait
    delays = []
    for _ in range(8):
        delays.append(backoff.delay)
        await backoff.wait(stopped)
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]


async def test_sighup_reloads_the_rules_even_if_the_task_is_collected(
    tmp_path: Path, sqlite_url: str
) -> None:
    space = make_workspace(tmp_path, sqlite_url)
    runtime = Runtime(space.settings(None))
    shell = ProcessShell(runtime)
    try:
        await runtime.reload_rules()
        assert set(runtime.rules.book.topics) == {"oil"}
        (space.rules / "gold.yaml").write_text(topic_yaml("Gold", ["gold"]))
        shell.handle_signals()
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(5):
            gc.collect()  # an unreferenced reload task would be collected here
            await asyncio.sleep(0)
        await until(lambda: "gold" in runtime.rules.book.topics, "the reload SIGHUP asked for")
    finally:
        shell.release_signals()
        await shell.cancel_background()
        await runtime.close()


async def test_a_setting_no_retry_fixes_stops_with_exit_code_2(
    tmp_path: Path, sqlite_url: str
) -> None:
    runtime = Runtime(make_workspace(tmp_path, sqlite_url).settings(None))
    shell = ProcessShell(runtime)
    try:
        shell.stop_for_setting("cannot listen on 127.0.0.1:1 (NEWSBOT_METRICS_LISTEN)")
        assert shell.stop_event.is_set() and shell.exit_code == EXIT_CONFIG
    finally:
        await runtime.close()
