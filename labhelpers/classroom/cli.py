"""`python -m labhelpers class ...`: the instructor's commands for a whole class."""
from __future__ import annotations

import argparse
from pathlib import Path

from .. import checks
from . import board


def add_parser(commands) -> None:
    parser = commands.add_parser("class", help="commands for a class: board, preflight, status, sweep")
    sub = parser.add_subparsers(dest="class_command", required=True)
    show = sub.add_parser("board", help="the class board from a folder of lab homes (one sub-folder per learner)")
    show.add_argument("--homes", type=Path, required=True,
                      help="folder whose sub-folders are the learners' lab homes (or home directories with .cmklab/)")
    show.add_argument("--out", type=Path, default=Path("runs") / "board",
                      help="where board.html, board.csv and board.json go (default: runs/board)")


def run(args: argparse.Namespace) -> int:
    if args.class_command == "board":
        if not args.homes.is_dir():
            print(f"{args.homes} is not a folder of lab homes")
            return 2
        found = board.from_homes(args.homes, {name: step.notebook for name, step in checks.STEPS.items()})
        paths = board.write(found, args.out, f"CMK lab: the class board ({args.homes.name})")
        print(f"{len(found.learners)} learners, {len(found.checks)} checks; "
              f"{sum(not r.passed for r in found.records)} red cells")
        for kind, path in paths.items():
            print(f"{kind:5} {path}")
        return 0
    raise AssertionError(args.class_command)
