"""The lab session of a notebook: its mode and choices (parameters over saved state over defaults),
connected, saved, and shared with the checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from azure.identity import DefaultAzureCredential
from azure.mgmt.resource.subscriptions import SubscriptionClient

from . import choices as offer
from . import connection, display, labstate, naming
from .errors import LabError

_current: Session | None = None


@dataclass
class Session:
    mode: str
    subscription_id: str
    region: str
    resource_group: str
    key_vault_name: str
    key_name: str
    foundry_name: str
    project_name: str
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def credential(self):
        """The checks' own credential, built like the notebooks' (after connect, from the env)."""
        if "credential" not in self._cache:
            self._cache["credential"] = DefaultAzureCredential()
        return self._cache["credential"]

    def client(self, cls, *args):
        """One SDK client per class and arguments for the session's checks, so that checks run one after
        another reuse its connection (and TLS session) instead of opening a new one each."""
        key = ("client", cls, *args)
        if key not in self._cache:
            self._cache[key] = cls(*args)
        return self._cache[key]

    def _claims(self) -> dict:
        if "claims" not in self._cache:
            self._cache["claims"] = connection.token_claims(self.credential)
        return self._cache["claims"]

    @property
    def learner_object_id(self) -> str:
        """The object id of whoever is signed in (the learner), from their token's claims."""
        return self._claims()["oid"]

    @property
    def learner_principal_type(self) -> str:
        """"User", or "ServicePrincipal" when the lab runs under an application's identity (CI)."""
        return "ServicePrincipal" if self._claims().get("idtyp") == "app" else "User"

    def _subscription(self):
        if "subscription" not in self._cache:
            self._cache["subscription"] = SubscriptionClient(self.credential).subscriptions.get(self.subscription_id)
        return self._cache["subscription"]

    @property
    def tenant_id(self) -> str:
        return self._subscription().tenant_id

    @property
    def subscription_name(self) -> str:
        return self._subscription().display_name

    @property
    def target(self) -> connection.Target:
        """The tenant that answers (its name and domain): shown in the badge and in 00's check."""
        if "target" not in self._cache:
            self._cache["target"] = connection.target(self.credential, self.tenant_id)
        return self._cache["target"]

    @property
    def tenant_label(self) -> str:
        t = self.target
        return f"{t.tenant_name or t.domain or 'tenant'} ({t.tenant_id})" if (t.tenant_name or t.domain) \
            else t.tenant_id

    @property
    def answered_by_lab_sandbox(self) -> bool:
        """Whether the CMK lab sandbox answers (sandbox mode, or azure mode pointed at a sandbox started on
        its own): its behaviour where Azure documents none is the sandbox's, and labelled so."""
        return self.mode == "sandbox" or self.target.is_lab_sandbox

    def badge_parts(self) -> tuple[str, str]:
        """The badge (text, HTML): the mode, the subscription and, in azure mode, the tenant that answers."""
        if self.mode == "sandbox":
            return display.badge_parts(self.mode, self.subscription_name)
        return display.badge_parts(self.mode, self.subscription_name, self.tenant_label, self.target.is_lab_sandbox)

    def show_badge(self) -> None:
        display.show(*self.badge_parts())

    @property
    def home_id(self) -> str:
        """This lab home's id: in its default names and in the tags of everything it creates."""
        return labstate.home_id()

    @property
    def tags(self) -> dict[str, str]:
        """The tags for everything the lab creates: the lab, the learner, this lab home."""
        return naming.lab_tags(self.learner_object_id, self.home_id)

    @property
    def identity_name(self) -> str:
        """The user-assigned identity 09 creates (beyond the exercise's names, derived from the Foundry's)."""
        return naming.user_identity_name(self.foundry_name)

    def made_here(self, tags: dict | None) -> bool:
        """Whether a resource's tags say this lab home created it."""
        return naming.made_here(tags, self.home_id)

    @property
    def choices(self) -> labstate.Choices:
        return labstate.Choices(**{name: getattr(self, name) for name in labstate.Choices.names()})

    def update(self, **values) -> None:
        """Change choices (the widgets do) and save them for the next notebooks."""
        for name, value in values.items():
            if name not in labstate.Choices.names():
                raise AttributeError(name)
            setattr(self, name, value)
        if "subscription_id" in values:
            self._cache.pop("subscription", None)
            self._cache.pop("target", None)
        labstate.save(self.mode, self.choices)

    def summary(self) -> None:
        rows = [["Subscription", f"{self.subscription_name} ({self.subscription_id})"],
                ["Region", self.region], ["Resource group", self.resource_group],
                ["Key vault", self.key_vault_name], ["Key", self.key_name],
                ["Foundry resource", self.foundry_name], ["Project", self.project_name]]
        text, markup = display.table(["Setting", "Value"], rows)
        display.show(text, markup)


def current() -> Session:
    if _current is None:
        raise LabError("This notebook is not set up yet: run its setup cell (lab.setup) first.")
    return _current


def setup(mode: str | None = None, **parameters) -> Session:
    """Connect this kernel and settle every choice: a papermill parameter wins, then what 00-setup
    saved, then the exercise's default (a free name is proposed where the name must be unique)."""
    global _current
    _current = _resolve(mode, parameters)
    _current.show_badge()
    return _current


def switch_mode(session: Session, mode: str) -> None:
    """Move a session to the other mode in place (the mode widget), with that mode's saved choices.
    When that mode cannot be reached (azure without a sign-in), the session stays as it was, connected
    to its own mode again, and the LabError says what to do; nothing is saved."""
    try:
        fresh = _resolve(mode, {})
    except LabError:
        connection.connect(session.mode)        # connecting to azure may already have left the sandbox
        raise
    vars(session).update(vars(fresh))


def _resolve(mode: str | None, parameters: dict) -> Session:
    unknown = set(parameters) - set(labstate.Choices.names())
    if unknown:
        raise TypeError(f"unknown lab parameters: {', '.join(sorted(unknown))}")
    mode = mode or labstate.saved_mode() or labstate.DEFAULT_MODE
    if mode not in labstate.MODES:
        raise LabError(f'mode must be "sandbox" or "azure", not {mode!r}')
    connection.connect(mode)
    chosen = labstate.load(mode).merged(parameters)
    names: dict[str, Any] = {name: getattr(chosen, name) or "" for name in labstate.Choices.names()}
    session = Session(mode, **names)
    _fill_defaults(session)
    labstate.save(mode, session.choices)
    return session


def _fill_defaults(session: Session) -> None:
    credential = session.credential
    if not session.subscription_id:
        found = offer.default_subscription(offer.list_subscriptions(credential, session.learner_object_id))
        if found is None:
            raise LabError("This sign-in sees no subscription. Sign in with an account that has one, or "
                           'use mode = "sandbox".')
        session.subscription_id = found.subscription_id
    if not session.region:
        region = offer.default_region(offer.offered_regions(credential, session.subscription_id))
        session.region = region.name if region else naming.DEFAULT_REGION
    for name, default in naming.default_names(session.home_id).items():
        if name != "foundry_name" and not getattr(session, name):
            setattr(session, name, default)
    if not session.foundry_name:
        session.foundry_name = offer.propose_foundry_name(credential, session.subscription_id,
                                                          session.resource_group)
    if not session.key_vault_name:
        session.key_vault_name = offer.propose_vault_name(credential, session.subscription_id,
                                                          session.resource_group)
