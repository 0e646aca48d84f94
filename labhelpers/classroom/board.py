"""The instructor's board: a row per learner, a column per check, a red cell saying what is wrong.
The progress service renders it live from what the learners' kernels reported; `python -m labhelpers
class board --homes DIR` renders the same from a folder of lab homes. Exports: CSV and JSON."""
from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..display import FAIL, OK, esc
from .records import Progress

STYLE = """body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;font-size:90%}
td.green{background:#e6f4ea}td.red{background:#fce8e6;max-width:18em}th.check{writing-mode:vertical-rl}
.when{color:#666;font-size:80%}"""


@dataclass
class Board:
    records: list[Progress]

    @property
    def learners(self) -> list[str]:
        return sorted({r.user for r in self.records})

    @property
    def checks(self) -> list[str]:
        """Check names sort in the lab's order: they start with their notebook's number."""
        return sorted({r.check for r in self.records})

    def cell(self, user: str, check: str) -> Progress | None:
        return next((r for r in self.records if r.user == user and r.check == check), None)

    def as_json(self) -> str:
        return json.dumps({"learners": self.learners, "checks": self.checks,
                           "progress": [r.as_dict() for r in self.records]}, indent=2)

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["learner", "check", "notebook", "passed", "checked_at", "message"])
        for r in self.records:
            writer.writerow([r.user, r.check, r.notebook, "green" if r.passed else "red",
                             time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r.checked_at)), r.message])
        return out.getvalue()

    def table_html(self) -> str:
        if not self.records:
            return "<p>No learner has run a check yet.</p>"
        head = "".join(f'<th class=check>{esc(c)}</th>' for c in self.checks)
        rows = []
        for user in self.learners:
            cells = []
            for check in self.checks:
                r = self.cell(user, check)
                if r is None:
                    cells.append("<td></td>")
                    continue
                when = time.strftime("%H:%M:%S", time.gmtime(r.checked_at))
                text = OK if r.passed else f"{FAIL} {esc(r.message)}"
                cells.append(f'<td class={"green" if r.passed else "red"} title="{esc(r.notebook)}">{text}'
                             f'<div class=when>{when} UTC</div></td>')
            green = sum(1 for c in self.checks if (r := self.cell(user, c)) and r.passed)
            rows.append(f"<tr><th>{esc(user)}</th><td>{green}/{len(self.checks)}</td>{''.join(cells)}</tr>")
        return f"<table><tr><th>learner</th><th>green</th>{head}</tr>{''.join(rows)}</table>"

    def page(self, title: str, live_url: str = "", exports: tuple[str, str] = ("board.csv", "board.json")) -> str:
        """The whole page; with `live_url` it refreshes its table from there every few seconds."""
        fetch = f"const r=await fetch({json.dumps(live_url)},{{credentials:'same-origin'}});"
        script = ("<script>setInterval(async()=>{" + fetch + "if(r.ok)document.getElementById('board')"
                  ".innerHTML=await r.text();},3000)</script>") if live_url else ""
        return (f"<!doctype html><html><head><meta charset=utf-8><title>{esc(title)}</title><style>{STYLE}</style>"
                f"</head><body><h1>{esc(title)}</h1><p>Export: <a href='{exports[0]}'>CSV</a> · "
                f"<a href='{exports[1]}'>JSON</a></p><div id=board>{self.table_html()}</div>{script}</body></html>")


def from_homes(folder: Path, notebooks: dict[str, str]) -> Board:
    """A board from a folder of lab homes: each sub-folder is one learner (named by it), holding the
    lab's checks/ (a lab home) or .cmklab/checks/ (a user's home directory). `notebooks`: the notebook
    of each check, by name."""
    records = []
    for learner in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        for checks in (learner / "checks", learner / ".cmklab" / "checks"):
            for path in sorted(checks.glob("*.json")):
                try:
                    result = json.loads(path.read_text())
                    record = Progress.from_result(result, notebooks.get(result["name"], ""))
                except (OSError, ValueError, KeyError, TypeError):
                    continue          # a half-written or foreign file: not a check result
                record.user = learner.name
                records.append(record)
    return Board(records)


def write(board: Board, out_dir: Path, title: str) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"html": out_dir / "board.html", "csv": out_dir / "board.csv", "json": out_dir / "board.json"}
    paths["html"].write_text(board.page(title))
    paths["csv"].write_text(board.as_csv())
    paths["json"].write_text(board.as_json())
    return paths
