"""The exercise's names, Azure's naming rules for them, and names the lab derives (each lab home's
default names, proposed vault names, deterministic role-assignment names), and the tags that say
which lab home made a resource."""
from __future__ import annotations

import re
import secrets
import string
import uuid

from . import tags

# The names the exercise uses (seed tasks 1-3). Only the vault name must be unique in all of Azure.
EXERCISE_NAMES = {
    "resource_group": "aifoundry-cmkencryption-RG",
    "key_name": "aifoundry-encryption-key",
    "foundry_name": "aifoundry-cmkencryption-resource",
    "project_name": "aifoundry-cmkencryption-project01",
}
DEFAULT_REGION = "eastus"
VAULT_PREFIX = "aifoundry-cmk-kv-"          # + 6 characters = 23, inside the 24-character limit
SUFFIX_LENGTH = 6


# What a lab home proposes: the exercise's names with the lab home's id appended where a classmate on
# the same subscription would collide (the group, and the Foundry name, which is also a global
# sub-domain). The key and the project live inside this lab home's own vault and resource, so they
# keep the exercise's names. A learner alone on a subscription may type the exercise's names instead.
PER_HOME = ("resource_group", "foundry_name")

# Tags on everything the lab creates (resource group, vault, key, Foundry resource, project, identity):
# "is this mine" is read from them, never from "it exists in my group".
# The names and values are the class commands' (labhelpers/tags.py), so `class status`/`class sweep` find them.
TAG_LAB, TAG_LEARNER, TAG_HOME, LAB_TAG_VALUE = tags.LAB, tags.LEARNER, tags.HOME, tags.LAB_VALUE


def default_names(home_id: str) -> dict[str, str]:
    return {name: f"{value}-{home_id}" if name in PER_HOME else value for name, value in EXERCISE_NAMES.items()}


def lab_tags(learner_object_id: str, home_id: str) -> dict[str, str]:
    return {TAG_LAB: LAB_TAG_VALUE, TAG_LEARNER: learner_object_id, TAG_HOME: home_id}


def made_here(tags: dict | None, home_id: str) -> bool:
    """Whether these tags say this lab home created the resource (tag names are case-insensitive)."""
    found = {k.lower(): v for k, v in (tags or {}).items()}
    return found.get(TAG_HOME) == home_id


def made_by(tags: dict | None) -> str | None:
    """The lab home that tagged a resource, if any."""
    return {k.lower(): v for k, v in (tags or {}).items()}.get(TAG_HOME)


def user_identity_name(foundry_name: str) -> str:
    """09's user-assigned identity, named after the Foundry resource it serves: per lab home as that name is."""
    return f"{foundry_name}-key-identity"


def random_suffix() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(SUFFIX_LENGTH))


def proposed_vault_name() -> str:
    return VAULT_PREFIX + random_suffix()


def suffixed(name: str) -> str:
    """A variant of a name that must be globally unique (a Foundry sub-domain, for instance)."""
    return f"{name}-{random_suffix()}"


def vault_name_problems(name: str) -> list[str]:
    """Why Azure would refuse this vault name (resource-name rules for Microsoft.KeyVault/vaults)."""
    problems = []
    if not 3 <= len(name) <= 24:
        problems.append(f"it has {len(name)} characters; a vault name has 3 to 24")
    if not re.fullmatch(r"[A-Za-z0-9-]*", name):
        problems.append("only letters, digits and hyphens are allowed")
    if not name[:1].isalpha():
        problems.append("it must start with a letter")
    if name.endswith("-"):
        problems.append("it must end with a letter or a digit")
    if "--" in name:
        problems.append("it must not contain two hyphens in a row")
    return problems


def foundry_name_problems(name: str) -> list[str]:
    """The lab uses the Foundry resource name as its custom sub-domain, so both sets of rules apply."""
    problems = []
    if not 2 <= len(name) <= 64:
        problems.append(f"it has {len(name)} characters; the name has 2 to 64")
    if not re.fullmatch(r"[A-Za-z0-9-]*", name):
        problems.append("only letters, digits and hyphens are allowed (it becomes a DNS sub-domain)")
    if not name[:1].isalnum():
        problems.append("it must start with a letter or a digit")
    if name.endswith("-"):
        problems.append("it must not end with a hyphen")
    return problems


def project_name_problems(name: str) -> list[str]:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,63}", name):
        return ["2 to 64 letters, digits, '_', '.' or '-', starting with a letter or a digit"]
    return []


def key_name_problems(name: str) -> list[str]:
    if not re.fullmatch(r"[A-Za-z0-9-]{1,127}", name):
        return ["1 to 127 letters, digits or hyphens"]
    return []


def resource_group_problems(name: str) -> list[str]:
    if not re.fullmatch(r"[\w().-]{1,90}", name) or name.endswith("."):
        return ["1 to 90 letters, digits, '_', '(', ')', '-' or '.', not ending with '.'"]
    return []


def assignment_name(scope: str, principal_id: str, role_definition_id: str) -> str:
    """The same role assignment gets the same name on every run, so re-running a cell updates it
    instead of failing with RoleAssignmentExists (as Bicep's guid(scope, principal, role) does)."""
    role_guid = role_definition_id.rstrip("/").rsplit("/", 1)[-1]
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scope.lower()}|{principal_id.lower()}|{role_guid.lower()}"))
