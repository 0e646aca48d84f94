"""A class on one machine: what one learner costs and how many learners it holds.

On a real JupyterHub started from jupyterhub/jupyterhub_config.py (tests/hubtools.py: DummyAuthenticator,
SimpleLocalProcessSpawner), learners run 00-05 in kernels of their own servers, as in class.

1. One learner: the memory (PSS, from /proc/<pid>/smaps_rollup) of their single-user server, of one
   kernel with the lab imported and connected, and of their sandbox, after 00-05.
2. Responsiveness: K = 1..MAX learners work at once (each runs 00-05), while every learner's lab is
   probed every 0.5 s: a request to their server (contents API) and a one-line cell in a kernel of
   theirs. Per K, the slowest learner's 95th percentile.
3. How many learners the machine holds with every lab responsive (p95 under 1 s). Method, stated in
   the output: memory bound = (available memory) / (one learner's memory with one open notebook,
   one extra kernel for a second notebook); CPU bound = the K where a straight line fitted (least
   squares) through the measured p95(K) crosses 1 s, if it does within the measured range the
   measured K; the capacity is the smaller. Only the CPU line is extrapolated beyond MAX.

python benchmarks/class_bench.py [--max-learners 4]"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from hubtools import Hub, KernelSession, run_in_server  # noqa: E402

from labhelpers.runner import lab_notebooks  # noqa: E402

LESSONS = [n for n in lab_notebooks() if n[:2] in ("00", "01", "02", "03", "04", "05")]
RESPONSIVE = 1.0


def pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def processes_of(user: str, home: Path) -> dict[str, list[int]]:
    """The learner's processes, by what they are: read from /proc (cmdline and environment)."""
    found: dict[str, list[int]] = {"server": [], "kernels": [], "sandbox": []}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"--state {home}/.cmklab/sandbox" in cmdline or f"--state {home.resolve()}/.cmklab/sandbox" in cmdline:
            found["sandbox"].append(int(proc.name))
        elif f"JUPYTERHUB_USER={user}".encode() in environ:
            if "ipykernel_launcher" in cmdline:
                found["kernels"].append(int(proc.name))
            elif "jupyterhub-singleuser" in cmdline:
                found["server"].append(int(proc.name))
    return found


async def learner_runs(hub: Hub, user: str) -> float:
    started = time.monotonic()
    for notebook in LESSONS:
        errors = await run_in_server(hub, user, hub.tokens[user], notebook)
        if errors:
            raise RuntimeError(f"{user}: {errors}")
    return time.monotonic() - started


async def probe(hub: Hub, user: str, kernel: KernelSession, stop: asyncio.Event, seen: list[float]) -> None:
    headers = {"Authorization": f"token {hub.tokens[user]}"}
    url = f"{hub.url}/user/{user}/api/contents/cmklab/notebooks"
    while not stop.is_set():
        started = time.monotonic()
        await asyncio.to_thread(requests.get, url, headers=headers, timeout=30)
        await kernel.execute("1 + 1", timeout=60)
        seen.append(time.monotonic() - started)
        await asyncio.sleep(0.5)


async def working_class(hub: Hub, users: list[str]) -> tuple[float, float]:
    """All `users` run 00-05 at once while each one's lab is probed; (slowest p95, slowest run)."""
    samples = {u: [] for u in users}
    stop = asyncio.Event()
    kernels = [KernelSession(hub, u, hub.tokens[u], "cmklab/notebooks/probe.ipynb") for u in users]
    for k in kernels:
        await k.__aenter__()
    probes = [asyncio.create_task(probe(hub, u, k, stop, samples[u])) for u, k in zip(users, kernels)]
    try:
        durations = await asyncio.gather(*(learner_runs(hub, u) for u in users))
    finally:
        stop.set()
        await asyncio.gather(*probes, return_exceptions=True)
        for k in kernels:
            await k.__aexit__()
    p95 = max(statistics.quantiles(s, n=20)[18] if len(s) >= 2 else s[0] for s in samples.values())
    return p95, max(durations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-learners", type=int, default=4, help="learners ramped to (bounded: real ones)")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="class-bench-"))
    hub = Hub(state, instructors=["teacher"])
    try:
        hub.start()
        users = [f"learner{n:02d}" for n in range(1, args.max_learners + 1)]
        hub.tokens = {u: hub.add_learner(u) for u in users}

        # 1. one learner, alone
        one = users[0]
        asyncio.run(learner_runs(hub, one))

        async def measure_one():
            async with KernelSession(hub, one, hub.tokens[one], "cmklab/notebooks/05-configure-cmk.ipynb") as k:
                await k.execute("from labhelpers import lab\ncfg = lab.setup()")
                return {what: sum(pss_mb(p) for p in pids) for what, pids in processes_of(one, hub.home(one)).items()}
        memory = asyncio.run(measure_one())
        per_learner = memory["server"] + 2 * memory["kernels"] + memory["sandbox"]
        print("one learner after 00-05 (PSS):")
        print(f"  single-user server {memory['server']:7.0f} MB")
        print(f"  one kernel (lab)   {memory['kernels']:7.0f} MB")
        print(f"  sandbox            {memory['sandbox']:7.0f} MB")
        print(f"  with two notebooks open: {per_learner:.0f} MB")

        # 2. ramp
        measured = []
        for k in range(1, args.max_learners + 1):
            p95, slowest = asyncio.run(working_class(hub, users[:k]))
            measured.append((k, p95))
            print(f"{k} learners working at once: slowest learner's p95 {p95:.3f} s (00-05 took up to {slowest:.0f} s)")

        # 3. capacity
        available = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                             if line.startswith("MemTotal:"))) / 1024 - 2048      # 2 GB for the system and the hub
        memory_bound = int(available // per_learner)
        ks, ps = [k for k, _ in measured], [p for _, p in measured]
        if len(ks) > 1:
            slope = statistics.linear_regression(ks, ps).slope
            intercept = statistics.linear_regression(ks, ps).intercept
        else:
            slope, intercept = 0.0, ps[0]
        if max(ps) >= RESPONSIVE:
            cpu_bound = max([k for k, p in measured if p < RESPONSIVE], default=0)
            how = "measured"
        elif slope > 0:
            cpu_bound = int((RESPONSIVE - intercept) / slope)
            how = f"extrapolated: p95 ≈ {intercept:.3f} + {slope:.3f}·K s, 1 s at K = {cpu_bound}"
        else:
            cpu_bound, how = memory_bound, "p95 does not grow with K in the measured range"
        print(f"memory bound: {memory_bound} learners ({available:.0f} MB for learners / {per_learner:.0f} MB each)")
        print(f"CPU bound ({os.cpu_count()} cores, every learner working at once): {cpu_bound} learners ({how})")
        print(f"this machine holds {min(memory_bound, cpu_bound)} learners with every lab responsive "
              f"(p95 < {RESPONSIVE:.0f} s while all of them run cells)")
        return 0
    finally:
        hub.stop()


if __name__ == "__main__":
    sys.exit(main())
