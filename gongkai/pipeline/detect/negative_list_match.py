"""The one-pass matcher of a negative list.

Every phrase and cooccur term of every entry, and the literal anchors of its
regexes (negative_list_literals), go into one Aho-Corasick automaton, so a
document is scanned once however long the list is. The automaton reports
overlapping occurrences too (a single alternation regex reports only one of
请示报告 / 报告). Each automaton value names the entries using the term and in
which role; only entries whose terms were seen are evaluated further (filters,
cooccur windows, exclusions), and a regex runs only on documents where one of
its anchors was seen. Exclude phrases are looked up around candidates only:
they are common words (管理, 规定) that would flood the scan.

Line breaks: PDF text has its CJK line breaks joined by ingest, but other
sources may still wrap a phrase. Each term is also added with one "\\n" between
any two of its CJK characters, so 请示\\n报告 matches 请示报告 and the hit's span
covers the break; this costs automaton size, not scan time. Regexes run on a
copy with single CJK line breaks removed (built only when a regex runs), with
offsets mapped back. Blank lines (paragraph breaks) never join.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

import ahocorasick_rs

from gongkai.pipeline.detect.negative_list_literals import required_literals
from gongkai.pipeline.detect.negative_list_model import Entry, Match

_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_IS_CJK = re.compile(f"[{_CJK}]")
_CJK_BREAK = re.compile(f"[{_CJK}]\n(?=[{_CJK}])")     # no lookbehind: the engine skips ahead faster

# Automaton value: (length of the key as found in the text, the term, entries using it as a phrase,
# (entry, slot) pairs using it in a cooccur, entries whose regex it anchors).
TermUsers = tuple[int, str, tuple[int, ...], tuple[tuple[int, int], ...], tuple[int, ...]]
Occurrence = tuple[int, TermUsers]      # (index of the key's last character, its users)
Span = tuple[int, int, str, str]        # start, end, via, trigger


def join_cjk_lines(text: str) -> tuple[str, list[int] | None]:
    """The text with single CJK line breaks removed, and the removed breaks' positions in that copy."""
    if "\n" not in text:
        return text, None
    cuts = [m.end() - 1 for m in _CJK_BREAK.finditer(text)]
    if not cuts:
        return text, None
    pieces = [text[a + 1:b] for a, b in zip([-1] + cuts, cuts + [len(text)])]
    return "".join(pieces), [pos - k for k, pos in enumerate(cuts)]


def _to_original(pos: int, cuts: list[int] | None) -> int:
    return pos if cuts is None else pos + bisect_right(cuts, pos)


def line_break_variants(term: str) -> Iterator[str]:
    """The term with one "\\n" between two adjacent CJK characters, at each such place."""
    for k in range(1, len(term)):
        if _IS_CJK.match(term, k - 1) and _IS_CJK.match(term, k):
            yield f"{term[:k]}\n{term[k:]}"


def _term_users(entries: Sequence[Entry], anchors: dict[int, tuple[str, ...]]) -> dict[str, TermUsers]:
    users: dict[str, tuple[list, list, list]] = defaultdict(lambda: ([], [], []))
    for i, entry in enumerate(entries):
        for phrase in entry.phrases:
            users[phrase][0].append(i)
        for slot, term in enumerate(entry.cooccur.terms if entry.cooccur else ()):
            users[term][1].append((i, slot))
        for term in anchors.get(i, ()):
            users[term][2].append(i)
    values = {term: (len(term), term, *(tuple(dict.fromkeys(u)) for u in roles)) for term, roles in users.items()}
    for term, value in list(values.items()):
        for variant in line_break_variants(term):
            values.setdefault(variant, (len(variant), *value[1:]))
    return values


class _Automaton:
    """Every key of the list in one Aho–Corasick automaton (ahocorasick-rs: a compiled Rust
    automaton, 3–4× faster than pyahocorasick on Chinese text with this many first characters)."""

    def __init__(self, users: dict[str, TermUsers]) -> None:
        self.users = users
        self.values = list(users.values())
        self.searcher = ahocorasick_rs.AhoCorasick(list(users), matchkind=ahocorasick_rs.MatchKind.Standard)

    def keys(self) -> list[str]:
        return list(self.users)

    def get(self, key: str) -> TermUsers | None:
        return self.users.get(key)

    def iter(self, text: str) -> Iterator[Occurrence]:
        """(index of the key's last character, its users) for every occurrence, overlapping ones too."""
        values = self.values
        return ((end - 1, values[key]) for key, _, end in
                self.searcher.find_matches_as_indexes(text, overlapping=True))


def _build_automaton(users: dict[str, TermUsers]) -> _Automaton | None:
    return _Automaton(users) if users else None


def _compile_regexes(entries: Sequence[Entry]) -> list[tuple[int, re.Pattern, tuple[str, ...]]]:
    return [(i, re.compile("|".join(f"(?:{r})" for r in e.regex)), e.regex)
            for i, e in enumerate(entries) if e.regex]


def _anchors(regexes: list[tuple[int, re.Pattern, tuple[str, ...]]]) -> dict[int, tuple[str, ...]]:
    """Entry -> literal anchors of its regexes; entries left out have none and always run."""
    found = ((i, required_literals(pattern.pattern)) for i, pattern, _ in regexes)
    return {i: anchors for i, anchors in found if anchors}


