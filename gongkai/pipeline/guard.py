"""What a publication row may contain: every published text masked, then checked once more.

A flagged value is masked wherever it is written — in the body, the title, the
attachments, every text column — not only at the span that was flagged; and the
personal-data detector runs again on every column, so an identifier it finds now
is masked too. Then the last line of defence: the finished row is scanned by the
personal-data and secrecy detectors, and anything still readable that no reviewer
cleared blocks the row (publish fails naming the document) instead of being published.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from gongkai.pipeline.masking import DEFAULT_CONVENTION, MaskingConvention, mask_text, occurrences
from gongkai.records import PERSONAL_KINDS, Hit

SECRECY_KINDS = frozenset({"secrecy_mark", "internal_mark"})
# The published columns that carry words (sha256 is a hash, redactions our own counts).
TEXT_COLUMNS = ("title", "doc_number", "issuer", "date", "doc_type", "batch", "attribute_name", "body",
                "attachments", "index_no", "topic")


@dataclass
class Blocked:
    item_id: int
    column: str
    kind: str

    def __str__(self) -> str:
        return f"document {self.item_id}: a readable {self.kind} in its {self.column}"


def _hit(row: dict) -> Hit:
    return Hit(kind=row["kind"], rule_id=row["rule_id"], text=row["text"], start=row["start"], end=row["end"],
               ground=row["ground"] or "", severity=row["severity"] or "high")


class Guard:
    """Built once per publish: the detectors and the masking convention."""

    def __init__(self, convention: MaskingConvention | None = None) -> None:
        from gongkai.pipeline.detect import DetectConfig, registry

        self.convention = convention or DEFAULT_CONVENTION
        self.detect = registry.build(DetectConfig(), ["personal", "secrecy"])

    def mask(self, item: dict, hit_rows: list[dict], cleared: set[int], columns: dict) -> tuple[dict, dict]:
        """Mask every text column of a row; returns the masked columns and the redaction counts."""
        stored = [_hit(h) for h in hit_rows if h["kind"] in PERSONAL_KINDS and h["id"] not in cleared]
        cleared_values = {h["text"] for h in hit_rows if h["id"] in cleared} - {h.text for h in stored}
        text = item["text"] or ""
        fresh = [h for h in self._personal(text) if h.text not in cleared_values]
        flagged = {(h.kind, h.text) for h in (*stored, *fresh)}
        kinds: Counter = Counter()
        out = dict(columns)
        for column, value in columns.items():
            if column == "attachments":
                masked = [self._mask_one(v, None, flagged, cleared_values, kinds) for v in json.loads(value)]
                out[column] = json.dumps(masked, ensure_ascii=False)
            elif isinstance(value, str) and column in TEXT_COLUMNS:
                spans = [*stored, *fresh] if column == "body" else None
                out[column] = self._mask_one(value, spans, flagged, cleared_values, kinds)
        return out, {"count": sum(kinds.values()), "kinds": dict(sorted(kinds.items()))}

    def _personal(self, text: str) -> list[Hit]:
        return [h for h in self.detect(text) if h.kind in PERSONAL_KINDS]

    def _mask_one(self, text: str, spans: list[Hit] | None, flagged: set, cleared_values: set[str],
                  kinds: Counter) -> str:
        hits = list(spans) if spans is not None else [h for h in self._personal(text) if h.text not in cleared_values]
        hits += occurrences(text, flagged | {(h.kind, h.text) for h in hits})
        masked, redactions = mask_text(text, hits, self.convention)
        kinds.update(r["kind"] for r in _distinct(redactions))
        return masked

    def check(self, item_id: int, row: dict, hit_rows: list[dict], cleared: set[int], reviewed: bool) -> list[Blocked]:
        """The last line of defence: what the detectors still find readable in the finished row."""
        cleared_values = {h["text"] for h in hit_rows if h["id"] in cleared}
        known_marks = {(h["kind"], h["text"]) for h in hit_rows if h["kind"] in SECRECY_KINDS}
        blocked = []
        for column in TEXT_COLUMNS:
            for text in _texts(row.get(column), column):
                for hit in self.detect(text):
                    if hit.kind in PERSONAL_KINDS and not (self._is_masked(hit.text) or hit.text in cleared_values):
                        blocked.append(Blocked(item_id, column, hit.kind))
                    elif hit.kind in SECRECY_KINDS and not (reviewed and (hit.kind, hit.text) in known_marks):
                        blocked.append(Blocked(item_id, column, hit.kind))
        return blocked

    def _is_masked(self, value: str) -> bool:
        c = self.convention
        return c.mask_char in value or c.address_replacement in value or value.endswith(c.name_replacement)


def _texts(value, column: str) -> list[str]:
    if not isinstance(value, str):
        return []
    return json.loads(value) if column == "attachments" else [value]


def _distinct(redactions: list[dict]) -> list[dict]:
    """One redaction per masked place: the same span found as a hit and as an occurrence counts once."""
    seen, out = set(), []
    for r in redactions:
        if (r["start"], r["end"]) not in seen:
            seen.add((r["start"], r["end"]))
            out.append(r)
    return out
