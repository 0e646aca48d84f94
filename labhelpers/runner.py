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

import nbformat

from . import chain, checks, report

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
    error: str = ""                  # why it failed: the exception, as the notebook shows it
    checks: list[dict] = field(default_factory=list)
    title: str = ""                  # its title cell: what the learner did there
    failure: dict = field(default_factory=dict)    # where it failed (step, anchor) and what to do (todo)
    rendered: bool = False           # <name>.html (nbconvert) is beside the executed .ipynb
    chain: list[dict] = field(default_factory=list)   # the chain of trust as the notebook last drew it


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
    executed = out_dir / f"{name}.ipynb"
    if executed.exists():
        nb = nbformat.read(executed, as_version=4)
        run.title = _title(nb)
        if run.status == "failed":
            run.failure = _failure(nb, run)
        run.rendered = _render_html(nb, out_dir / f"{name}.html")
    run.chain = [asdict(link) for link in chain.recorded_since(started) or []]
    return run


def _title(nb) -> str:
    """The lesson's title cell (papermill puts its own error cell above it on a failure)."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# ")), "")
    return first.splitlines()[0].lstrip("# ").strip() if first else ""


def _failure(nb, run: NotebookRun) -> dict:
    """The step that failed (the section heading above the failing cell, and the cell's first line),
    where to see it in the rendered notebook, and what to do."""
    index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
        o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    if index is None:
        return {"todo": [f"open notebooks/{run.name}.ipynb in JupyterLab (make lab) and run it to see the error"]}
    cell, heading = nb.cells[index], ""
    for above in reversed(nb.cells[:index]):
        titles = [line.lstrip("#").strip() for line in above.source.splitlines()
                  if above.cell_type == "markdown" and line.startswith("#")]
        if titles:
            heading = titles[-1]
            break
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    red = [f"{line['what']}: {line['fix']}" for c in run.checks if not c["passed"] for line in c["lines"]
           if not line["ok"] and line["fix"]]
    todo = red or [f"read the error under that cell in {run.name}.html: the lab's errors say what to do"]
    todo.append(f"run it again: open notebooks/{run.name}.ipynb (make lab), or run the whole lab (make run)")
    return {"step": f"{heading}: cell {index + 1}, {first_line}" if heading else f"cell {index + 1}, {first_line}",
            "anchor": f"cell-id={cell.get('id', '')}" if cell.get("id") else "", "todo": todo}


def _render_html(nb, path: Path) -> bool:
    """The executed notebook as a page to read (nbconvert's lab template): the report links it."""
    from nbconvert import HTMLExporter
    try:
        body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    except Exception as exc:         # a report without this page is still a report: say why, go on
        print(f"{path.name}: not rendered ({type(exc).__name__}: {exc})", file=sys.stderr)
        return False
    path.write_text(body, encoding="utf-8")
    return True


def run_lab(mode: str = "sandbox", subscription_id: str | None = None, region: str | None = None,
            runs_dir: Path = ROOT / "runs", home: Path | None = None,
            notebooks: list[str] | None = None, names: dict | None = None, rbac_delay: float = 0.0) -> LabRun:
    """`names`: papermill parameters naming the resources (labhelpers/rehearsal.py); `notebooks`: a
    subset, in the lab's order (without 99-cleanup the resources stay)."""
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
