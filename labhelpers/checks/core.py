"""What every check shares (otter-grader style): `check("01-key-vault")` reads the real state through
the SDK, shows a friendly line and then a green/red table, records the result under
$CMKLAB_HOME/checks/ for the run report, and, headless, raises when red so papermill stops there.
The checks themselves live one module per notebook beside this one, each declaring its NOTEBOOK."""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from collections.abc import Callable, Iterable

from azure.core.exceptions import HttpResponseError, ServiceRequestError

from .. import connection, display, labstate, session
from ..classroom import reporting
from ..errors import CheckFailed


@dataclass
class Line:
    ok: bool
    what: str
    detail: str
    fix: str = ""          # what to do; shown only when the line is red

    @property
    def advice(self) -> str:
        return "" if self.ok else self.fix


@dataclass
class Result:
    name: str
    title: str
    success: str
    lines: list[Line]
    mode: str = ""
    checked_at: float = field(default_factory=time.time)

    @property
    def passed(self) -> bool:
        return bool(self.lines) and all(line.ok for line in self.lines)

    @property
    def summary(self) -> str:
        if self.passed:
            return self.success
        red = [line.what for line in self.lines if not line.ok]
        return f"{len(red)} of {len(self.lines)} red ({', '.join(red)}): fix them as the table says, " \
               "then run this cell again"

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        """A recorded result (`as_dict`) back, so the run report shows it as the notebook did."""
        return cls(data["name"], data["title"], data["success"], [Line(**line) for line in data["lines"]],
                   data.get("mode", ""), data["checked_at"])

    def as_dict(self) -> dict:
        data = {**asdict(self), "passed": self.passed, "summary": self.summary}
        for line, recorded in zip(self.lines, data["lines"]):
            recorded["fix"] = line.advice
        return data

    def _table(self) -> tuple[str, str]:
        return display.table(["", "check", "found", "what to do"],
                             [[display.status(line.ok), line.what, line.detail, line.advice] for line in self.lines])

    def text(self) -> str:
        head = f"{display.status(self.passed, 'green', 'RED')} {self.title}: {self.summary}"
        return head + "\n" + "\n".join("  " + row for row in self._table()[0].splitlines())

    def html(self) -> str:
        """Status in words and colour (an emoji alone is an empty box without an emoji font); the table
        folded when green, open when red."""
        colour = "#0b6e4f" if self.passed else "#b3261e"
        return (f'<div style="border-left:6px solid {colour};padding:4px 10px;margin:6px 0">'
                f'<div style="font-weight:bold;color:{colour}">{display.status(self.passed, "green", "RED")} '
                f'{display.esc(self.title)}: {display.esc(self.summary)}</div>'
                f'<details{"" if self.passed else " open"}><summary>details</summary>{self._table()[1]}'
                f'</details></div>')

    def _ipython_display_(self) -> None:
        display.show(self.text(), self.html())


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    success: str
    read: Callable[[session.Session], Iterable[Line]]
    notebook: str
    moment: bool = False      # true only at one point of its notebook (08-revoked while the key is off)


STEPS: dict[str, Step] = {}           # by name, in the order the modules declare them


def steps_of(notebook: str):
    """The `@step(name, title, success)` decorator of one notebook's checks: `read(session)` yields one
    Line per fact it verifies. `moment=True`: the check holds at one point of its notebook only, and the
    notebook moves on from there (it is not a state a finished lab keeps)."""
    def step(name: str, title: str, success: str, moment: bool = False):
        def register(read):
            STEPS[name] = Step(name, title, success, read, notebook, moment)
            return read
        return register
    return step


def of_notebook(notebook: str) -> list[str]:
    """The names of the checks a notebook runs, in its order."""
    return [name for name, found in STEPS.items() if found.notebook == notebook]


def of_notebooks(first: str, last: str) -> list[str]:
    """The checks of the notebooks from `first` to `last` (notebook names sort in the lab's order)."""
    return [name for name, found in sorted(STEPS.items(), key=lambda item: item[1].notebook)
            if first <= found.notebook <= last]


def results_dir():
    return labstate.home() / "checks"


def evaluate(name: str) -> Result:
    """Run a check without showing or raising (tests and tools)."""
    if name not in STEPS:
        raise KeyError(f"no check named {name!r}; the checks are: {', '.join(sorted(STEPS))}")
    found = STEPS[name]
    current = session.current()
    lines: list[Line] = []
    try:
        lines.extend(found.read(current))
    except HttpResponseError as exc:
        code = exc.error.code if exc.error else exc.reason
        message = " ".join(((exc.error.message if exc.error else None) or str(exc)).split())   # long ones fold in HTML
        lines.append(Line(False, "reading the state", f"Azure answered {exc.status_code} {code}: {message}",
                          "fix what Azure says, then run this cell again"))
    except ServiceRequestError:
        lost = connection.lost_sandbox()
        if lost is None:
            raise
        lines.append(Line(False, "reading the state", "the sandbox is not running any more", lost))
    result = Result(found.name, found.title, found.success, lines, current.mode)
    _record(result, found.notebook)
    return result


def _record(result: Result, notebook: str) -> None:
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{result.name}.tmp"
    tmp.write_text(json.dumps(result.as_dict(), indent=2))
    tmp.replace(folder / f"{result.name}.json")
    reporting.report(result.as_dict(), notebook)      # to the class's progress service, when there is one


def recorded() -> dict[str, dict]:
    """The last recorded result of every check, by name."""
    folder = results_dir()
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.exists() else {}


def check(name: str) -> Result:
    """The check cell of a notebook: shows the result; headless, a red result raises CheckFailed."""
    result = evaluate(name)
    if not result.passed and display.headless():
        result._ipython_display_()
        raise CheckFailed(result)
    return result
