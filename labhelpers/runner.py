"""Headless runs of the whole lab (`python -m labhelpers run`): papermill executes the notebooks in
their file names' order (00-05, those beyond the exercise, 99-cleanup last) into runs/<timestamp>/ with a fresh
$CMKLAB_HOME (so a sandbox run starts from an empty sandbox), collects every check's result and writes
report.html. In azure mode 99-cleanup runs even after a failure."""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from . import checks, report

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
CLEANUP = "99-cleanup"
KERNEL = "python3"


def lab_notebooks() -> list[str]:
    """The notebooks in the order a learner takes them, which is their file names' order (cleanup last),
    as JupyterLab's file browser lists them."""
    return sorted(p.stem for p in NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb"))


@dataclass
class NotebookRun:
    name: str
    status: str = "not run"          # passed | failed | not run
    seconds: float = 0.0
    error: str = ""
    checks: list[dict] = field(default_factory=list)


@dataclass
class LabRun:
    folder: Path
    mode: str
    started: str
    notebooks: list[NotebookRun]
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(n.status == "passed" and all(c.get("passed") for c in n.checks) for n in self.notebooks)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["folder"], data["passed"] = str(self.folder), self.passed
        return data


@contextmanager
def kernel_log(path: Path):
    """Kernels inherit this process's stderr and chat on it (transport warnings, shutdown notices):
    send it to a file in the run folder instead of the terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


@contextmanager
def kernel_environment(home: Path, rbac_delay: float = 0.0):
    """The environment the notebook kernels inherit: their own lab home, headless, this checkout (and
    the sandbox's propagation delay for new role assignments, when one is asked for)."""
    saved = dict(os.environ)
    os.environ.update(CMKLAB_HOME=str(home), CMKLAB_HEADLESS="1",
                      PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), saved.get("PYTHONPATH")])))
    if rbac_delay:
        os.environ["CMKLAB_RBAC_DELAY"] = str(rbac_delay)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def execute(name: str, out_dir: Path, parameters: dict) -> NotebookRun:
    """Run one notebook with papermill; the check results it recorded come with it."""
    import papermill
    from papermill.exceptions import PapermillExecutionError
    run = NotebookRun(name)
    started = time.time()
    try:
        papermill.execute_notebook(NOTEBOOK_DIR / f"{name}.ipynb", out_dir / f"{name}.ipynb",
                                   parameters=parameters, kernel_name=KERNEL, cwd=str(NOTEBOOK_DIR),
                                   progress_bar=False)
        run.status = "passed"
    except PapermillExecutionError as exc:
        run.status, run.error = "failed", f"{exc.ename}: {exc.evalue}"
    run.seconds = time.time() - started
    recorded = checks.recorded()
    mine = checks.of_notebook(name)
    run.checks = sorted((r for c, r in recorded.items() if c in mine and r["checked_at"] >= started),
                        key=lambda r: r["checked_at"])
    return run


def run_lab(mode: str = "sandbox", subscription_id: str | None = None, region: str | None = None,
            runs_dir: Path = ROOT / "runs", home: Path | None = None,
            notebooks: list[str] | None = None, names: dict | None = None, rbac_delay: float = 0.0) -> LabRun:
    """`names`: papermill parameters naming the resources (labhelpers/rehearsal.py); `notebooks`: a
    subset, in the lab's order (without 06-cleanup the resources stay)."""
    started = datetime.now()
    folder = runs_dir / started.strftime("%Y%m%d-%H%M%S")
    while folder.exists():                       # two runs in one second
        folder = folder.with_name(folder.name + "-1")
    folder.mkdir(parents=True)
    home = home or folder / "home"
    parameters = {k: v for k, v in (("mode", mode), ("subscription_id", subscription_id), ("region", region)) if v}
    parameters.update(names or {})
    lab = LabRun(folder, mode, started.isoformat(timespec="seconds"), [])
    failed = False
    clock = time.time()
    with kernel_environment(home, rbac_delay), kernel_log(folder / "kernels.log"):
        if mode == "sandbox":                    # the run uses the sandbox from kernel to kernel
            from .sandbox import server
            server.take_lease(home / "sandbox")
        for name in notebooks or lab_notebooks():
            if failed and not (mode == "azure" and name == CLEANUP):
                lab.notebooks.append(NotebookRun(name))
                continue
            run = execute(name, folder, parameters)
            lab.notebooks.append(run)
            failed = failed or run.status != "passed"
        if mode == "sandbox" and not (home / "sandbox").is_symlink():   # a shared one: its owner stops it
            server.stop(home / "sandbox")
    lab.seconds = time.time() - clock
    (folder / "results.json").write_text(json.dumps(lab.as_dict(), indent=2))
    (folder / "report.html").write_text(report.render(lab))
    _point_latest(runs_dir, folder)
    return lab


def _point_latest(runs_dir: Path, folder: Path) -> None:
    latest = runs_dir / "latest"
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    elif latest.is_dir():
        shutil.rmtree(latest)
    try:
        latest.symlink_to(folder.name, target_is_directory=True)
    except OSError:                              # no symlinks (some Windows setups): a copy
        shutil.copytree(folder, latest)
