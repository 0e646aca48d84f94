"""Secrets on disk. The state dir holds the identity header (which mints a token for any principal)
and every private key, so on a shared class server it is the owner's alone: the directory is 0700
and the secret files are 0600 from the moment they exist, never chmod-ed after being written."""
from __future__ import annotations

import os
from pathlib import Path

# Files that hold secrets: SQLite's WAL and shared-memory files take the database's mode.
SECRET_FILES = ("sandbox.db", "sandbox.db-wal", "sandbox.db-shm", "sandbox.json", "token-signing.key",
                "ca.key", "tls.key")


def private_dir(path: Path) -> Path:
    """Create the state dir owner-only, and tighten one made before this rule (and its secrets)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    for name in SECRET_FILES:
        try:
            os.chmod(path / name, 0o600)
        except FileNotFoundError:
            pass
    return path


def create_private(path: Path) -> None:
    """Make sure `path` exists as an owner-only file (before SQLite opens it and its WAL)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by its owner only, atomically (two processes may race)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
