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
from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import NamedTuple

import ahocorasick_rs

from gongkai.pipeline.detect.negative_list_literals import required_literals
from gongkai.pipeline.detect.negative_list_model import Entry, Match

_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_IS_CJK = re.compile(f"[{_CJK}]")
_CJK_BREAK = re.compile(f"[{_CJK}]\n(?=[{_CJK}])")     # no lookbehind: the engine skips ahead faster

Occurrence = tuple[int, int, int]       # (automaton key, start, stop) as the automaton reports it
Span = tuple[int, int, str, str]        # start, end, via, trigger


class Term(NamedTuple):
    """One distinct string of the list and the entries that use it, by role."""

    text: str
    phrase_users: tuple[int, ...]               # entries with it among their phrases
    cooccur_users: tuple[int, ...]              # entries with it among their cooccur terms
    anchored: tuple[int, ...]                   # entries whose regex it anchors


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


def _term_table(entries: Sequence[Entry], anchors: dict[int, tuple[str, ...]]) -> list[Term]:
    users: dict[str, tuple[list, list, list]] = defaultdict(lambda: ([], [], []))
    for i, entry in enumerate(entries):
        for phrase in entry.phrases:
            users[phrase][0].append(i)
        for term in entry.cooccur.terms if entry.cooccur else ():
            users[term][1].append(i)
        for term in anchors.get(i, ()):
            users[term][2].append(i)
    return [Term(term, *(tuple(dict.fromkeys(u)) for u in roles)) for term, roles in users.items()]


def _automaton_keys(terms: list[Term]) -> tuple[list[str], list[int]]:
    """The automaton's keys (every term, then its line-break variants) and the term each key stands for."""
    keys = [t.text for t in terms]
    term_of = list(range(len(terms)))
    known = set(keys)
    for index, term in enumerate(terms):
        for variant in line_break_variants(term.text):
            if variant not in known:
                known.add(variant)
                keys.append(variant)
                term_of.append(index)
    return keys, term_of


def _compile_regexes(entries: Sequence[Entry]) -> list[tuple[int, re.Pattern, tuple[str, ...]]]:
    return [(i, re.compile("|".join(f"(?:{r})" for r in e.regex)), e.regex)
            for i, e in enumerate(entries) if e.regex]


def _anchors(regexes: list[tuple[int, re.Pattern, tuple[str, ...]]]) -> dict[int, tuple[str, ...]]:
    """Entry -> literal anchors of its regexes; entries left out have none and always run."""
    found = ((i, required_literals(pattern.pattern)) for i, pattern, _ in regexes)
    return {i: anchors for i, anchors in found if anchors}


def cooccur_windows(terms: list[tuple[int, int, int]], n_slots: int, window: int) -> Iterator[tuple[int, int]]:
    """Disjoint spans, from the first term's start to the last one's end, holding every slot within `window`.

    `terms` are (end, start, slot) of each term occurrence, sorted (so in order of
    their end). Keeping the latest occurrence of each slot makes the span ending
    at each occurrence as short as possible.
    """
    latest: dict[int, int] = {}
    for end, start, slot in terms:
        latest[slot] = start
        if len(latest) == n_slots:
            first = min(latest.values())
            if end - first <= window:
                yield first, end
                latest.clear()


