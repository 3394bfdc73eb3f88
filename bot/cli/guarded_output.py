"""Standard output and error of a command, with untrusted text unable to act on the terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

from bot.control_chars import escape_controls


class GuardedStream:
    """A text stream that writes terminal controls and bidi overrides as `\\uXXXX`.

    What the commands print comes from files, feeds and rule files (titles, paths, URLs,
    YAML quoted in a problem): none of it may retitle the terminal or write its clipboard.
    """

    def __init__(self, stream: TextIO) -> None:
        self.unguarded = stream  # for output that must act, such as a progress bar

    def write(self, text: str) -> int:
        """Write the text, its controls shown rather than sent."""
        self.unguarded.write(escape_controls(text))
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        """Write each line, guarded."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        return getattr(self.unguarded, name)


@contextlib.contextmanager
def guarded_output() -> Iterator[None]:
    """sys.stdout and sys.stderr guarded for the body, restored after."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = GuardedStream(stdout)
    sys.stderr = GuardedStream(stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def unguarded(stream: TextIO) -> TextIO:
    """The stream under a guard, for output that must reach the terminal as written."""
    return stream.unguarded if isinstance(stream, GuardedStream) else stream
