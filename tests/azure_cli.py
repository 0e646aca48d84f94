"""The current Azure CLI from PyPI in a cached venv of its own (~2-3 min to install, once per version
per machine; then reused): a client the project did not write, for tests/test_azure_cli.py.
The cache is $CMKLAB_CACHE (default ~/.cache/cmklab)/azure-cli-<version>; a lock keeps two test
processes from installing it at once."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

VERSION = "2.91.0"          # the current release when this was written (issue #8)


def cache_dir() -> Path:
    return Path(os.environ.get("CMKLAB_CACHE", Path.home() / ".cache" / "cmklab"))


def ensure_installed() -> Path:
    """The `az` executable of the cached venv, installing it first if needed."""
    venv = cache_dir() / f"azure-cli-{VERSION}"
    az, stamp = venv / "bin" / "az", venv / ".installed"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"azure-cli-{VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            f"azure-cli=={VERSION}"], check=True)
            stamp.touch()
    return az


if __name__ == "__main__":      # `make azure-cli`: install ahead of the tests
    print(ensure_installed())
