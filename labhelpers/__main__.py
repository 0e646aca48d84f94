"""python -m labhelpers run [--mode azure --subscription ID --region R]: the whole lab, headless;
python -m labhelpers class ...: the instructor's commands for a class (labhelpers/classroom/cli.py)."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import rehearsal, report, runner
from .classroom import cli as class_cli
from .classroom.azure import ClassSubscription, NoSuchSubscription


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labhelpers", description="The CMK lab, headless.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute the notebooks (00-08, 99-cleanup last) with papermill and write "
                                     "runs/latest/report.html")
    run.add_argument("--mode", choices=["sandbox", "azure"], default="sandbox")
    run.add_argument("--subscription", help="subscription id (azure mode; default: the first where you are Owner)")
    run.add_argument("--region", help="Azure region name, e.g. swedencentral (default: eastus when offered)")
    run.add_argument("--runs-dir", type=Path, default=Path("runs"), help="where run folders go (default: runs/)")
    run.add_argument("--home", type=Path,
                     help="lab home ($CMKLAB_HOME) to use; default: a fresh one inside the run folder")
    run.add_argument("--timing", choices=["fast", "azure"], default="fast",
                     help="sandbox mode: rehearse with Azure's long operations and role propagation delays")
    run.add_argument("--time-scale", type=float, default=1.0, metavar="F",
                     help="with --timing azure: multiply Azure's durations by F (default 1: real time)")
    rehearse = run.add_argument_group("rehearsing a class")
    rehearse.add_argument("--prefix", help="name the resources <prefix>-<the exercise's name> (a seat of a class)")
    rehearse.add_argument("--name", action="append", default=[], metavar="NAME=VALUE",
                          help=f"one resource's name, NAME one of {', '.join(rehearsal.NAME_PARAMETERS)} (repeatable)")
    rehearse.add_argument("--notebooks", help="a subset, by number or name: 00,01,02 (the cleanup runs only if listed)")
    rehearse.add_argument("--keep", action="store_true", help="keep the resources: skip the cleanup notebook")
    rehearse.add_argument("--rbac-delay", type=float, default=0.0, metavar="SECONDS",
                          help="sandbox: new role assignments take effect this late, as Azure's propagation")
    rehearse.add_argument("--learners", type=int, default=1,
                          help="N learners at once against one subscription: seats <prefix>01..N (prefix: seat)")
    class_cli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "class":
        return class_cli.run(args)
    if args.timing != "fast":          # the kernels start the sandbox (connection.py) and read these
        os.environ.update(CMKLAB_SANDBOX_TIMING=args.timing, CMKLAB_SANDBOX_TIME_SCALE=str(args.time_scale))
    try:
        names = {**(rehearsal.prefixed_names(args.prefix) if args.prefix else {}), **rehearsal.parse_names(args.name)}
        notebooks = rehearsal.select_notebooks(args.notebooks.split(",") if args.notebooks else None, args.keep)
        if args.mode == "azure" and args.subscription:
            ClassSubscription(args.subscription).verify()
    except (ValueError, NoSuchSubscription) as exc:
        print(exc)
        return 2
    if args.learners > 1:
        return _run_learners(args)

    lab = runner.run_lab(args.mode, args.subscription, args.region, args.runs_dir.resolve(),
                         args.home.resolve() if args.home else None, notebooks, names, args.rbac_delay)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    print(report.text(lab, colour))
    return 0 if lab.passed else 1


def _run_learners(args) -> int:
    """The same run for N seats at once; each seat's own lines and report, then one line per seat."""
    if args.home or args.name:
        print("--learners gives every seat its own lab home and names: leave out --home and --name")
        return 2
    passed_on = ["--mode", args.mode, *(["--subscription", args.subscription] if args.subscription else []),
                 *(["--region", args.region] if args.region else []),
                 *(["--notebooks", args.notebooks] if args.notebooks else []), *(["--keep"] if args.keep else [])]
    folder = args.runs_dir.resolve() / f"class-{time.strftime('%Y%m%d-%H%M%S')}"
    seats = rehearsal.run_learners(args.learners, args.prefix or "seat", folder, passed_on, args.mode,
                                   args.rbac_delay)
    for seat in seats:
        print(f"── learner {seat.number:02d} ({rehearsal.seat_prefix(args.prefix or 'seat', seat.number)}): "
              f"{'passed' if seat.returncode == 0 else 'FAILED'}")
        print("\n".join("   " + line for line in seat.output.strip().splitlines()))
    print(f"{sum(s.returncode == 0 for s in seats)} of {len(seats)} learners passed; runs in {folder}")
    return 0 if all(s.returncode == 0 for s in seats) else 1


if __name__ == "__main__":
    sys.exit(main())
