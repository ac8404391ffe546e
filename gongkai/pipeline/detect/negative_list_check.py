"""Read a negative-list TOML file into entries, reporting every problem with its line number.

tomllib gives no positions for values, so entry lines come from the source
text: the n-th `[[entry]]` header is the n-th entry, and a key's line is the
first `key =` line inside that entry's block.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from gongkai.pipeline.detect.negative_list_match import Matcher
from gongkai.pipeline.detect.negative_list_model import (
    DEFAULT_EXCLUDE_WINDOW, DOC_TYPES, ENTRY_KINDS, REASON_CODES, SEVERITIES, Cooccur, Entry, Example, Problem)

REQUIRED = ("id", "item", "situation", "ground", "reason_code", "severity", "source")
# Evidence entries (kind other than negative) argue for an attribute; they need no reason code or severity.
EVIDENCE_REQUIRED = ("id", "item", "situation", "ground", "source")
WITHIN = ("", "title")
OPTIONAL = ("kind", "within", "phrases", "regex", "cooccur", "doc_types", "issuers", "exclude", "exclude_window", "title_exclude", "examples")
LIST_KEYS = ("name", "agency", "version", "sources")
_ENTRY_HEADER = re.compile(r"^\s*\[\[\s*entry\s*\]\]")
_LIST_HEADER = re.compile(r"^\s*\[\s*list\s*\]")
_TOML_LINE = re.compile(r"line (\d+)")


@dataclass
class ParsedList:
    name: str
    meta: dict
    entries: list[Entry]
    problems: list[Problem]


class _Block:
    """The lines of one `[[entry]]` (1-based, header included) for locating its keys."""

    def __init__(self, lines: list[str], first: int, last: int) -> None:
        self.lines, self.first, self.last = lines, first, last

    def line_of(self, key: str) -> int:
        pattern = re.compile(rf'^\s*(?:"?{re.escape(key)}"?\s*=|\[\s*entry\.{re.escape(key)}\s*\])')
        return next((n for n in range(self.first, self.last + 1) if pattern.match(self.lines[n - 1])), self.first)

    def line_of_text(self, text: str, fallback_key: str) -> int:
        needle = text[:12]
        found = (n for n in range(self.first, self.last + 1) if needle and needle in self.lines[n - 1])
        return next(found, self.line_of(fallback_key))


def parse_list(source: str, file: str = "") -> ParsedList:
    """The list's metadata and entries, and every problem found (entries with problems are left out)."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        line = _TOML_LINE.search(str(exc))
        return ParsedList("", {}, [], [Problem(int(line.group(1)) if line else 1, f"TOML syntax: {exc}", file)])
    lines = source.splitlines()
    problems: list[Problem] = []
    meta = _check_list_table(data, lines, problems)
    pairs = list(_read_entries(data, lines, file, problems))
    entries = [entry for entry, _ in pairs]
    blocks = {id(entry): block for entry, block in pairs}   # by identity: equal duplicates stay apart
    problems.extend(_duplicate_ids(data.get("entry"), lines))
    problems.extend(example_problems(entries, lambda e, ex: blocks[id(e)].line_of_text(ex.text, "examples")))
    problems = sorted(problems, key=lambda p: p.line)
    return ParsedList(str(meta.get("name", "")), meta, entries,
                      [p if p.file else Problem(p.line, p.message, file) for p in problems])


def _check_list_table(data: dict, lines: list[str], problems: list[Problem]) -> dict:
    header = next((n for n, text in enumerate(lines, 1) if _LIST_HEADER.match(text)), 1)
    for key in data:
        if key not in ("list", "entry"):
            problems.append(Problem(_top_line(lines, key), f"unknown top-level key {key!r}{_hint(key, ('list', 'entry'))}"))
    meta = data.get("list")
    if not isinstance(meta, dict):
        problems.append(Problem(header, "missing [list] table (name, agency, version, sources)"))
        return {}
    if not isinstance(meta.get("name"), str) or not meta["name"].strip():
        problems.append(Problem(header, "[list] needs a non-empty name"))
    for key in meta:
        if key not in LIST_KEYS:
            problems.append(Problem(header, f"unknown key {key!r} in [list]{_hint(key, LIST_KEYS)}"))
    sources = meta.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        problems.append(Problem(header, "[list] sources must be a list of strings"))
    return meta


def _top_line(lines: list[str], key: str) -> int:
    pattern = re.compile(rf"^\s*\[*\s*{re.escape(key)}\b")
    return next((n for n, text in enumerate(lines, 1) if pattern.match(text)), 1)


def _read_entries(data: dict, lines: list[str], file: str,
                  problems: list[Problem]) -> Iterator[tuple[Entry, _Block]]:
    raw_entries = data.get("entry", [])
    if not isinstance(raw_entries, list):
        problems.append(Problem(1, "entries must be written as [[entry]] tables"))
        return
    if not raw_entries:
        problems.append(Problem(1, "the list has no [[entry]]"))
    blocks = _blocks(lines)
    for raw in raw_entries:
        block = next(blocks, _Block(lines, 1, len(lines)))
        entry = _build_entry(raw, block, file, problems)
        if entry is not None:
            yield entry, block


