"""Azure ABAC conditions (conditionVersion 2.0), on role definitions (the delegation constraints of
built-in roles such as Key Vault Data Access Administrator) and on role assignments.

Syntax as Microsoft Learn documents it ("Azure role assignment condition format and syntax",
role-based-access-control/conditions-format.md; "Delegate Azure role assignment management to
others with conditions", delegate-role-assignments-overview.md; Key Vault's attributes in
key-vault/general/rbac-guide.md): `ActionMatches{'…'}`, `!`/`NOT`, `AND`/`&&`, `OR`/`||`,
parentheses, and `@Request[…]`/`@Resource[…]` attributes compared with String*/Guid* operators,
optionally under `ForAnyOfAnyValues:` or `ForAllOfAnyValues:`.

Whatever this evaluator does not support (another attribute, operator or function, a syntax
error) makes the condition false: an unsupported condition denies, it never silently allows."""
from __future__ import annotations

import fnmatch
import re

_TOKEN = re.compile(r"""\s*(?:
    (?P<lpar>\() | (?P<rpar>\)) | (?P<not>!|\bNOT\b) | (?P<and>&&|\bAND\b) | (?P<or>\|\||\bOR\b)
  | (?P<func>ActionMatches|SubOperationMatches)\s*\{(?P<funcargs>[^}]*)\}
  | (?P<attr>@(?P<source>Request|Resource|Principal|Environment)\[(?P<name>[^\]]+)\])
    \s+(?:(?P<quant>ForAnyOfAnyValues|ForAllOfAnyValues|ForAnyOfAllValues|ForAllOfAllValues):)?
    (?P<op>[A-Za-z]+)\s*(?P<value>'[^']*'|\{[^}]*\}|[0-9A-Fa-f-]{36})
)""", re.VERBOSE | re.IGNORECASE)

_OPERATORS = {
    "stringequals": lambda a, b: a == b,
    "stringnotequals": lambda a, b: a != b,
    "stringequalsignorecase": lambda a, b: a.lower() == b.lower(),
    "stringnotequalsignorecase": lambda a, b: a.lower() != b.lower(),
    "stringstartswith": lambda a, b: a.startswith(b),
    "stringnotstartswith": lambda a, b: not a.startswith(b),
    "stringlike": lambda a, b: fnmatch.fnmatchcase(a, b),
    "stringnotlike": lambda a, b: not fnmatch.fnmatchcase(a, b),
    "guidequals": lambda a, b: a.lower() == b.lower(),
    "guidnotequals": lambda a, b: a.lower() != b.lower(),
}


class Unsupported(Exception):
    pass


def holds(condition: str, action: str, attributes: dict, matches) -> bool:
    """Does `condition` allow `action` with these attributes (`@Source[name]` → value or list)?
    `matches` is the RBAC wildcard matcher (pattern, action) → bool. The whole condition is parsed
    first (syntax, functions, operators); evaluation then goes as far as it needs, as in Azure, so
    a clause for another action needs no attribute. Unsupported or malformed → False."""
    try:
        tokens = _tokenize(condition)
        parser = _Parser(tokens)
        tree = parser.expression()
        if parser.position != len(tokens):
            raise Unsupported("text after the condition")
        values = {k.lower(): v for k, v in attributes.items()}
        return tree(action, values, matches)
    except (Unsupported, RecursionError):      # nested past what the parser's stack holds: unsupported too
        return False


def _tokenize(text: str) -> list[re.Match]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        m = _TOKEN.match(text, position)
        if not m or m.end() == position:
            raise Unsupported(f"cannot read the condition at {text[position:position + 40]!r}")
        tokens.append(m)
        position = m.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


class _Parser:
    """Recursive descent, NOT over AND over OR, into closures (action, attributes, matches) → bool."""

    def __init__(self, tokens):
        self.tokens, self.position = tokens, 0

    def _peek(self, kind: str) -> bool:
        return self.position < len(self.tokens) and self.tokens[self.position].group(kind) is not None

    def _take(self):
        if self.position >= len(self.tokens):
            raise Unsupported("the condition ends too early")
        self.position += 1
        return self.tokens[self.position - 1]

    def expression(self):
        parts = [self._conjunction()]
        while self._peek("or"):
            self._take()
            parts.append(self._conjunction())
        return parts[0] if len(parts) == 1 else (lambda *a: any(p(*a) for p in parts))

    def _conjunction(self):
        parts = [self._unary()]
        while self._peek("and"):
            self._take()
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else (lambda *a: all(p(*a) for p in parts))

    def _unary(self):
        if self._peek("not"):
            self._take()
            inner = self._unary()
            return lambda *a: not inner(*a)
        token = self._take()
        if token.group("lpar"):
            inner = self.expression()
            if not self._take().group("rpar"):
                raise Unsupported("a parenthesis is not closed")
            return inner
        if token.group("func"):
            if token.group("func").lower() != "actionmatches":
                raise Unsupported(f"{token.group('func')} is not supported")
            patterns = [p.strip().strip("'") for p in token.group("funcargs").split(",")]
            return lambda action, values, matches: any(matches(p, action) for p in patterns)
        if token.group("attr"):
            return _comparison(token)
        raise Unsupported(f"unexpected {token.group(0).strip()!r}")


def _comparison(token):
    key = f"@{token.group('source')}[{token.group('name')}]".lower()
    op = _OPERATORS.get(token.group("op").lower())
    if op is None:
        raise Unsupported(f"the operator {token.group('op')} is not supported")
    raw = token.group("value")
    expected = [v.strip().strip("'") for v in raw[1:-1].split(",")] if raw.startswith("{") else [raw.strip("'")]
    quantifier = (token.group("quant") or "").lower()
    if quantifier not in ("", "foranyofanyvalues", "forallofanyvalues"):
        raise Unsupported(f"{token.group('quant')} is not supported")
    if not quantifier and len(expected) > 1:
        raise Unsupported("a list of values needs ForAnyOfAnyValues or ForAllOfAnyValues")

    def compare(action, values, matches) -> bool:
        if values.get(key) is None:
            raise Unsupported(f"the attribute {token.group('attr')} is not known for this request")
        actual = values[key] if isinstance(values[key], list) else [values[key]]
        if quantifier == "forallofanyvalues":
            return all(any(op(a, e) for e in expected) for a in actual)
        return any(op(a, e) for a in actual for e in expected)
    return compare
