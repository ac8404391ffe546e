"""Check the corpus's matched counterparts against their sources: length ratio, line counts, 5-gram overlap.

    .venv/bin/python tools/check_counterparts.py [corpus]
"""
import csv
import re
import sys
from pathlib import Path


def grams(text: str, n: int = 5) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i:i + n] for i in range(len(text) - n + 1)}


def main(root: Path) -> int:
    rows = list(csv.DictReader((root / "labels.csv").open(encoding="utf-8")))
    problems = 0
    for r in (r for r in rows if r.get("pair_of")):
        a, b = (root / r["file"]).read_text(encoding="utf-8"), (root / r["pair_of"]).read_text(encoding="utf-8")
        ga, gb = grams(a), grams(b)
        overlap = len(ga & gb) / max(1, min(len(ga), len(gb)))
        ratio, lines = len(a) / len(b), a.count("\n") - b.count("\n")
        flags = [f for f, bad in (("LENGTH", not 0.85 <= ratio <= 1.18), ("LINES", abs(lines) > 2),
                                  ("OVERLAP", overlap > 0.4)) if bad]
        problems += bool(flags)
        if flags:
            print(f"{r['file']} ~ {r['pair_of']}: length {ratio:.2f} lines {lines:+d} overlap {overlap:.2f} {' '.join(flags)}")
    print(f"{sum(1 for r in rows if r.get('pair_of'))} pairs, {problems} with problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "corpus"))
