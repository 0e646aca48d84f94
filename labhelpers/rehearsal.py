"""What an instructor sets when rehearsing a class with the runner: the names (given, or derived from a
prefix per seat), a subset of the notebooks, keeping the resources (no cleanup notebook), and several
learners at once against one subscription, each a lab home of its own. In sandbox mode the learners
share one sandbox, so they meet in one subscription as a class does (and its propagation delay)."""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import labstate, naming
from .runner import CLEANUP, lab_notebooks
from .sandbox import server

NAME_PARAMETERS = tuple(n for n in labstate.Choices.names() if n not in ("subscription_id", "region"))


def prefixed_names(prefix: str) -> dict[str, str]:
    """One seat's names: the exercise's, led by the seat's prefix (as `class preflight --prefix` checks
    them). The vault name stays free for 00-setup to propose: it must be unique in all of Azure."""
    return {"resource_group": f"{prefix}-{naming.EXERCISE_NAMES['resource_group']}"[:90],
            "foundry_name": f"{prefix}-{naming.EXERCISE_NAMES['foundry_name']}"[:64]}


def seat_prefix(prefix: str, seat: int) -> str:
    return f"{prefix}{seat:02d}"


def parse_names(pairs: list[str]) -> dict[str, str]:
    """`--name key_vault_name=kv-class-01` → {"key_vault_name": "kv-class-01"}; ValueError says what is wrong."""
    names = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in NAME_PARAMETERS or not value:
            raise ValueError(f"--name takes NAME=VALUE with NAME one of {', '.join(NAME_PARAMETERS)}; got {pair!r}")
        names[key] = value
    return names


def select_notebooks(wanted: list[str] | None, keep: bool) -> list[str]:
    """The notebooks to run, in the lab's order: those named (by number, `03`, or name), else all;
    without the cleanup notebook when the resources are to be kept."""
    every = lab_notebooks()
    chosen = every
    if wanted:
        unknown = [w for w in wanted if not any(n == w or n.startswith(f"{w}-") for n in every)]
        if unknown:
            raise ValueError(f"no notebook {', '.join(unknown)}; the notebooks are: {', '.join(every)}")
        chosen = [n for n in every if any(n == w or n.startswith(f"{w}-") for w in wanted)]
    return [n for n in chosen if not (keep and n == CLEANUP)]


@dataclass
class Seat:
    number: int
    folder: Path
    returncode: int | None = None
    output: str = ""


def run_learners(count: int, prefix: str, folder: Path, run_args: list[str], mode: str,
                 rbac_delay: float = 0.0) -> list[Seat]:
    """`count` learners at once, each `python -m labhelpers run` in its own process and lab home, named
    by its seat's prefix; in sandbox mode all against one sandbox (started here, stopped here)."""
    seats = [Seat(n, folder / f"learner-{n:02d}") for n in range(1, count + 1)]
    shared = folder / "sandbox"
    if mode == "sandbox":
        server.ensure_running(shared, rbac_delay=rbac_delay,            # and the Azure timing, when asked for
                              timing_profile=os.environ.get("CMKLAB_SANDBOX_TIMING") or "fast",
                              time_scale=float(os.environ.get("CMKLAB_SANDBOX_TIME_SCALE") or 1.0))
    try:
        for seat in seats:
            (seat.folder / "home").mkdir(parents=True)
            if mode == "sandbox":
                (seat.folder / "home" / "sandbox").symlink_to(shared.resolve(), target_is_directory=True)

        def run(seat: Seat) -> Seat:
            done = subprocess.run([sys.executable, "-m", "labhelpers", "run", *run_args,
                                   "--prefix", seat_prefix(prefix, seat.number), "--home", str(seat.folder / "home"),
                                   "--runs-dir", str(seat.folder)],
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True)
            seat.returncode, seat.output = done.returncode, done.stdout + done.stderr
            return seat
        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(run, seats))
    finally:
        if mode == "sandbox":
            server.stop(shared)
