"""`python -m labhelpers class ...`: the instructor's commands for a whole class."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from .. import checks, naming
from . import board, preflight, status, sweep
from .azure import ClassSubscription, NoSuchSubscription


def add_parser(commands) -> None:
    parser = commands.add_parser("class", help="commands for a class: board, preflight, status, sweep")
    sub = parser.add_subparsers(dest="class_command", required=True)
    show = sub.add_parser("board", help="the class board from a folder of lab homes (one sub-folder per learner)")
    show.add_argument("--homes", type=Path, required=True,
                      help="folder whose sub-folders are the learners' lab homes (or home directories with .cmklab/)")
    show.add_argument("--out", type=Path, default=Path("runs") / "board",
                      help="where board.html, board.csv and board.json go (default: runs/board)")


    for name, text in (("preflight", "can N learners run the lab in this subscription and region?"),
                       ("status", "run the lab's checks against every seat's real resources"),
                       ("sweep", "delete everything the lab created in the subscription, purge what may be purged")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--subscription", default=os.environ.get("AZURE_SUBSCRIPTION_ID"),
                             help="the class subscription (default: $AZURE_SUBSCRIPTION_ID)")
        if name == "preflight":
            command.add_argument("--seats", type=int, required=True, help="how many learners")
            command.add_argument("--region", default=naming.DEFAULT_REGION, help="the class's region")
            command.add_argument("--prefix", default="seat", help="seat names: <prefix>01-…, <prefix>02-…")
            command.add_argument("--learner", action="append", default=[], metavar="OBJECT_ID",
                                 help="a learner's object id whose role to check (repeatable)")
        if name == "sweep":
            command.add_argument("--yes", action="store_true", help="delete without asking (headless)")
        if name != "sweep":
            command.add_argument("--out", type=Path, default=Path("runs") / name,
                                 help=f"where the results go (default: runs/{name})")


def run(args: argparse.Namespace) -> int:
    if args.class_command != "board":
        try:
            return _azure_command(args)
        except NoSuchSubscription as exc:
            print(exc)
            return 2
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


def _azure_command(args: argparse.Namespace) -> int:
    subscription = ClassSubscription(args.subscription)
    if args.class_command == "preflight":
        rows = preflight.run(subscription, args.region, args.seats, args.prefix, args.learner)
        print(preflight.table(rows))
        for kind, path in preflight.write(rows, args.out, args.seats, args.region).items():
            print(f"{kind:5} {path}")
        return 0 if preflight.passed(rows) else 1
    if args.class_command == "status":
        found = status.run(subscription, args.out)
        paths = board.write(found, args.out, f"CMK lab: the class in Azure ({subscription.subscription_id})")
        for learner in found.learners:
            red = [r.check for r in found.records if r.user == learner and not r.passed]
            print(f"{learner:40} {len(found.checks) - len(red)}/{len(found.checks)} green"
                  + (f"  red: {', '.join(red)}" if red else ""))
        print("not checked from Azure, as they hold at one moment of their notebook only: "
              f"{', '.join(status.moments())} (the live board shows them as the learners' kernels reported them)")
        print(f"board: {paths['html']}")
        return 0
    subscription.verify()
    planned = sweep.plan(subscription)
    print(sweep.describe(planned))
    if planned.groups and not args.yes:
        try:
            answer = input(f"Delete these {len(planned.groups)} resource groups and everything in them? "
                           "Type yes to go on: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("Nothing deleted.")
            return 1
    print(sweep.summary(sweep.execute(subscription, planned)))
    return 0
