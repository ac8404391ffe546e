"""OCR accuracy on synthetic scans: character error rate and header fields by scan condition.

    .venv/bin/python tools/ocr_accuracy.py [--dpi 150,200,300] [--out results.json]

Each draft of tests/scans.py is typeset with the installed CJK font, scanned under each
condition (noise, skew, JPEG, a red seal over the date), read by gongkai's OCR and its text
compared with the printed text (CER, blanks ignored); 发文字号, 标题, 成文日期 and 密级 are
extracted from the OCR text by gongkai's extractor. The table goes into docs/formats.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gongkai.pipeline.extract import extract_fields  # noqa: E402
from gongkai.pipeline.ingest.ocr import read_image  # noqa: E402
from tests.scans import DRAFTS, Condition, cer, cjk_font, scan  # noqa: E402

FIELDS = ("doc_number", "title", "date", "secrecy")


def conditions(dpi: int) -> list[Condition]:
    return [Condition(dpi=dpi), Condition(dpi=dpi, noise=12, seed=1), Condition(dpi=dpi, skew=3),
            Condition(dpi=dpi, jpeg=50), Condition(dpi=dpi, noise=12, skew=-3, jpeg=50, seed=2)]


def fields_right(draft, text: str) -> dict[str, bool]:
    found = extract_fields(text)
    expected = {"doc_number": draft.doc_number, "title": draft.title, "date": draft.date_iso,
                "secrecy": draft.secrecy}
    return {k: getattr(found, k) == expected[k] for k in FIELDS}


def measure(cond: Condition) -> dict:
    errors, chars, seconds, right, turned = 0.0, 0, 0.0, {k: 0 for k in FIELDS}, 0
    for draft in DRAFTS:
        page = read_image(scan(draft, cond))
        n = len("".join(draft.text.split()))
        errors += cer(draft.text, page.text) * n
        chars += n
        seconds += page.seconds
        turned += page.turned == (360 - cond.turn) % 360     # turned back the way it was turned
        for k, ok in fields_right(draft, page.text).items():
            right[k] += ok
    return {"condition": cond.label, "dpi": cond.dpi, "cer": round(errors / chars, 4),
            "fields": {k: f"{v}/{len(DRAFTS)}" for k, v in right.items()},
            "fields_ok": sum(right.values()), "fields_total": len(FIELDS) * len(DRAFTS),
            "orientation_ok": f"{turned}/{len(DRAFTS)}", "s_per_page": round(seconds / len(DRAFTS), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", default="150,200,300")
    parser.add_argument("--turns", action="store_true", help="also quarter-turned and upside-down pages")
    parser.add_argument("--small", action="store_true", help="also body text in 10.5 pt (5号) instead of 16 pt")
    parser.add_argument("--only-extra", action="store_true", help="only the --turns/--small conditions")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if cjk_font() is None:
        sys.exit("no CJK font installed: run `make cjk-font`")
    rows = []
    for dpi in map(int, args.dpi.split(",")):
        conds = [] if args.only_extra else conditions(dpi)
        if args.turns:
            conds += [Condition(dpi=dpi, turn=t, skew=1) for t in (90, 180, 270)]
        if args.small:
            conds += [Condition(dpi=dpi, body_pt=10.5), Condition(dpi=dpi, body_pt=10.5, noise=12, skew=-3, jpeg=50, seed=2)]
        for cond in conds:
            started = time.perf_counter()
            rows.append(measure(cond))
            print(json.dumps(rows[-1], ensure_ascii=False), f"({time.perf_counter() - started:.0f} s)", flush=True)
    ok = sum(r["fields_ok"] for r in rows)
    total = sum(r["fields_total"] for r in rows)
    print(f"fields right: {ok}/{total} = {ok / total:.1%}")
    if args.out:
        args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
