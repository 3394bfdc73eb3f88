"""`make run` and `make test`: what each installs into a fresh .venv (dry runs, nothing made)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(target: str, venv: Path) -> str:
    """The commands `make TARGET` would run with this (missing) virtualenv."""
    done = subprocess.run(
        ["make", "--no-print-directory", "--dry-run", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_make_run_installs_the_bot_without_the_dev_extras(tmp_path: Path) -> None:
    commands = _dry_run("run", tmp_path / "venv")
    assert "pip install --quiet -e .\n" in commands
    assert "[dev]" not in commands  # no pytest, mypy, ruff just to run the bot
    assert commands.rstrip().endswith("newsbot run")


def test_make_test_installs_the_dev_extras(tmp_path: Path) -> None:
    commands = _dry_run("test", tmp_path / "venv")
    assert "pip install --quiet -e '.[dev]'" in commands
    assert "pytest" in commands


def test_after_make_test_make_run_installs_nothing_more(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    for stamp in (".installed-runtime", ".installed-dev"):  # what `make test` leaves
        (venv / stamp).touch()
    assert "pip install" not in _dry_run("run", venv)