def _blocks(lines: list[str]) -> Iterator[_Block]:
    """One block per `[[entry]]` header, in order: from the header to the line before the next one."""
    headers = [n for n, text in enumerate(lines, 1) if _ENTRY_HEADER.match(text)]
    for k, first in enumerate(headers):
        yield _Block(lines, first, headers[k + 1] - 1 if k + 1 < len(headers) else len(lines))


def _build_entry(raw: Any, block: _Block, file: str, problems: list[Problem]) -> Entry | None:
    """The Entry, or None when a problem prevents building it (all its problems are appended)."""
    if not isinstance(raw, dict):
        problems.append(Problem(block.first, "an [[entry]] must be a table"))
        return None
    before, ident = len(problems), raw.get("id") if isinstance(raw.get("id"), str) else "?"

    def bad(key: str, message: str) -> None:
        problems.append(Problem(block.line_of(key), f"entry {ident}: {message}"))

    for key in raw:
        if key not in REQUIRED + OPTIONAL:
            bad(key, f"unknown key {key!r}{_hint(key, REQUIRED + OPTIONAL)}")
    text, conditions = _texts(raw, bad), _conditions(raw, bad)
    match_examples, no_match_examples = _examples(raw.get("examples"), bad)
    if len(problems) > before:
        return None
    return Entry(**text, **conditions, match_examples=match_examples, no_match_examples=no_match_examples,
                 file=file, line=block.first)


def _texts(raw: dict, bad) -> dict[str, str]:
    kind = raw.get("kind", "negative")
    if kind not in ENTRY_KINDS:
        bad("kind", f"unknown kind {kind!r}; use one of {', '.join(ENTRY_KINDS)}")
        kind = "negative"
    required = REQUIRED if kind == "negative" else EVIDENCE_REQUIRED
    text = {key: _required_text(raw, key, bad) for key in required}
    text["kind"] = kind
    text["within"] = raw.get("within", "")
    if text["within"] not in WITHIN:
        bad("within", f"within must be \"title\" (or left out), not {text['within']!r}")
    text.setdefault("reason_code", ENTRY_KINDS[kind][0])
    text.setdefault("severity", ENTRY_KINDS[kind][1])
    if text["reason_code"] and text["reason_code"] not in REASON_CODES:
        bad("reason_code", f"unknown reason_code {text['reason_code']!r}; use one of {', '.join(REASON_CODES)}")
    if text["severity"] and text["severity"] not in SEVERITIES:
        bad("severity", f"severity must be high, medium or low, not {text['severity']!r}")
    return text


def _conditions(raw: dict, report) -> dict[str, Any]:
    """The match conditions and filters of an entry, each checked."""
    reported: list[str] = []

    def bad(key: str, message: str) -> None:
        reported.append(key)
        report(key, message)

    found: dict[str, Any] = {key: _text_list(raw, key, bad)
                             for key in ("phrases", "regex", "doc_types", "issuers", "exclude", "title_exclude")}
    _check_regexes(found["regex"], bad)
    for doc_type in found["doc_types"]:
        if doc_type not in DOC_TYPES:
            bad("doc_types", f"unknown 文种 {doc_type!r} in doc_types; use one of {'、'.join(DOC_TYPES)}")
    found["cooccur"] = _cooccur(raw.get("cooccur"), bad)
    if not (found["phrases"] or found["regex"] or found["cooccur"]) and not {"phrases", "regex", "cooccur"} & set(reported):
        bad("id", "no match condition: give phrases, regex or cooccur")   # unless an invalid one was reported
    found["exclude_window"] = _window(raw.get("exclude_window", DEFAULT_EXCLUDE_WINDOW), bad)
    return found


def _required_text(raw: dict, key: str, bad) -> str:
    value = raw.get(key)
    if value is None:
        bad("id" if key != "id" else key, f"missing required key {key!r}")
        return ""
    if not isinstance(value, str) or not value.strip():
        bad(key, f"{key} must be a non-empty string")
        return ""
    return value.strip()


def _text_list(raw: dict, key: str, bad) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        bad(key, f"{key} must be a list of strings")
        return ()
    if any(not v.strip() for v in value):
        bad(key, f"{key} contains an empty string")
        return ()
    return tuple(dict.fromkeys(value))


def _check_regexes(patterns: tuple[str, ...], bad) -> None:
    for pattern in patterns:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            bad("regex", f"invalid regex {pattern!r}: {exc}")
            continue
        if compiled.fullmatch(""):
            bad("regex", f"regex {pattern!r} matches the empty string")
        elif nested := nested_quantifier(pattern):
            bad("regex", f"regex {pattern!r} repeats {nested!r}, which itself repeats without bound: matching can "
                         "take exponential time on one document (catastrophic backtracking); bound the "
                         "inner repeat, e.g. {0,20}")


