"""report.html of a headless run, for a person to read: the verdict in words and colour, what the run
did and what its green checks prove, then per notebook its status, the step that failed (why, and what
to do), and every check as the notebook shows it (`Result.html()`: a red one opens its table). Each
executed notebook is linked twice: rendered as HTML (nbconvert) to read, and as .ipynb to open. Where a
notebook drew the chain of trust, its last drawing follows its checks."""
from __future__ import annotations

from . import chain
from .checks import Result
from .display import esc

STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:72em;line-height:1.35}
table{border-collapse:collapse;margin:.3em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;
vertical-align:top}.passed{color:#0b6e4f;font-weight:bold}.failed{color:#b3261e;font-weight:bold}
.notrun{color:#666}.step{border-left:6px solid #b3261e;padding:4px 10px;margin:6px 0;background:#fdf3f2}
h2{margin-bottom:.2em}"""

STATUS_WORDS = {"passed": "passed", "failed": "FAILED", "not run": "not run"}


def _status(status: str) -> str:
    return f'<span class="{status.replace(" ", "")}">{esc(STATUS_WORDS.get(status, status))}</span>'


def _links(run) -> str:
    """The executed notebook, rendered to read and as .ipynb to open; a notebook not run has neither."""
    name = esc(run.name)
    if run.status == "not run":
        return name
    ipynb = f'<a href="{name}.ipynb">.ipynb</a>'
    return f'<a href="{name}.html">{name}</a> ({ipynb})' if run.rendered else f'<a href="{name}.ipynb">{name}</a>'


def _green(run) -> str:
    return f"{sum(c['passed'] for c in run.checks)} of {len(run.checks)} green"


def _failure(run) -> str:
    """Which step failed, why, and what to do: the runner's account of the failing cell."""
    failure = run.failure or {}
    where = failure.get("step") or "a cell"
    anchor = f' (<a href="{esc(run.name)}.html#{esc(failure["anchor"])}">see it</a>)' if failure.get("anchor") else ""
    todo = failure.get("todo") or []
    return (f'<div class="step"><p><b>Failed at:</b> {esc(where)}{anchor}</p>'
            f"<p><b>Why:</b> {esc(run.error)}</p>"
            + (f"<p><b>What to do:</b></p><ul>{''.join(f'<li>{esc(t)}</li>' for t in todo)}</ul>" if todo else "")
            + "</div>")


def _proves(lab) -> str:
    """What the learner did (each notebook's title) and what the green checks prove (their success)."""
    items = []
    for run in lab.notebooks:
        if run.status == "not run":
            continue
        proven = [c["success"] for c in run.checks if c["passed"]]
        items.append(f"<li><b>{esc(run.title or run.name)}</b>"
                     + (f": {esc('; '.join(proven))}" if proven else "") + "</li>")
    where = "the sandbox" if lab.mode == "sandbox" else "your subscription"
    return (f"<h2>What you did and what it proves</h2><p>After each step a check read the real state in {where} "
            f"through the Azure SDK; each green one proves what it says.</p><ul>{''.join(items)}</ul>" if items else "")


def render(lab) -> str:
    verdict = "passed" if lab.passed else "failed"
    ran = [n for n in lab.notebooks if n.status != "not run"]
    skipped = [n.name for n in lab.notebooks if n.status == "not run"]
    summary = "".join(
        f"<tr><td>{_links(n)}</td><td>{_status(n.status)}</td>"
        f"<td>{f'{n.seconds:.1f} s' if n.status != 'not run' else ''}</td>"
        f"<td>{_green(n) if n.status != 'not run' else ''}</td></tr>" for n in lab.notebooks)
    details = "".join(
        f'<h2 id="{esc(n.name)}">{_links(n)}: {_status(n.status)}</h2>'
        + (_failure(n) if n.status == "failed" else "")
        + "".join(Result.from_dict(c).html() for c in n.checks)
        + (chain.html([chain.Link(**link) for link in n.chain]) if n.chain else "") for n in ran)
    if skipped:
        details += (f"<h2>{_status('not run')}</h2><p>Not run, since a notebook before them failed: "
                    f"{esc(', '.join(skipped))}.</p>")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>CMK lab run {esc(lab.started)}: {verdict}"
            f"</title><style>{STYLE}</style></head><body><h1>CMK lab run: {_status(verdict)}</h1>"
            f"<p>Mode <b>{esc(lab.mode)}</b>, started {esc(lab.started)}, {lab.seconds:.1f} s in all.</p>"
            f"<table><tr><th>notebook</th><th>status</th><th>duration</th><th>checks</th></tr>{summary}</table>"
            f"{_proves(lab)}{details}</body></html>")


# -- the same run in the terminal -----------------------------------------------------------------
ANSI = {"passed": "\033[32m", "failed": "\033[1;31m", "not run": "\033[2m", "red": "\033[31m"}
RESET = "\033[0m"


def text(lab, colour: bool = False) -> str:
    """One line per notebook; under a failed one, the step that failed, why, every red line of its
    checks with its fix, and what to do. Words carry the status; colour (on a terminal) only adds."""
    def paint(kind: str, words: str) -> str:
        return f"{ANSI[kind]}{words}{RESET}" if colour else words

    out = []
    for run in lab.notebooks:
        green = sum(c["passed"] for c in run.checks)
        took = f" {run.seconds:6.1f} s" if run.status != "not run" else ""
        out.append(f"{run.name:28} {paint(run.status, f'{STATUS_WORDS[run.status]:8}')}{took}"
                   + (f"  {green} of {len(run.checks)} checks green" if run.checks else ""))
        if run.status == "failed":
            if run.failure.get("step"):
                out.append(f"    failed at: {run.failure['step']}")
            out.append(f"    why: {run.error}")
        for check in run.checks:
            if check["passed"]:
                continue
            out.append("    " + paint("red", f"red check {check['name']}: {check['title']}"))
            for line in check["lines"]:
                if not line["ok"]:
                    out.append(f"      {line['what']}: {line['detail']}")
                    if line["fix"]:
                        out.append(f"        what to do: {line['fix']}")
        if run.status == "failed" and run.failure.get("todo"):
            out.append(f"    then: {run.failure['todo'][-1]}")
    verdict = "passed" if lab.passed else "failed"
    out.append(f"the lab run {paint(verdict, STATUS_WORDS[verdict])}; report: {lab.folder / 'report.html'}")
    return "\n".join(out)
