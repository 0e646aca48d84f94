"""report.html of a headless run: per notebook its status, duration and checks (every line, with the
fix for red ones), linking to the executed notebooks beside it."""
from __future__ import annotations

from .display import FAIL, OK, esc

STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse;margin:.3em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.passed{color:#0b6e4f}.failed{color:#b3261e}.notrun{color:#777}h2{margin-bottom:.2em}"""


def _check(result: dict) -> str:
    rows = "".join(f"<tr><td>{OK if line['ok'] else FAIL}</td><td>{esc(line['what'])}</td>"
                   f"<td>{esc(line['detail'])}</td><td><b>{esc(line['fix'])}</b></td></tr>"
                   for line in result["lines"])
    mark = OK if result["passed"] else FAIL
    return (f"<h3>{mark} <code>{esc(result['name'])}</code>: {esc(result['summary'])}</h3>"
            f"<table><tr><th></th><th>check</th><th>found</th><th>what to do</th></tr>{rows}</table>")


def render(lab) -> str:
    verdict = "passed" if lab.passed else "failed"
    summary = "".join(
        f'<tr><td><a href="{esc(n.name)}.ipynb">{esc(n.name)}</a></td>'
        f'<td class="{n.status.replace(" ", "")}">{esc(n.status)}</td><td>{n.seconds:.1f} s</td>'
        f"<td>{sum(c['passed'] for c in n.checks)}/{len(n.checks)} green</td></tr>" for n in lab.notebooks)
    details = "".join(
        f'<h2 id="{esc(n.name)}"><a href="{esc(n.name)}.ipynb">{esc(n.name)}</a> '
        f'<span class="{n.status.replace(" ", "")}">{esc(n.status)}</span></h2>'
        + (f"<p class=failed>{esc(n.error)}</p>" if n.error else "")
        + "".join(_check(c) for c in n.checks) for n in lab.notebooks)
    return (f"<!doctype html><html><head><meta charset=utf-8><title>CMK lab run {esc(lab.started)}</title>"
            f"<style>{STYLE}</style></head><body><h1>CMK lab run: <span class={verdict}>{verdict}</span></h1>"
            f"<p>Mode <b>{esc(lab.mode)}</b>, started {esc(lab.started)}, {lab.seconds:.1f} s in all.</p>"
            f"<table><tr><th>notebook</th><th>status</th><th>duration</th><th>checks</th></tr>{summary}</table>"
            f"{details}</body></html>")
