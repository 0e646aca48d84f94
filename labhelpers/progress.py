"""`check_all()`, as otter-grader's: every notebook's checks in the learner's order, each green, red or
not run, from any notebook. A check's state is its latest result in this mode, recorded by the check
cell that ran it (re-running a check elsewhere could only mislead: 08-revoked is meant to be red
once the key is restored, 99-deleted while the lab is up)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import checks, display, session

NOT_RUN = "⚪"


@dataclass
class Progress:
    rows: list[tuple[str, str, dict | None]]      # (notebook, check, its latest result or None)

    @property
    def counts(self) -> tuple[int, int, int]:
        results = [r for _, _, r in self.rows]
        green = sum(1 for r in results if r and r["passed"])
        red = sum(1 for r in results if r and not r["passed"])
        return green, red, len(results) - green - red

    def _table(self) -> tuple[str, str]:
        cells = []
        for notebook, name, result in self.rows:
            if result is None:
                cells.append([notebook, name, NOT_RUN, "not run yet", ""])
            else:
                when = datetime.fromtimestamp(result["checked_at"]).strftime("%Y-%m-%d %H:%M")
                cells.append([notebook, name, display.OK if result["passed"] else display.FAIL,
                              result["summary"], when])
        return display.table(["notebook", "check", "", "last result", "when"], cells)

    def text(self) -> str:
        green, red, not_run = self.counts
        return f"{green} green, {red} red, {not_run} not run\n" + self._table()[0]

    def html(self) -> str:
        green, red, not_run = self.counts
        return (f"<div><b>{green} green, {red} red, {not_run} not run</b> (each check's latest result in this "
                f"mode)</div>{self._table()[1]}")

    def _ipython_display_(self) -> None:
        display.show(self.text(), self.html())


def notebook_checks() -> list[tuple[str, str]]:
    """(notebook, check) for every check, notebooks in the learner's order (cleanup last)."""
    from . import runner
    return [(notebook, name) for notebook in runner.lab_notebooks() for name in checks.of_notebook(notebook)]


def check_all() -> Progress:
    mode = session.current().mode
    recorded = {name: r for name, r in checks.recorded().items() if r.get("mode") == mode}
    return Progress([(notebook, name, recorded.get(name)) for notebook, name in notebook_checks()])
