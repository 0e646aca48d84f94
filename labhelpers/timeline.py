"""The audit trail as a picture: who did what with the key, over time. One row per operation
(KeyGet, KeyWrap, ...), one colour per kind of caller (you, the Foundry identity, Key Vault itself),
a dot for a success and a cross for a refusal. Drawn with matplotlib into a PNG, shown with a text
summary (for headless runs and logs)."""
from __future__ import annotations

import base64
import io
from collections import Counter
from datetime import datetime

from . import display
from .keyaudit import AuditRow

# who acts: you, the resource's identities, Key Vault itself
COLOURS = {"you": "#1f5fbf", "Foundry identity": "#8a3ffc", "Key Vault itself": "#5a5a5a"}


CHALLENGE = "Authentication"      # a request sent without a token, answered 401 with Key Vault's challenge


def who(row: AuditRow) -> str:
    if row.kind == "managed identity":
        return "Foundry identity"
    return "you" if row.kind == "user" else "Key Vault itself"     # no caller: its rotation policy acting


def drawn(rows: list[AuditRow]) -> list[AuditRow]:
    """The rows worth drawing: not the challenges every client's first request gets (by design)."""
    return [r for r in rows if r.operation != CHALLENGE]


def draw(rows: list[AuditRow]) -> bytes:
    """The PNG of the timeline."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    operations = sorted({r.operation for r in rows}, reverse=True)      # alphabetical from the top
    fig = Figure(figsize=(9, 0.5 * len(operations) + 1.6), dpi=100)
    ax = fig.subplots()
    for row in rows:
        ok = row.result == "OK"
        ax.scatter(date2num(datetime.fromisoformat(row.time.replace("Z", "+00:00"))), operations.index(row.operation),
                   marker="o" if ok else "x", s=60 if ok else 80, color=COLOURS[who(row)],
                   linewidths=2.5, zorder=3)
    ax.set_yticks(range(len(operations)), operations)
    ax.set_ylim(-0.6, len(operations) - 0.4)
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(axis="x", color="#ddd")
    ax.set_xlabel("time (UTC)")
    ax.set_title("Key Vault audit trail of your key", pad=28)
    legend = [Line2D([], [], color=c, marker="o", linestyle="", label=k) for k, c in COLOURS.items()]
    legend += [Line2D([], [], color="#222", marker="o", linestyle="", label="succeeded"),
               Line2D([], [], color="#222", marker="x", linestyle="", markeredgewidth=2.5, label="refused")]
    ax.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=5, frameon=False)
    out = io.BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight")
    return out.getvalue()


def summary(rows: list[AuditRow]) -> str:
    counts = Counter((who(r), r.operation, "OK" if r.result == "OK" else "refused") for r in rows)
    return "\n".join(f"{n:>3} × {caller}: {op} {outcome}" for (caller, op, outcome), n in sorted(counts.items()))


def show_timeline(rows: list[AuditRow]) -> None:
    """Draw `rows` (lab.key_audit's)."""
    challenges = len(rows) - len(drawn(rows))
    rows = drawn(rows)
    if not rows:
        print("No audit records to draw.")
        return
    png = draw(rows)
    text = "Key Vault audit trail:\n" + summary(rows) + (
        f"\n(not drawn: {challenges} requests sent without a token, answered with Key Vault's 401 challenge "
        "as every client's first request is)" if challenges else "")
    if display._in_kernel():
        from IPython.display import display as ipython_display
        ipython_display({"image/png": base64.b64encode(png).decode(), "text/plain": text}, raw=True)
    else:
        print(text)
