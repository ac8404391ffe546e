"""The masking convention for partial disclosure (区分处理, 条例第三十七条).

When a proactive notice carries personal data, publish masks the identifiers and
still releases the notice. Defaults follow the 永安 rectification rules
(domain-notes §5.2): ID numbers keep the first 2 and last 3 characters
(35*************123), mobiles 3 and 4 (138****5678), bank cards 6 and 4,
passports 1 and 2, emails the first character and the domain, names keep the
surname (张某某).

Addresses: the personal detector's address hit covers only the detail below the
乡镇/街道 level (幸福路18号3栋2单元501室), so the whole hit is replaced by
`address_replacement` ("***"): 江南街道幸福路18号3栋2单元501室 -> 江南街道***.
Only that rule changes the text's length; all others mask character for character
and keep spaces and hyphens inside numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from gongkai.pipeline.detect.validators import surname_of
from gongkai.records import PERSONAL_KINDS, Hit


@dataclass(frozen=True)
class Keep:
    """How many characters stay visible at each end of a masked identifier."""

    first: int
    last: int


@dataclass(frozen=True)
class MaskingConvention:
    mask_char: str = "*"
    personal_id: Keep = Keep(2, 3)
    mobile: Keep = Keep(3, 4)
    bank_card: Keep = Keep(6, 4)
    passport: Keep = Keep(1, 2)
    email_keep_first: int = 1
    address_replacement: str = "***"
    name_replacement: str = "某某"

    @classmethod
    def from_dict(cls, table: dict) -> "MaskingConvention":
        """Build from a `[masking]` table; keep-rules are `{first = 2, last = 3}` tables."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise ValueError(f"unknown [masking] key(s): {', '.join(unknown)}; known: {', '.join(known)}")
        values = {}
        for key, value in table.items():
            values[key] = _keep_from(key, value) if isinstance(getattr(cls, key), Keep) else _plain(key, value)
        return replace(cls(), **values)


def _keep_from(key: str, value: object) -> Keep:
    if not (isinstance(value, dict) and set(value) <= {"first", "last"}
            and all(isinstance(n, int) and n >= 0 for n in value.values())):
        raise ValueError(f"[masking] {key} must be a table like {{ first = 2, last = 3 }} of counts ≥ 0")
    default = getattr(MaskingConvention, key)
    return Keep(value.get("first", default.first), value.get("last", default.last))


def _plain(key: str, value: object) -> object:
    expected = type(getattr(MaskingConvention, key))
    if type(value) is not expected:
        raise ValueError(f"[masking] {key} must be a {expected.__name__}, got {value!r}")
    if key == "mask_char" and len(value) != 1:
        raise ValueError(f"[masking] mask_char must be a single character, got {value!r}")
    return value


def load_convention(path: str | Path) -> MaskingConvention:
    """The convention in a TOML file's `[masking]` table (defaults when the table is absent)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read masking convention: {exc}".splitlines()[0]) from None
    return MaskingConvention.from_dict(data.get("masking", {}))


DEFAULT_CONVENTION = MaskingConvention()
_COUNTRY_CODE = re.compile(r"(?:(?:[+＋]86|0086)[- \u3000]?)?")   # kept: the keep-counts apply to the number
MASKED_KINDS = PERSONAL_KINDS


def mask_keep(value: str, keep: Keep, char: str) -> str:
    """Mask the letters and digits between the kept ends; separators stay where they are."""
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    if len(positions) <= keep.first + keep.last:
        hidden = set(positions)          # too short to show anything safely
    else:
        hidden = set(positions[keep.first:len(positions) - keep.last])
    return "".join(char if i in hidden else ch for i, ch in enumerate(value))


def mask_email(value: str, keep_first: int, char: str) -> str:
    local, at, domain = value.partition("@")
    shown = local[:keep_first] if len(local) > keep_first else ""
    return shown + char * (len(local) - len(shown)) + at + domain


def mask_name(value: str, replacement: str) -> str:
    surname = surname_of(value) or value[:1]
    return surname + replacement


def mask_value(kind: str, value: str, convention: MaskingConvention = DEFAULT_CONVENTION) -> str:
    """The masked form of one identifier of a given kind."""
    c = convention
    if kind == "email":
        return mask_email(value, c.email_keep_first, c.mask_char)
    if kind == "address":
        return c.address_replacement
    if kind == "person_name":
        return mask_name(value, c.name_replacement)
    prefix = _COUNTRY_CODE.match(value).group() if kind == "mobile" else ""
    return prefix + mask_keep(value[len(prefix):], getattr(c, kind), c.mask_char)


def _clusters(hits: list[Hit]) -> list[list[Hit]]:
    """Overlapping hits grouped together, in text order."""
    groups: list[list[Hit]] = []
    end = -1
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if groups and hit.start < end:
            groups[-1].append(hit)
            end = max(end, hit.end)
        else:
            groups.append([hit])
            end = hit.end
    return groups


def _mask_cluster(text: str, group: list[Hit], c: MaskingConvention) -> tuple[int, int, str]:
    start, end = min(h.start for h in group), max(h.end for h in group)
    covers = [mask_value(h.kind, text[start:end], c) for h in group if (h.start, h.end) == (start, end)]
    if covers:
        # Two kinds on one span (an 18-digit card that is also a valid ID): the stricter mask wins.
        return start, end, max(covers, key=lambda m: (m.count(c.mask_char), -len(m)))
    # Partly overlapping hits of different kinds: hide everything they touch.
    return start, end, "".join(ch if ch.isspace() else c.mask_char for ch in text[start:end])


def mask_text(text: str, hits: list[Hit], convention: MaskingConvention = DEFAULT_CONVENTION
              ) -> tuple[str, list[dict]]:
    """Mask the hits of maskable kinds; returns the masked text and the redactions made.

    Spans are replaced in one left-to-right pass over the original text, so no
    replacement shifts another hit's offsets (the same as applying from the end).
    Offsets in the redactions index the original text. Hits of other kinds
    (commercial_secret, negative_list…) are left to the reviewer and ignored here.
    """
    chosen = [h for h in hits if h.kind in MASKED_KINDS and 0 <= h.start < h.end <= len(text)]
    pieces, cursor = [], 0
    for group in _clusters(chosen):
        start, end, masked = _mask_cluster(text, group, convention)
        pieces += [text[cursor:start], masked]
        cursor = end
    pieces.append(text[cursor:])
    redactions = [{"kind": h.kind, "rule_id": h.rule_id, "start": h.start, "end": h.end}
                  for h in sorted(chosen, key=lambda h: (h.start, h.end, h.kind))]
    return "".join(pieces), redactions
