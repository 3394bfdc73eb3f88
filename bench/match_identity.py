"""Behaviour kept: `newsbot match --json` over the whole archive prints the same lines as before.

Make the reference once with the code before a change (main's checkout), then run this from
the changed checkout; it runs `newsbot match --json` of this checkout (its PYTHONPATH) and
compares line by line, naming the first differing articles and whether their `matches`
differ. Exit status 0 when every line is the same, 1 otherwise.

    cd /work/main && PYTHONPATH=$PWD .venv/bin/newsbot match \
        ../shared/corpus/en-news.tar.gz --json > /tmp/match-main.jsonl
    PYTHONPATH=$PWD .venv/bin/python bench/match_identity.py /tmp/match-main.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Relative to the checkout, as the reference was made: `path` in each line is as given.
CORPUS = Path("../shared/corpus/en-news.tar.gz")
SHOWN = 5  # differing lines printed


def main() -> int:
    """Compare this checkout's `match --json` lines with the reference file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="lines printed by the code before")
    parser.add_argument(
        "--archive", type=Path, default=CORPUS, help="relative to the checkout, as before"
    )
    parser.add_argument("--rules", type=Path, help="rules folder (default: the checkout's)")
    args = parser.parse_args()
    command = [sys.executable, "-m", "bot", "match", str(args.archive), "--json"]
    if args.rules is not None:
        command += ["--rules", str(args.rules)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    began = time.perf_counter()
    printed = subprocess.run(
        command, cwd=ROOT, env=environment, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    took = time.perf_counter() - began
    expected = args.reference.read_text(encoding="utf-8").splitlines()
    differing = [
        (index, before, after)
        for index, (before, after) in enumerate(zip(expected, printed, strict=False))
        if before != after
    ]
    for index, before, after in differing[:SHOWN]:
        old, new = json.loads(before), json.loads(after)
        what = "matches" if old.get("matches") != new.get("matches") else "other fields"
        print(f"line {index + 1} ({old.get('path')}): {what} differ")
        print(f"  before: {before[:300]}")
        print(f"  after:  {after[:300]}")
    if len(expected) != len(printed):
        print(f"{len(expected):,} lines before, {len(printed):,} now")
    same = not differing and len(expected) == len(printed)
    matched = sum(1 for line in printed if json.loads(line).get("matches"))
    print(
        f"{'same' if same else 'DIFFERENT'}: {len(printed):,} lines ({matched:,} articles "
        f"matched), {len(differing):,} differing; match took {took:.1f}s"
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
