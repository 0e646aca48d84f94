"""One learner's latest result of one check, as it travels from a kernel to the progress service and
as the board shows it. It carries what the learner saw (check, notebook, green/red, the red lines,
when) and never a secret: tokens never go in it, and anything shaped like one is blanked."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

# A JWT, or a "token"/"secret"/"key=..." assignment: never sent even if a message ever quoted one.
_SECRET = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*|(?i:\b(?:token|secret|password|sig)=)[^\s&;,]+")
MAX_TEXT = 500
MAX_LINES = 40


def scrub(text) -> str:
    return _SECRET.sub("[hidden]", str(text))[:MAX_TEXT]


@dataclass
class RedLine:
    what: str
    detail: str
    fix: str = ""


@dataclass
class Progress:
    check: str
    passed: bool
    summary: str
    checked_at: float
    notebook: str = ""
    mode: str = ""
    red: list[RedLine] = field(default_factory=list)
    user: str = ""                 # set by whoever authenticated the sender, never by the sender

    @classmethod
    def from_result(cls, result: dict, notebook: str) -> Progress:
        """From a check's recorded result (`Result.as_dict()`, or a checks/<name>.json file)."""
        red = [RedLine(scrub(line["what"]), scrub(line["detail"]), scrub(line.get("fix", "")))
               for line in result.get("lines", []) if not line.get("ok")]
        return cls(check=str(result["name"]), passed=bool(result["passed"]), summary=scrub(result.get("summary", "")),
                   checked_at=float(result["checked_at"]), notebook=notebook,
                   mode=str(result.get("mode", "")), red=red[:MAX_LINES])

    @classmethod
    def from_wire(cls, data: dict, user: str) -> Progress:
        """A report as a kernel sent it; ValueError says what is wrong with it."""
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        missing = [k for k in ("check", "passed", "checked_at") if k not in data]
        if missing:
            raise ValueError(f"missing field(s): {', '.join(missing)}")
        if not isinstance(data["check"], str) or not re.fullmatch(r"[\w.-]{1,64}", data["check"]):
            raise ValueError("'check' must be a check name such as 01-key-vault")
        if not isinstance(data["passed"], bool):
            raise ValueError("'passed' must be true or false")
        try:
            checked_at = float(data["checked_at"])
        except (TypeError, ValueError):
            raise ValueError("'checked_at' must be a Unix time in seconds") from None
        red = data.get("red") or []
        if not isinstance(red, list) or not all(isinstance(line, dict) for line in red):
            raise ValueError("'red' must be a list of {what, detail, fix} objects")
        return cls(check=data["check"], passed=data["passed"], summary=scrub(data.get("summary", "")),
                   checked_at=checked_at, notebook=scrub(data.get("notebook", ""))[:100],
                   mode=scrub(data.get("mode", ""))[:20], user=user,
                   red=[RedLine(scrub(line.get("what", "")), scrub(line.get("detail", "")), scrub(line.get("fix", "")))
                        for line in red[:MAX_LINES]])

    @classmethod
    def from_dict(cls, data: dict) -> Progress:
        return cls(**{**data, "red": [RedLine(**line) for line in data.get("red", [])]})

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def message(self) -> str:
        """What a red cell of the board says: the first red line and what to do about it."""
        if self.passed or not self.red:
            return "" if self.passed else self.summary
        first = self.red[0]
        return f"{first.what}: {first.detail}" + (f" → {first.fix}" if first.fix else "")

