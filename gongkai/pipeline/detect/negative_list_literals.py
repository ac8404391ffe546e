"""Literal anchors of a regex: strings one of which every match must contain.

The matcher puts a regex entry's anchors into its Aho-Corasick automaton and
runs the regex only on documents where an anchor was seen, so rare regexes cost
nothing on the many documents that cannot match them. The anchors are read
from the parsed pattern (the `re` module's own parser); when a pattern is too
free to promise any literal (e.g. `.{3}`), there are no anchors and the regex
always runs. Correctness only needs the anchors to be necessary, never sufficient.
"""
from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as C, _parser as P  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

MAX_ALTERNATIVES = 32          # cap on the strings expanded from classes and groups
_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT} | ({C.POSSESSIVE_REPEAT} if hasattr(C, "POSSESSIVE_REPEAT") else set())

Exact = tuple[str, set[str]]    # ("exact", strings the element matches exactly) or ("contains", anchors | None)


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Anchors for `pattern`, or None when every document must be searched."""
    try:
        parsed = P.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    _, strings = _sequence(list(parsed))
    if not strings or "" in strings:
        return None
    # 已定为秘密级 is implied by 定为秘密级: keep only the minimal strings
    return tuple(sorted(s for s in strings if not any(t != s and t in s for t in strings)))


def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The more selective anchor set: longer shortest string, then fewer strings."""
    if not a or "" in a:
        return b
    if not b or "" in b:
        return a
    return max(a, b, key=lambda s: (min(map(len, s)), -len(s)))


def _sequence(items: list) -> tuple[str, set[str] | None]:
    run, best, exact = {""}, None, True
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue                      # consumes nothing: the literal run goes on
        kind, strings = _element(op, av)
        if kind == "exact" and len(run) * len(strings) <= MAX_ALTERNATIVES:
            run = {r + s for r in run for s in strings}
            continue
        exact = False
        best = _better(best, run)
        if kind == "exact":
            run = set(strings) if len(strings) <= MAX_ALTERNATIVES else {""}
        else:
            best, run = _better(best, strings), {""}
    return ("exact", run) if exact else ("contains", _better(best, run))


def _element(op, av) -> tuple[str, set[str] | None]:
    if op == C.LITERAL:
        return "exact", {chr(av)}
    if op == C.IN:
        return _char_class(av)
    if op == C.SUBPATTERN:
        add_flags, pattern = av[1], av[-1]
        return ("contains", None) if add_flags & re.IGNORECASE else _sequence(list(pattern))
    if op == C.BRANCH:
        return _branch(av[1])
    if op in _REPEATS:
        low, high, pattern = av
        kind, strings = _sequence(list(pattern))
        if low == 0 and high == 1 and kind == "exact":
            return "exact", strings | {""}          # an optional literal: either it or nothing
        return ("contains", strings) if low >= 1 else ("contains", None)
    return "contains", None


def _char_class(members) -> tuple[str, set[str] | None]:
    if all(op == C.LITERAL for op, _ in members) and len(members) <= MAX_ALTERNATIVES:
        return "exact", {chr(av) for _, av in members}
    return "contains", None


def _branch(alternatives) -> tuple[str, set[str] | None]:
    results = [_sequence(list(alt)) for alt in alternatives]
    if any(not strings or "" in strings for _, strings in results):
        return "contains", None
    union = set().union(*(strings for _, strings in results))
    exact = all(kind == "exact" for kind, _ in results) and len(union) <= MAX_ALTERNATIVES
    return ("exact" if exact else "contains"), union
