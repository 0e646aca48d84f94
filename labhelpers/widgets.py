"""The 00-setup form (ipywidgets 8): mode, subscription, region and names, validated as you type.
The logic lives in `choices`; this module only wires widgets to it and saves each change.
Headless there is no one to click, so the form shows the settled choices as a table instead."""
from __future__ import annotations

from contextlib import contextmanager

import ipywidgets as w

from . import choices, display, naming
from .errors import LabError
from .session import Session, switch_mode

WIDE = w.Layout(width="420px")
LABEL = {"description_width": "150px"}


def _status(check: choices.NameCheck | None, problems: list[str] | None = None) -> str:
    if problems:
        return f"{display.FAIL} {display.esc('; '.join(problems))}"
    if check is None:
        return ""
    return f"{display.OK if check.ok else display.FAIL} {display.esc(check.message)}"


class SetupForm:
    def __init__(self, session: Session):
        self.session = session
        self.mode = w.ToggleButtons(options=["sandbox", "azure"], value=session.mode, description="Mode",
                                    style=LABEL)
        self.badge = w.HTML()
        self.mode_note = w.HTML()           # why a switch of mode did not happen, and what to do
        self.subscription = w.Dropdown(description="Subscription", layout=WIDE, style=LABEL)
        self.subscription_note = w.HTML()
        self.region = w.Dropdown(description="Region", layout=WIDE, style=LABEL)
        self.names = {name: w.Text(value=getattr(session, name), description=label, layout=WIDE, style=LABEL,
                                   continuous_update=False)
                      for name, label in (("resource_group", "Resource group"), ("key_vault_name", "Key vault"),
                                          ("key_name", "Key"), ("foundry_name", "Foundry resource"),
                                          ("project_name", "Project"))}
        self.notes = {name: w.HTML() for name in self.names}
        self.propose = w.Button(description="Propose a free vault name", layout=w.Layout(width="220px"))
        self._filling = False
        self.fill()
        self.mode.observe(self.on_mode, names="value")
        self.subscription.observe(self.on_subscription, names="value")
        self.region.observe(self.on_region, names="value")
        for name, field in self.names.items():
            field.observe(lambda change, name=name: self.on_name(name, change.new), names="value")
        self.propose.on_click(self.on_propose)
        rows = [w.HBox([self.mode, self.badge]), self.mode_note, self.subscription, self.subscription_note,
                self.region]
        for name, field in self.names.items():
            extra = [self.propose] if name == "key_vault_name" else []
            rows.append(w.HBox([field, *extra, self.notes[name]]))
        self.widget = w.VBox(rows)

    # -- filling the widgets from the session ----------------------------------------------------
    def fill(self) -> None:
        s = self.session
        self.badge.value = s.badge_parts()[1]
        subs = choices.list_subscriptions(s.credential, s.learner_object_id)
        self._subscriptions = {sub.subscription_id: sub for sub in subs}
        with self.filling():
            self.subscription.options = [(sub.label, sub.subscription_id) for sub in subs]
            self.subscription.value = s.subscription_id if s.subscription_id in self._subscriptions else None
            for name, field in self.names.items():
                field.value = getattr(s, name)
        self.subscription_note.value = self.subscription_warning()
        self.fill_regions()
        for name in self.names:
            self.validate(name)

    def fill_regions(self) -> None:
        regions = choices.offered_regions(self.session.credential, self.session.subscription_id)
        with self.filling():
            self.region.options = [(r.label, r.name) for r in regions]
            offered = {r.name for r in regions}
            self.region.value = self.session.region if self.session.region in offered else (
                _name(choices.default_region(regions)))
        if self.region.value and self.region.value != self.session.region:
            self.save(region=self.region.value)

    @contextmanager
    def filling(self):
        """Options and values set by the form itself are not the learner's choices: don't react."""
        self._filling = True
        try:
            yield
        finally:
            self._filling = False

    def subscription_warning(self) -> str:
        chosen = self._subscriptions.get(self.session.subscription_id)
        warning = chosen.warning if chosen else "this subscription is not visible to your sign-in"
        return f'<span style="color:#b3261e">⚠ {display.esc(warning)}</span>' if warning else ""

    # -- reacting to the learner ---------------------------------------------------------------
    def save(self, **values) -> None:
        self.session.update(**values)

    def on_region(self, change) -> None:
        if not self._filling and change.new:
            self.save(region=change.new)

    def on_mode(self, change) -> None:
        """Switch mode; when the other mode cannot be reached, say why here, in the form (a callback's
        exception would only reach JupyterLab's log), and stay in the mode that works."""
        if self._filling:
            return
        try:
            switch_mode(self.session, change.new)
        except LabError as exc:
            with self.filling():
                self.mode.value = change.old
            self.mode_note.value = (f'<pre style="color:#b3261e;white-space:pre-wrap;margin:4px 0">'
                                    f"{display.esc(exc)}</pre>")
            return
        self.mode_note.value = ""
        self.fill()

    def on_subscription(self, change) -> None:
        if not self._filling and change.new:
            self.save(subscription_id=change.new)
            self.subscription_note.value = self.subscription_warning()
            self.fill_regions()
            for name in ("key_vault_name", "foundry_name"):
                self.validate(name)

    def on_name(self, name: str, value: str) -> None:
        if self._filling:
            return
        self.save(**{name: value.strip()})
        self.validate(name)
        if name == "resource_group":            # "already yours" depends on the group
            self.validate("key_vault_name")
            self.validate("foundry_name")

    def on_propose(self, _button) -> None:
        s = self.session
        self.names["key_vault_name"].value = choices.propose_vault_name(s.credential, s.subscription_id,
                                                                        s.resource_group)

    def validate(self, name: str) -> None:
        self.notes[name].value = validation(self.session, name)


def validation(session: Session, name: str) -> str:
    """The status shown beside a name field: rules first, then availability in Azure."""
    value = getattr(session, name)
    rules = {"resource_group": naming.resource_group_problems, "key_vault_name": naming.vault_name_problems,
             "key_name": naming.key_name_problems, "foundry_name": naming.foundry_name_problems,
             "project_name": naming.project_name_problems}[name]
    problems = rules(value)
    if problems or name not in ("key_vault_name", "foundry_name"):
        return _status(None if problems else choices.NameCheck(True, "valid"), problems)
    check = (choices.check_vault_name if name == "key_vault_name" else choices.check_foundry_name)(
        session.credential, session.subscription_id, session.resource_group, value)
    return _status(check)


def replace_held_vault_name(session: Session) -> None:
    """After 99-cleanup the saved vault name stays held by the deleted vault (purge protection):
    a new round of the lab gets a fresh name instead of a red check."""
    held = choices.check_vault_name(session.credential, session.subscription_id, session.resource_group,
                                    session.key_vault_name)
    if held.held_by_deleted:
        old = session.key_vault_name
        session.update(key_vault_name=choices.propose_vault_name(session.credential, session.subscription_id,
                                                                 session.resource_group))
        print(f"{old}: {held.message}. Using {session.key_vault_name} instead.")


def setup_form(session: Session):
    """The form in Jupyter; headless, the settled choices (papermill parameters or saved state)."""
    replace_held_vault_name(session)
    if display.headless():
        session.summary()
        return None
    return SetupForm(session).widget


def _name(region: choices.Region | None) -> str | None:
    return region.name if region else None
