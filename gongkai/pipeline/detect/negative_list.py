"""The negative list (负面清单): loading, checking, explaining, and its detector.

An office's list is a TOML file (format in docs/negative-list.md). The default
list (gongkai/data/negative_list.toml) is loaded first and office lists go "on
top": an entry whose id was already defined replaces the earlier one in place,
so an office can re-word or narrow a default entry by reusing its id.

The policy finds an entry's reason code with `neglist.entry(hit.rule_id).reason_code`;
for hits read back from the database without the list at hand, the explanation
ends with the annual-report label in full-width brackets, which
`reason_code_in(explanation)` turns back into the code.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from gongkai.pipeline.detect.base import DetectConfig, DetectInput, Detector, registry
from gongkai.pipeline.detect.negative_list_check import parse_list
from gongkai.pipeline.detect.negative_list_match import Matcher
from gongkai.pipeline.detect.negative_list_model import (
    REASON_CODES, Entry, Match, NegativeListError, Problem, reason_code_in)
from gongkai.records import HeaderFields, Hit, kind_name

DEFAULT_LIST_PATH = Path(__file__).resolve().parents[2] / "data" / "negative_list.toml"
# The evidence list beside it: 主动公开目录 categories, narrow scope, internal affairs, process information.
EVIDENCE_LIST_PATH = DEFAULT_LIST_PATH.with_name("disclosure_evidence.toml")
DEFAULT_LIST_PATHS = (DEFAULT_LIST_PATH, EVIDENCE_LIST_PATH)

__all__ = ["DEFAULT_LIST_PATH", "REASON_CODES", "Entry", "Match", "NegativeList", "NegativeListError",
           "Problem", "check_negative_list", "default_negative_list", "explain", "format_matches",
           "load_negative_list", "reason_code_in"]


@dataclass
class NegativeList:
    """A loaded, valid list. `version` is the sha256 of the files it was read from, kept with every proposal."""

    name: str
    version: str
    entries: tuple[Entry, ...]
    files: tuple[str, ...] = ()
    _matcher: Matcher | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id = {entry.id: entry for entry in self.entries}

    def entry(self, rule_id: str) -> Entry:
        try:
            return self._by_id[rule_id]
        except KeyError:
            raise KeyError(f"negative list {self.name!r} has no entry {rule_id!r}") from None

    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:      # built lazily: worker processes receive the list pickled without it
            self._matcher = Matcher(self.entries)
        return self._matcher

    def match(self, text: str, fields: HeaderFields | None = None, keep_excluded: bool = False) -> list[Match]:
        fields = fields or HeaderFields()
        matches = self.matcher.scan(text, fields.doc_type, fields.issuer, keep_excluded)
        if any(m.entry.within for m in matches):
            low, high = title_span(text, fields.title)
            matches = [m for m in matches if not m.entry.within or (low <= m.start and m.end <= high)]
        if any(m.entry.title_exclude for m in matches):
            matches = [_title_excluded(m, fields.title or "") for m in matches]
            matches = [m for m in matches if not m.excluded_by or keep_excluded]
        return matches

    def hits(self, text: str, fields: HeaderFields | None = None) -> list[Hit]:
        return [to_hit(m) for m in self.match(text, fields)]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_matcher"] = None
        return state


def _title_excluded(match: Match, title: str) -> Match:
    """A `title_exclude` phrase in the 标题 cancels the entry for the whole document (shown by explain)."""
    phrase = next((p for p in match.entry.title_exclude if p in title), None)
    return match._replace(excluded_by=f"标题：{phrase}") if phrase and not match.excluded_by else match


def title_span(text: str, title: str | None) -> tuple[int, int]:
    """Where the 标题 stands in the text (it may wrap over lines there); (0, 0) when it was not found."""
    chars = [c for c in (title or "") if not c.isspace()][:8]
    if not chars:
        return 0, 0
    # The extracted title may join lines (发文机关 line + 事由 line): allow line breaks between its characters.
    found = re.search(r"\s*".join(map(re.escape, chars)), text)
    if not found:
        return 0, 0
    start = found.start()
    end, seen = start, 0
    while end < len(text) and seen < len(title):   # walk the title's characters, skipping line breaks
        seen += not text[end].isspace()
        end += 1
    return start, end


def to_hit(match: Match) -> Hit:
    entry = match.entry
    if entry.kind != "negative":
        return Hit(kind=entry.kind, rule_id=entry.id, text=match.text, start=match.start, end=match.end,
                   ground=entry.ground, severity=entry.severity,
                   explanation=f"{kind_name(entry.kind)} {entry.id}「{entry.item}」: {entry.situation}（{entry.ground}）")
    return Hit(kind="negative_list", rule_id=entry.id, text=match.text, start=match.start, end=match.end,
               ground=entry.ground, severity=entry.severity,
               explanation=f"负面清单 {entry.id}「{entry.item}」: {entry.situation}（{entry.reason}）")


def _read(path: Path) -> tuple[str | None, Problem | None]:
    try:
        return path.read_bytes().decode("utf-8-sig"), None
    except OSError as exc:
        return None, Problem(0, f"cannot read the list: {exc.strerror or exc}", str(path))
    except UnicodeDecodeError as exc:
        return None, Problem(0, f"not UTF-8 text (byte {exc.start})", str(path))


def check_negative_list(path: str | Path) -> list[Problem]:
    """Every problem of one list file, each with its line number; [] when the list is valid."""
    source, problem = _read(Path(path))
    return [problem] if problem else parse_list(source, str(path)).problems


def load_negative_list(paths: Iterable[str | Path] = (), include_default: bool = True) -> NegativeList:
    """The default list (unless include_default is False) with the given office lists on top, in order.

    Raises NegativeListError carrying every problem of every file, so a malformed
    list is refused before any document is processed.
    """
    files = (list(DEFAULT_LIST_PATHS) if include_default else []) + [Path(p) for p in paths]
    if not files:
        raise NegativeListError([Problem(0, "no negative list given (the default list was switched off)")])
    digest, names, problems = hashlib.sha256(), [], []
    merged: dict[str, Entry] = {}
    for path in files:
        source, problem = _read(path)
        if problem:
            problems.append(problem)
            continue
        parsed = parse_list(source, str(path))
        problems.extend(parsed.problems)
        data = source.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big") + data)   # length-prefixed: file boundaries count
        names.append(parsed.name or path.stem)
        merged.update((entry.id, entry) for entry in parsed.entries)
    if problems:
        raise NegativeListError(problems)
    return NegativeList(" + ".join(names), digest.hexdigest(), tuple(merged.values()), tuple(map(str, files)))


@lru_cache(maxsize=1)
def default_negative_list() -> NegativeList:
    return load_negative_list([], include_default=True)


def explain(neglist: NegativeList, text: str, fields: HeaderFields | None = None) -> list[Match]:
    """Every match of the list in the text, including those an `exclude` phrase cancelled (see excluded_by)."""
    return neglist.match(text, fields, keep_excluded=True)


def format_matches(matches: list[Match], text: str) -> str:
    """What `gongkai negative-list explain` prints: one block per match, with the matched text in context."""
    if not matches:
        return "no negative-list entry matches"
    return "\n\n".join(_format_one(m, text) for m in matches)


def _format_one(match: Match, text: str) -> str:
    entry = match.entry
    status = f"cancelled by exclude「{match.excluded_by}」" if match.excluded_by else f"severity {entry.severity}"
    return "\n".join([
        f"{entry.id}「{entry.item}」 {entry.ground} · {entry.reason} · {status}",
        f"  情形: {entry.situation}",
        f"  matched {match.via} {match.trigger!r} at {match.start}-{match.end}: {match.context(text)}",
        f"  source: {entry.source}",
    ])


@registry.register("negative_list")
def make_negative_list_detector(config: DetectConfig) -> Detector:
    """Detector of `config.negative_list` (a NegativeList), or of the default list when it is None."""
    neglist = config.negative_list if config.negative_list is not None else default_negative_list()
    if not isinstance(neglist, NegativeList):
        raise TypeError(f"config.negative_list must be a NegativeList, not {type(neglist).__name__}")
    neglist.matcher  # compile once, when the detector is built  # noqa: B018

    def detect(doc: DetectInput) -> list[Hit]:
        text = doc.text if isinstance(doc.text, str) else ""
        return neglist.hits(text, doc.fields if isinstance(doc.fields, HeaderFields) else None)

    return detect