def nested_quantifier(pattern: str) -> str | None:
    """The repeated part of `pattern` that holds an unbounded repeat, e.g. `(a+)+` or `(\\s*\\S+)*`: the shape
    whose backtracking grows exponentially with the text (Python's `re` has no time limit). Repeats
    with a bounded inner part, like `(\\d{1,3},)+`, are accepted."""
    try:
        from re import _parser as parser     # Python 3.11+
    except ImportError:                      # pragma: no cover - Python 3.10
        import sre_parse as parser           # type: ignore[no-redef]
    try:
        tree = parser.parse(pattern)
    except re.error:
        return None
    found = _nested(tree, parser, inside=False)
    return pattern if found else None


def _nested(items, parser, inside: bool) -> bool:
    constants = parser
    for op, av in items:
        if op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
            low, high, body = av
            unbounded = high == constants.MAXREPEAT or high > 100
            if inside and unbounded:
                return True
            if _nested(body, parser, inside or high > 1):
                return True
        elif op is constants.SUBPATTERN:
            if _nested(av[-1], parser, inside):
                return True
        elif op is constants.BRANCH:
            if any(_nested(branch, parser, inside) for branch in av[1]):
                return True
        elif op in (constants.ASSERT, constants.ASSERT_NOT):
            if _nested(av[1], parser, inside):
                return True
    return False


def _cooccur(value: Any, bad) -> Cooccur | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"all", "window"}:
        bad("cooccur", "cooccur must be a table { all = [\"…\", \"…\"], window = 80 }")
        return None
    terms, window = value.get("all"), value.get("window")
    if not isinstance(terms, list) or len(set(terms)) < 2 or not all(isinstance(t, str) and t.strip() for t in terms):
        bad("cooccur", "cooccur.all must list at least two different non-empty terms")
        return None
    if not isinstance(window, int) or isinstance(window, bool) or window <= 0:
        bad("cooccur", "cooccur.window must be a positive number of characters")
        return None
    return Cooccur(tuple(dict.fromkeys(terms)), window)


def _window(value: Any, bad) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        bad("exclude_window", "exclude_window must be a number of characters (0 or more)")
        return DEFAULT_EXCLUDE_WINDOW
    return value


def _examples(value: Any, bad) -> tuple[tuple[Example, ...], tuple[Example, ...]]:
    if not isinstance(value, dict):
        bad("examples", "missing examples = { match = [\"…\"], no_match = [\"…\"] }")
        return (), ()
    for key in value:
        if key not in ("match", "no_match"):
            bad("examples", f"unknown key {key!r} in examples{_hint(key, ('match', 'no_match'))}")
    return tuple(tuple(_example_list(value.get(kind), kind, bad)) for kind in ("match", "no_match"))


def _example_list(value: Any, kind: str, bad) -> Iterator[Example]:
    if not isinstance(value, list) or not value:
        bad("examples", f"examples.{kind} needs at least one example")
        return
    for item in value:
        if isinstance(item, str) and item.strip():
            yield Example(item)
        elif isinstance(item, dict) and isinstance(item.get("text"), str) and not set(item) - {"text", "doc_type", "issuer"}:
            yield Example(item["text"], item.get("doc_type"), item.get("issuer"))
        else:
            bad("examples", f"examples.{kind}: each example is a string or {{ text = \"…\", doc_type = \"…\", issuer = \"…\" }}")


def _duplicate_ids(raw_entries: Any, lines: list[str]) -> Iterator[Problem]:
    """Ids used twice in one file, checked on the raw tables so broken entries count too."""
    if not isinstance(raw_entries, list):
        return
    blocks = list(_blocks(lines))
    first: dict[str, int] = {}
    for raw, block in zip(raw_entries, blocks):
        ident = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(ident, str):
            continue
        line = block.line_of("id")
        if ident in first:
            yield Problem(line, f"duplicate id {ident!r} (first used on line {first[ident]})")
        else:
            first[ident] = line


def example_problems(entries: list[Entry], line_of: Callable[[Entry, Example], int]) -> list[Problem]:
    """Every example that does not behave as declared, run through one matcher of all the entries."""
    matcher = Matcher(entries)
    problems = []
    for entry in entries:
        for example, expected in [(e, True) for e in entry.match_examples] + [(e, False) for e in entry.no_match_examples]:
            if example_fires(matcher, entry, example) != expected:
                verdict = "does not match" if expected else "matches although listed under no_match"
                problems.append(Problem(line_of(entry, example), f"entry {entry.id}: example {verdict}: {example.text[:40]!r}"))
    return problems


def example_fires(matcher: Matcher, entry: Entry, example: Example) -> bool:
    """Whether `entry` fires on the example; a plain-string example is read as meeting the entry's filters."""
    doc_type = example.doc_type or (entry.doc_types[0] if entry.doc_types else None)
    issuer = example.issuer or (entry.issuers[0] if entry.issuers else None)
    return any(m.entry is entry for m in matcher.scan(example.text, doc_type, issuer))


def _hint(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
