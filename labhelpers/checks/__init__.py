"""The lab's checks, one module per notebook (each declares its NOTEBOOK); `core` holds what they share.
Importing the package registers every check, so `check(name)` and the membership queries see them all."""
from . import cleanup, cmk, firewall, foundry, key, key_access, revocation, rotation, setup, user_identity, vault  # noqa: F401  (register)
from .core import STEPS, Line, Result, check, evaluate, of_notebook, of_notebooks, recorded, results_dir

__all__ = ["STEPS", "Line", "Result", "check", "evaluate", "of_notebook", "of_notebooks", "recorded", "results_dir"]
