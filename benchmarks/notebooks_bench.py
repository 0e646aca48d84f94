"""The notebook phase of `make run` (papermill running the lab's notebooks on a fresh sandbox) beside its floor,
measured in the same run: papermill running seven notebooks that only import the same packages and
connect. What the lab adds on top of kernel start-up, imports and connection is the difference.
Target: lab <= 2x floor. Prints the figures; exits 1 when the target is missed."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from labhelpers import runner  # noqa: E402
from labhelpers.labstate import PARAMETERS  # noqa: E402
from labhelpers.sandbox import server  # noqa: E402

TARGET = 2.0
FLOOR_CELLS = [
    "\n".join(f"{name} = None" for name in PARAMETERS),
    """from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from labhelpers import connection, lab  # noqa: F401  (the lab notebooks import it too)

connection.connect(mode or "sandbox")
credential = DefaultAzureCredential()""",
]


def floor_seconds(work: Path) -> float:
    """Seven connect-only notebooks, run exactly as the runner runs the lab's."""
    folder, home = work / "floor", work / "floor-home"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": runner.KERNEL, "language": "python",
                                                           "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell(source) for source in FLOOR_CELLS]
    nb.cells[0].metadata["tags"] = ["parameters"]
    started = time.perf_counter()
    with runner.kernel_environment(home), runner.kernel_log(work / "floor-kernels.log"):
        for i in range(len(runner.lab_notebooks())):
            path = folder / f"floor-{i}.ipynb"
            nbformat.write(nb, path)
            papermill.execute_notebook(path, path, kernel_name=runner.KERNEL, progress_bar=False)
    seconds = time.perf_counter() - started
    server.stop(home / "sandbox")
    return seconds


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cmklab-bench-") as tmp:
        work = Path(tmp)
        floor = floor_seconds(work)
        lab = runner.run_lab(runs_dir=work / "runs")
    phase = sum(n.seconds for n in lab.notebooks)
    ratio = phase / floor
    print(f"notebook phase of `make run`: {phase:.1f} s for {len(lab.notebooks)} notebooks "
          f"({'all green' if lab.passed else 'NOT all green'})")
    print(f"floor (connect-only notebooks): {floor:.1f} s")
    print(f"ratio: {ratio:.2f}x (target <= {TARGET:.1f}x): {'met' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET and lab.passed else 1


if __name__ == "__main__":
    sys.exit(main())
