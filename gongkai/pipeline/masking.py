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

An office convention may not leave more than half of an identifier visible (nor
more than the default shows, for mobiles and bank cards, where the national
practice 138****5678 already shows 7 of 11 digits) and may not mask with a blank:
`check_convention` refuses such a file in one line.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
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
        return check_convention(replace(cls(), **values))


# The shortest usual length of each identifier: a keep-rule may show at most half of it
# (or as much as the default shows, if that is more).
TYPICAL_LENGTH = {"personal_id": 18, "mobile": 11, "bank_card": 16, "passport": 9}
MAX_EMAIL_KEEP = 3


def check_convention(c: "MaskingConvention") -> "MaskingConvention":
    """Refuse a convention that leaves too much of an identifier visible or masks with a blank."""
    for kind, length in TYPICAL_LENGTH.items():
        keep, default = getattr(c, kind), getattr(MaskingConvention, kind)
        allowed = max(length // 2, default.first + default.last)
        if keep.first + keep.last > allowed:
            raise ValueError(f"[masking] {kind} = {{ first = {keep.first}, last = {keep.last} }} leaves "
                             f"{keep.first + keep.last} of {length} characters visible; at most {allowed} may stay visible")
    if c.email_keep_first > MAX_EMAIL_KEEP:
        raise ValueError(f"[masking] email_keep_first = {c.email_keep_first} shows too much of the address; "
                         f"at most {MAX_EMAIL_KEEP}")
    if _blank(c.mask_char) or c.mask_char.isdigit():
        raise ValueError(f"[masking] mask_char must be a visible character that is not a digit, got {c.mask_char!r}")
    for key in ("address_replacement", "name_replacement"):
        if _blank(getattr(c, key)):
            raise ValueError(f"[masking] {key} must not be blank, got {getattr(c, key)!r}")
    return c


def _blank(value: str) -> bool:
    """Empty, white space or invisible (zero-width and other format characters)."""
    return not any(ch.isprintable() and not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in value)


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


# --- every occurrence of a flagged value ----------------------------------------------------------

_SEPARATORS = r"[\s\-.·/\u00a0\u200b\u200c\u200d\u2060\ufeff\u3000]*"
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}   # ０-９ Ａ-Ｚ ａ-ｚ ＠ …: one char each
_NUMBER_KINDS = frozenset({"personal_id", "mobile", "bank_card", "passport"})


def halfwidth(text: str) -> str:
    """Full-width ASCII forms to ASCII, one character for one, so offsets stay valid."""
    return text.translate(_FULLWIDTH)


def value_pattern(kind: str, value: str) -> re.Pattern | None:
    """Where else a flagged value is written: numbers with any separators between their characters
    (3305 2219…, 440304-1978…, NBSP, zero-width space, dots), others as written; None if too short."""
    value = halfwidth(value)
    if kind in _NUMBER_KINDS:
        chars = [ch for ch in value if ch.isalnum()]
        if len(chars) < 6:
            return None
        return re.compile(r"(?<![0-9A-Za-z])" + _SEPARATORS.join(map(re.escape, chars)) + r"(?![0-9A-Za-z])",
                          re.IGNORECASE)
    value = value.strip()
    if len(value) < 2:
        return None
    return re.compile(re.escape(value), re.IGNORECASE if kind == "email" else 0)


def occurrences(text: str, flagged: Iterable[tuple[str, str]]) -> list[Hit]:
    """Every occurrence in `text` of each flagged (kind, value), as hits to mask."""
    plain = halfwidth(text)
    found = []
    for kind, value in sorted(set(flagged)):
        pattern = value_pattern(kind, value)
        if pattern is None:
            continue
        found += [Hit(kind=kind, rule_id="publish.same_value", text=text[m.start():m.end()], start=m.start(),
                      end=m.end(), ground="条例第十五条（个人隐私）") for m in pattern.finditer(plain)]
    return found
