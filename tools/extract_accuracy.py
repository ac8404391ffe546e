"""Measure header-field extraction against the real documents' manifest and print a table.

Usage: python tools/extract_accuracy.py [../shared/real-docs] [--misses FIELD]

For each field the table counts the documents where the truth is known *and
actually occurs in the text* (lawref dates are version dates from file names and
often do not), how many of them come out right, and the share. It is printed
twice: on the full text, and on the body only (the published page's metadata
block — 索引号/发文字号/成文日期 … lines — removed), which is what a draft looks
like before publication. The last rows give the share of documents whose
发文字号, 成文日期 and 标题 are all right (among the ones known for that document).
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gongkai.pipeline import extract_patterns as P  # noqa: E402
from gongkai.pipeline.extract import extract_fields  # noqa: E402

FIELDS = ("title", "doc_number", "issuer", "date", "doc_type")
CORE = ("doc_number", "date", "title")
_BRACKETS = str.maketrans("[]【】［］()（）", "〔〕〔〕〔〕〔〕〔〕")
_ALL_DATES = re.compile(f"{P.ARABIC_DATE.pattern}|{P.CN_DATE.pattern}")


def _bracketed(text: str) -> str:
    return P.squeeze(text).translate(_BRACKETS)


def _dates_in(text: str) -> set[str]:
    return {d for d in (P.parse_date(m[0]) for m in _ALL_DATES.finditer(text)) if d}


def expected_value(field: str, raw: str, text: str) -> str | None:
    """The manifest value, normalised, or None when unknown or absent from the text."""
    if not raw:
        return None
    if field == "date":
        value = P.parse_date(raw, allow_iso=True)
        return value if value and value in _dates_in(text) else None
    if field == "doc_type":
        return raw
    if field == "doc_number":
        return _bracketed(raw) if _bracketed(raw) in _bracketed(text) else None
    return P.squeeze(raw) if P.squeeze(raw) in P.squeeze(text) else None


def is_correct(field: str, expected: str, got) -> bool:
    if got is None:
        return False
    if field == "doc_number":
        got = _bracketed(got)
        # The manifest drops the agency code of some numbers ([2008]3号, 第308号).
        return got == expected or (expected[:1] in "〔第" and got.endswith(expected))
    if field in ("title", "issuer"):
        return P.squeeze(got).replace("、", "") == expected.replace("、", "")
    return got == expected


def strip_metadata(text: str) -> str:
    """The text without the published page's metadata lines."""
    return "\n".join(line for line in text.splitlines() if not P.parse_metadata(P.clean_line(line)))


def measure(folder: Path, body_only: bool = False) -> dict:
    """{field: [known, correct]} plus `core` (all of 发文字号/成文日期/标题 right) and `misses`."""
    rows = list(csv.DictReader((folder / "manifest.csv").open(encoding="utf-8")))
    counts = {f: [0, 0] for f in (*FIELDS, "core")}
    misses: dict[str, list] = {f: [] for f in FIELDS}
    for row in rows:
        text = (folder / row["file"]).read_text(encoding="utf-8")
        got = extract_fields(strip_metadata(text) if body_only else text).to_dict()
        core_known, core_right = 0, True
        for field in FIELDS:
            expected = expected_value(field, row[field], text)
            if expected is None:
                continue
            right = is_correct(field, expected, got[field])
            counts[field][0] += 1
            counts[field][1] += right
            if not right:
                misses[field].append((row["file"], expected, got[field]))
            if field in CORE:
                core_known, core_right = core_known + 1, core_right and right
        if core_known:
            counts["core"][0] += 1
            counts["core"][1] += core_right
    return {"counts": counts, "misses": misses, "documents": len(rows)}


def table(result: dict, heading: str) -> str:
    lines = [heading, f"{'field':<12} {'known':>6} {'correct':>8} {'share':>7}"]
    for field, (known, correct) in result["counts"].items():
        name = "all 3 core" if field == "core" else field
        share = f"{correct / known:.3f}" if known else "-"
        lines.append(f"{name:<12} {known:>6} {correct:>8} {share:>7}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    folder = Path(args[0]) if args else REPO.parent / "shared" / "real-docs"
    if not (folder / "manifest.csv").is_file():
        print(f"{folder}/manifest.csv not found: pass the real-docs folder", file=sys.stderr)
        return 2
    full, body = measure(folder), measure(folder, body_only=True)
    print(table(full, f"{full['documents']} documents, full text (core = 发文字号, 成文日期 and 标题 all right)"))
    print()
    print(table(body, "body only (page metadata removed)"))
    if "--misses" in argv:
        field = argv[argv.index("--misses") + 1]
        for mode, result in (("full", full), ("body", body)):
            for file, expected, got in result["misses"].get(field, []):
                print(f"{mode}\t{file}\texpected={expected}\tgot={got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
