"""python -m labhelpers run [--mode azure --subscription ID --region R]: the whole lab, headless;
python -m labhelpers class ...: the instructor's commands for a class (labhelpers/classroom/cli.py)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import runner
from .classroom import cli as class_cli


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
    class_cli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "class":
        return class_cli.run(args)
    if args.timing != "fast":          # the kernels start the sandbox (connection.py) and read these
        os.environ.update(CMKLAB_SANDBOX_TIMING=args.timing, CMKLAB_SANDBOX_TIME_SCALE=str(args.time_scale))

    lab = runner.run_lab(args.mode, args.subscription, args.region, args.runs_dir.resolve(),
                         args.home.resolve() if args.home else None)
    for notebook in lab.notebooks:
        red = [c["name"] for c in notebook.checks if not c["passed"]]
        print(f"{notebook.name:28} {notebook.status:8} {notebook.seconds:6.1f} s"
              + (f"  red: {', '.join(red)}" if red else "") + (f"  {notebook.error}" if notebook.error else ""))
    print(f"report: {lab.folder / 'report.html'}")
    return 0 if lab.passed else 1


if __name__ == "__main__":
    sys.exit(main())
