"""Start a throwaway sandbox for a benchmark and point this process at it (as `env` would)."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

from labhelpers.sandbox import server


@contextmanager
def running_sandbox():
    with tempfile.TemporaryDirectory(prefix="cmklab-bench-") as tmp:
        state = Path(tmp)
        info = server.ensure_running(state)
        server.apply_env(server.client_env(info))
        try:
            yield info
        finally:
            server.stop(state)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
