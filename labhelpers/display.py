"""How the lab shows things: every output carries HTML (for Jupyter) and plain text (for headless runs,
logs and nbval), and nothing updates in place when no one is watching."""
from __future__ import annotations

import html
import os

OK, FAIL = "✅", "❌"
LONG = 160          # a table cell longer than this is folded in HTML: its start, then the rest on a click


def status(ok: bool, yes: str = "ok", no: str = "red") -> str:
    """A status in words as well as by mark."""
    return f"{OK} {yes}" if ok else f"{FAIL} {no}"


def headless() -> bool:
    """True under papermill/nbval/CI (the runner sets CMKLAB_HEADLESS=1) and outside a kernel."""
    return os.environ.get("CMKLAB_HEADLESS") == "1" or not _in_kernel()


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def show(text: str, markup: str) -> None:
    if _in_kernel():
        from IPython.display import display
        display({"text/plain": text, "text/html": markup}, raw=True)
    else:
        print(text)


def esc(value) -> str:
    return html.escape(str(value))


def badge(mode: str, subscription: str, tenant: str = "", lab_sandbox: bool = False) -> None:
    """Which world this notebook talks to, so no one mistakes the sandbox for Azure or the reverse."""
    show(*badge_parts(mode, subscription, tenant, lab_sandbox))


def badge_parts(mode: str, subscription: str, tenant: str = "", lab_sandbox: bool = False) -> tuple[str, str]:
    """The badge as text and as HTML (the setup form shows it beside its mode switch). lab_sandbox:
    azure mode, but what answers is the CMK lab sandbox (recognised by its tenant)."""
    if mode == "sandbox":
        label, colour = "SANDBOX", "#0b6e4f"
        note = "the embedded Azure sandbox: offline, nothing is billed"
    elif lab_sandbox:
        label, colour = "AZURE MODE · SANDBOX", "#8a5a00"
        note = (f"azure mode, answered by the CMK lab sandbox (tenant {tenant}), subscription "
                f"'{subscription}': nothing is billed")
    else:
        label, colour = "AZURE", "#b3261e"
        note = f"real Azure, subscription '{subscription}' in tenant {tenant}: resources cost money until 99-cleanup"
    return (f"[{label}] {note}",
            f'<div style="margin:4px 0"><span style="background:{colour};color:#fff;font-weight:bold;'
            f'padding:2px 8px;border-radius:10px">{esc(label)}</span> {esc(note)}</div>')


def table(headers: list[str], rows: list[list[str]]) -> tuple[str, str]:
    """The same table as aligned text and as HTML."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    text = "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
                     for r in [headers, *rows])
    head = "".join(f'<th style="text-align:left">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td style="text-align:left">{_cell(c)}</td>' for c in r) + "</tr>"
                   for r in rows)
    return text, f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value) -> str:
    text = str(value)
    if len(text) <= LONG:
        return esc(text)
    cut = text.rfind(" ", 0, LONG - 20)
    cut = cut if cut > 0 else LONG - 20
    return f"<details><summary>{esc(text[:cut])} …</summary>{esc(text[cut:])}</details>"


class StatusLine:
    """One line of progress. In Jupyter it updates in place; headless only its final text is
    written, so executed notebooks hold no timing noise."""

    def __init__(self, text: str):
        self._live = _in_kernel() and not headless()
        self._handle = None
        if self._live:
            from IPython.display import display
            self._handle = display({"text/plain": text}, raw=True, display_id=True)

    def update(self, text: str) -> None:
        if self._live and self._handle is not None:
            self._handle.update({"text/plain": text}, raw=True)

    def note(self, text: str) -> None:
        """A line worth keeping in every run (a retry, for instance)."""
        if self._live:
            self.update(text)
        else:
            print(text, flush=True)

    def done(self, text: str) -> None:
        if self._live:
            self.update(text)
        else:
            print(text, flush=True)