def _disjoint(found: list[Occurrence]) -> bool:
    """Occurrences (in order of end) that are also in order of start and do not overlap: what
    _merge would return, in the same order (one occurrence, or one term seen several times)."""
    if len(found) < 2:
        return True
    previous_end = -1
    for _, start, end in found:
        if start < previous_end:
            return False
        previous_end = end
    return True


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
    """A compiled list: `scan(text, doc_type, issuer)` returns every Match, in text order.

    The work after the one pass is kept per distinct term and per entry, not per
    occurrence: a large list's common words (管理, 工作) are used by dozens of
    entries, and a batch's documents repeat them many times.
    """

    def __init__(self, entries: Sequence[Entry], anchor_regexes: bool = True) -> None:
        self.entries = tuple(entries)
        self._regexes = _compile_regexes(self.entries)
        self._anchors = _anchors(self._regexes) if anchor_regexes else {}
        self._terms = _term_table(self.entries, self._anchors)
        self._keys, self._term_of = _automaton_keys(self._terms)
        self._key_index = {key: k for k, key in enumerate(self._keys)}
        self._trigger = [self._terms[t].text for t in self._term_of]          # key -> the term it stands for
        self._searcher = (ahocorasick_rs.AhoCorasick(self._keys, matchkind=ahocorasick_rs.MatchKind.Standard)
                          if self._keys else None)
        index = {term.text: t for t, term in enumerate(self._terms)}
        self._slots = {i: tuple(index[term] for term in e.cooccur.terms)
                       for i, e in enumerate(self.entries) if e.cooccur}
        self._by_type = tuple(i for i, e in enumerate(self.entries) if e.doc_types and not e.issuers)
        self._by_issuer = tuple(i for i, e in enumerate(self.entries) if e.issuers)
        self._blocked: dict[str | None, frozenset[int]] = {}
        rank = sorted(range(len(self.entries)), key=lambda i: self.entries[i].id)
        self._rank = {i: r for r, i in enumerate(rank)}                         # output order of ties

    def key_index(self, key: str) -> int | None:
        """The automaton's number for a key (a term or a line-break variant of one)."""
        return self._key_index.get(key)

    def keys(self) -> list[str]:
        return list(self._keys)

    def occurrences(self, text: str) -> Sequence[Occurrence]:
        """(key, start, stop) of every occurrence of every key, overlapping ones too, in order of stop
        (the one pass over the text; a tie lists the longer key first)."""
        if self._searcher is None:
            return ()
        return self._searcher.find_matches_as_indexes(text, overlapping=True)

    def scan(self, text: str, doc_type: str | None = None, issuer: str | None = None,
             keep_excluded: bool = False) -> list[Match]:
        term_of, by_term = self._term_of, {}
        for occurrence in self.occurrences(text):
            t = term_of[occurrence[0]]
            seen = by_term.get(t)
            if seen is None:
                by_term[t] = [occurrence]
            else:
                seen.append(occurrence)
        blocked = self._blocked_for(doc_type, issuer)
        spans = self._phrase_spans(by_term, blocked)
        extra: dict[int, list[Span]] = defaultdict(list)        # regex and cooccur spans
        self._add_regex_spans(extra, by_term, text, blocked)
        self._add_cooccur_spans(extra, by_term, blocked)
        return self._matches(text, spans, extra, keep_excluded)

    def _blocked_for(self, doc_type: str | None, issuer: str | None) -> frozenset[int]:
        """Entries whose doc_types/issuers filters leave this document out. The doc_types part is
        cached per 文种 (a closed set); issuers are free text, and few entries filter on them."""
        blocked = self._blocked.get(doc_type)
        if blocked is None:
            if len(self._blocked) > 256:
                self._blocked.clear()
            blocked = self._blocked[doc_type] = frozenset(
                i for i in self._by_type if doc_type not in self.entries[i].doc_types)
        if self._by_issuer:
            blocked |= {i for i in self._by_issuer if not self.entries[i].applies_to(doc_type, issuer)}
        return blocked

    def _phrase_spans(self, by_term: dict[int, list[Occurrence]], blocked: frozenset[int]
                      ) -> dict[int, list[Occurrence]]:
        """Entry -> occurrences of its phrases. Lists are shared, never changed in place."""
        spans: dict[int, list[Occurrence]] = {}
        terms = self._terms
        for t, found in by_term.items():
            for i in terms[t].phrase_users:
                have = spans.get(i)
                if have is None:
                    if i not in blocked:
                        spans[i] = found
                else:
                    spans[i] = have + found
        return spans

    def _add_regex_spans(self, extra: dict[int, list[Span]], by_term: dict[int, list[Occurrence]],
                         text: str, blocked: frozenset[int]) -> None:
        anchored = {i for t in by_term for i in self._terms[t].anchored}
        joined = cuts = None
        for i, pattern, sources in self._regexes:
            if (i in anchored or i not in self._anchors) and i not in blocked:
                if joined is None:
                    joined, cuts = join_cjk_lines(text)
                found = [(_to_original(m.start(), cuts), _to_original(m.end() - 1, cuts) + 1,
                          "regex", _which(m, sources)) for m in pattern.finditer(joined) if m.end() > m.start()]
                if found:
                    extra[i].extend(found)

    def _add_cooccur_spans(self, extra: dict[int, list[Span]], by_term: dict[int, list[Occurrence]],
                           blocked: frozenset[int]) -> None:
        candidates = {i for t in by_term for i in self._terms[t].cooccur_users}
        for i in candidates:
            slots = self._slots[i]
            if i in blocked or not all(t in by_term for t in slots):
                continue                                    # a term is missing: no window can hold them all
            terms = sorted([(e, s, slot) for slot, t in enumerate(slots) for _, s, e in by_term[t]])
            cooccur = self.entries[i].cooccur
            trigger = "+".join(cooccur.terms)
            extra[i].extend((s, e, "cooccur", trigger)
                            for s, e in cooccur_windows(terms, len(slots), cooccur.window))

    def _matches(self, text: str, spans: dict[int, list[Occurrence]], extra: dict[int, list[Span]],
                 keep_excluded: bool) -> list[Match]:
        entries, trigger, matches, new = self.entries, self._trigger, [], tuple.__new__  # new: no Python frame
        found_in = spans.keys() | extra.keys() if extra else spans
        for i in sorted(found_in, key=self._rank.__getitem__):
            entry, found, more = entries[i], spans.get(i, ()), extra.get(i)
            if more is None and _disjoint(found):             # the common case: phrases, not overlapping
                merged: list[Span] = [(start, end, "phrase", trigger[key]) for key, start, end in found]
            else:
                merged = _merge([(s, e, "phrase", trigger[key]) for key, s, e in found] + (more or []))
            exclude = entry.exclude
            for start, end, via, term in merged:
                cancel = _exclusion(text, start, end, entry) if exclude else None
                if cancel is None or keep_excluded:
                    matches.append(new(Match, (entry, start, end, text[start:end], via, term, cancel)))
        matches.sort(key=_position)     # stable: ties keep the entries' id order
        return matches


_position = itemgetter(1, 2)            # Match.start, Match.end


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
