"""The tags on everything the lab creates, in one place: what marks a resource as the lab's, and
whose (which learner, which lab home). The lab writes them; the class commands (`class status`,
`class sweep`) find a class's resources by them and never touch a resource without them."""
from __future__ import annotations

LAB = "cmklab"                 # value: the lab's name, LAB_VALUE
LAB_VALUE = "cmk-lab"
LEARNER = "cmklab-learner"     # the signed-in learner's object id
HOME = "cmklab-home"           # the lab home's id: one learner seat, even under a shared sign-in


def is_lab(tags: dict | None) -> bool:
    return (tags or {}).get(LAB) == LAB_VALUE


def seat(tags: dict | None) -> str:
    """Whose it is: the lab home's id (or, without one, the learner's object id)."""
    tags = tags or {}
    return tags.get(HOME) or tags.get(LEARNER) or ""
