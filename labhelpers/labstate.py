"""What the learner chose in 00-setup (mode, subscription, region, names), saved as JSON under
$CMKLAB_HOME so every notebook, and a restarted kernel, continues from there. Each mode keeps its own
choices: a sandbox subscription means nothing in Azure, and the other way round."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from . import naming

MODES = ("sandbox", "azure")
DEFAULT_MODE = "sandbox"
STATE_FILE = "lab.json"


def home() -> Path:
    """Where the lab keeps its state, the sandbox's state and the check results."""
    return Path(os.environ.get("CMKLAB_HOME") or Path.home() / ".cmklab").expanduser()


@dataclass
class Choices:
    subscription_id: str | None = None
    region: str | None = None
    resource_group: str | None = None
    key_vault_name: str | None = None
    key_name: str | None = None
    foundry_name: str | None = None
    project_name: str | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def merged(self, overrides: dict) -> Choices:
        """These choices with every non-None override applied (papermill parameters, widgets)."""
        return Choices(**{name: overrides.get(name) or getattr(self, name) for name in self.names()})

    def missing(self) -> list[str]:
        return [name for name in self.names() if not getattr(self, name)]


# The notebooks' `parameters` cell, in this order (DESIGN.md "Notebook parameters").
PARAMETERS = ("mode",) + Choices.names()


def _path() -> Path:
    return home() / STATE_FILE


def _read() -> dict:
    try:
        return json.loads(_path().read_text())
    except (OSError, ValueError):
        return {}


def home_id() -> str:
    """This lab home's own id, made once: it tells this learner's resources (tags) and default names
    from those of every other lab home on the subscription, even under the same sign-in."""
    state = _read()
    if not state.get("home_id"):
        state["home_id"] = naming.random_suffix()
        _write(state)
    return state["home_id"]


def adopt_home_id(value: str) -> None:
    """Take an existing lab home's id (class status checks a seat as that seat's own lab home)."""
    state = _read()
    state["home_id"] = value
    _write(state)


def saved_mode() -> str | None:
    return _read().get("mode")


def load(mode: str) -> Choices:
    saved = _read().get(mode, {})
    return Choices(**{name: saved.get(name) for name in Choices.names()})


def save(mode: str, choices: Choices) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    state = _read()
    state["mode"] = mode
    state[mode] = asdict(choices)
    _write(state)


def _write(state: dict) -> None:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)
