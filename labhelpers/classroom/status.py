"""`python -m labhelpers class status --subscription ID`: progress from Azure itself. For every seat
(the lab's tagged resource groups), the lab's checks run against the real state with the instructor's
sign-in, as that learner's session would run them; each seat's results land in OUT/<group>/checks/
and the class board is drawn from there (what it says comes from Azure, not from what kernels sent)."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from .. import checks, labstate, naming, session, tags
from ..runner import CLEANUP
from . import board
from .azure import ClassSubscription, Seat

# The checks of everything a seat builds and keeps: 01-05 and the notebooks beyond them. 00-setup is
# about the learner's own sign-in, the cleanup's checks about resources that are gone, and a moment's
# check (08-revoked: the key off) is red in any lab that went past that moment: none says anything here.
NOT_FROM_AZURE = ("00-setup", CLEANUP)
FOUNDRY_TYPE, VAULT_TYPE = "Microsoft.CognitiveServices/accounts", "Microsoft.KeyVault/vaults"


def status_checks() -> list[str]:
    return [name for name, step in checks.STEPS.items() if step.notebook not in NOT_FROM_AZURE and not step.moment]


def moments() -> list[str]:
    """The checks that hold at one point of their notebook only: the kernels' reports show them."""
    return sorted(name for name, step in checks.STEPS.items() if step.moment)


def seat_session(subscription: ClassSubscription, seat: Seat, group) -> session.Session:
    """The session that seat's learner had, rebuilt from what is in their group: names from the
    resources, the learner from the tags (so 'your role' lines are about them, not the instructor)."""
    found = {r.type: r.name for r in subscription.group_resources(group.name)}
    foundry = found.get(FOUNDRY_TYPE, naming.EXERCISE_NAMES["foundry_name"])
    key_name, project = naming.EXERCISE_NAMES["key_name"], naming.EXERCISE_NAMES["project_name"]
    if FOUNDRY_TYPE in found:
        account = subscription.cognitive.accounts.get(group.name, foundry)
        encryption = account.properties.encryption if account.properties else None
        vault_properties = encryption.key_vault_properties if encryption else None
        key_name = (vault_properties and vault_properties.key_name) or key_name
        projects = [(p.name or "").rsplit("/", 1)[-1]
                    for p in subscription.cognitive.projects.list(group.name, foundry)]
        project = projects[0] if projects else project
    s = session.Session("azure", subscription.subscription_id, group.location, group.name,
                        found.get(VAULT_TYPE, ""), key_name, foundry, project)
    s._cache["credential"] = subscription.credential
    if seat.learner:
        s._cache["claims"] = {"oid": seat.learner}
    return s


@contextmanager
def _as_seat(home: Path, seat_session_: session.Session):
    """Checks record under $CMKLAB_HOME and read session.current(): point both at this seat."""
    saved_home, saved_session = os.environ.get("CMKLAB_HOME"), session._current
    os.environ["CMKLAB_HOME"] = str(home)
    session._current = seat_session_
    try:
        yield
    finally:
        session._current = saved_session
        if saved_home is None:
            os.environ.pop("CMKLAB_HOME", None)
        else:
            os.environ["CMKLAB_HOME"] = saved_home


def run(subscription: ClassSubscription, out: Path) -> board.Board:
    subscription.verify()
    names = status_checks()
    for seat in subscription.seats():
        for group in seat.groups:
            with _as_seat(out / group.name, seat_session(subscription, seat, group)):
                if (group.tags or {}).get(tags.HOME):   # "made by this lab home" means by the seat's
                    labstate.adopt_home_id(group.tags[tags.HOME])
                for name in names:
                    checks.evaluate(name)
    return board.from_homes(out, {name: step.notebook for name, step in checks.STEPS.items()})