class _Scan:
    """The evidence gathered from one text: candidate spans and cooccur terms per entry."""

    def __init__(self) -> None:
        self.spans: dict[int, list[Span]] = defaultdict(list)
        self.terms: dict[int, list[tuple[int, int, int]]] = defaultdict(list)        # s, e, slot
        self.anchored: set[int] = set()                                              # regexes worth running

    def add(self, end: int, users: TermUsers) -> None:
        length, term, phrase_users, cooccur_users, anchored = users
        start, stop = end - length + 1, end + 1
        for i in phrase_users:
            self.spans[i].append((start, stop, "phrase", term))
        if cooccur_users:
            for i, slot in cooccur_users:
                self.terms[i].append((start, stop, slot))
        if anchored:
            self.anchored.update(anchored)


def cooccur_windows(terms: list[tuple[int, int, int]], n_slots: int, window: int) -> Iterator[tuple[int, int]]:
    """Disjoint spans, from the first term's start to the last one's end, holding every slot within `window`.

    `terms` must be in order of their end. Keeping the latest occurrence of each
    slot makes the span ending at each occurrence as short as possible.
    """
    latest: dict[int, int] = {}
    for start, end, slot in terms:
        latest[slot] = start
        if len(latest) == n_slots:
            first = min(latest.values())
            if end - first <= window:
                yield first, end
                latest.clear()


def _merge(spans: list[Span]) -> list[Span]:
    """Overlapping spans of one entry become one (the first trigger names it)."""
    if len(spans) == 1:  # the common case: nothing to sort or merge
        return spans
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span[0] < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], span[1]), last[2], last[3])
        else:
            merged.append(span)
    return merged


class Matcher:
    """A compiled list: `scan(text, doc_type, issuer)` returns every Match, in text order."""

    def __init__(self, entries: Sequence[Entry], anchor_regexes: bool = True) -> None:
        self.entries = tuple(entries)
        self._regexes = _compile_regexes(self.entries)
        self._anchors = _anchors(self._regexes) if anchor_regexes else {}
        self._automaton = _build_automaton(_term_users(self.entries, self._anchors))

    def occurrences(self, text: str) -> Iterable[Occurrence]:
        """Every occurrence of every term, overlapping ones included (the one pass over the text)."""
        return self._automaton.iter(text) if self._automaton is not None else ()

    def scan(self, text: str, doc_type: str | None = None, issuer: str | None = None,
             keep_excluded: bool = False) -> list[Match]:
        found = _Scan()
        add = found.add
        for end, users in self.occurrences(text):
            add(end, users)
        applies = _FilterCache(self.entries, doc_type, issuer)
        self._add_regex_spans(found, text, applies)
        self._add_cooccur_spans(found, applies)
        matches = [match for i, spans in found.spans.items() if applies(i)
                   for match in self._matches(i, spans, text, keep_excluded)]
        return sorted(matches, key=lambda m: (m.start, m.end, m.entry.id))

    def _add_regex_spans(self, found: _Scan, text: str, applies: _FilterCache) -> None:
        joined = cuts = None
        for i, pattern, sources in self._regexes:
            if (i in found.anchored or i not in self._anchors) and applies(i):
                if joined is None:
                    joined, cuts = join_cjk_lines(text)
                found.spans[i].extend((_to_original(m.start(), cuts), _to_original(m.end() - 1, cuts) + 1,
                                       "regex", _which(m, sources))
                                      for m in pattern.finditer(joined) if m.end() > m.start())

    def _add_cooccur_spans(self, found: _Scan, applies: _FilterCache) -> None:
        for i, terms in found.terms.items():
            cooccur = self.entries[i].cooccur
            if applies(i) and cooccur is not None:
                trigger = "+".join(cooccur.terms)
                found.spans[i].extend((s, e, "cooccur", trigger)
                                      for s, e in cooccur_windows(terms, len(cooccur.terms), cooccur.window))

    def _matches(self, i: int, spans: list[Span], text: str, keep_excluded: bool) -> Iterator[Match]:
        entry = self.entries[i]
        for start, end, via, trigger in _merge(spans):
            cancel = _exclusion(text, start, end, entry) if entry.exclude else None
            if cancel is None or keep_excluded:
                yield Match(entry, start, end, text[start:end], via, trigger, cancel)


class _FilterCache:
    """Entry i's doc_types/issuers filters, evaluated at most once per document."""

    def __init__(self, entries: Sequence[Entry], doc_type: str | None, issuer: str | None) -> None:
        self.entries, self.doc_type, self.issuer = entries, doc_type, issuer
        self.seen: dict[int, bool] = {}

    def __call__(self, i: int) -> bool:
        ok = self.seen.get(i)
        if ok is None:
            ok = self.seen[i] = self.entries[i].applies_to(self.doc_type, self.issuer)
        return ok


def _exclusion(text: str, start: int, end: int, entry: Entry) -> str | None:
    """The first exclude phrase overlapping [start - window, end + window), if any."""
    window = entry.exclude_window
    for phrase in entry.exclude:
        reach = len(phrase) - 1
        if text.find(phrase, max(0, start - window - reach), end + window + reach) >= 0:
            return phrase
    return None


def _which(match: re.Match, sources: tuple[str, ...]) -> str:
    """The entry's regex that matched (the combined pattern is one alternation of them)."""
    if len(sources) == 1:
        return sources[0]
    return next((r for r in sources if re.fullmatch(r, match.group())), sources[0])
