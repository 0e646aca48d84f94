"""Errors the lab raises for learners: IPython shows their message, not a stack trace into labhelpers."""
from __future__ import annotations


class LabError(Exception):
    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {line}" if i == 0 else line
                for i, line in enumerate(str(self).splitlines())]


class NotSignedIn(LabError):
    """azure mode found no credential."""


class SandboxUnavailable(LabError):
    """The sandbox could not be started or is no longer running."""


class NotMadeHere(LabError):
    """A resource the lab would change exists, but its tags say another lab home (or no lab) made it."""


class CheckFailed(LabError):
    """A check is red; headless runs stop here so papermill marks the notebook as failed."""

    def __init__(self, result):
        super().__init__(f"check {result.name!r} is red: {result.summary}")
        self.result = result
