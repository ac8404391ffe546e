"""Check that no two corpus documents share more than half of their character 5-grams.

Usage: python tools/corpus_overlap.py [corpus/docs] [--prefix p1_]
Prints offending pairs (overlap = |A∩B| / min(|A|,|B|)) and exits 1 if any exceed 0.5.
"""
import sys
from itertools import combinations
from pathlib import Path


def grams(text: str, n: int = 5) -> set[str]:
    s = "".join(text.split())
    return {s[i:i + n] for i in range(len(s) - n + 1)}


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    folder = Path(args[0] if args else "corpus/docs")
    prefix = None
    if "--prefix" in sys.argv:
        prefix = sys.argv[sys.argv.index("--prefix") + 1]
    files = sorted(folder.glob("*.txt"))
    g = {f.name: grams(f.read_text(encoding="utf-8")) for f in files}
    bad = 0
    for a, b in combinations(g, 2):
        if prefix and not (a.startswith(prefix) or b.startswith(prefix)):
            continue
        ga, gb = g[a], g[b]
        if not ga or not gb:
            continue
        ov = len(ga & gb) / min(len(ga), len(gb))
        if ov > 0.35:
            print(f"{ov:.2f} {a} {b}" + ("  <-- TOO SIMILAR" if ov > 0.5 else ""))
            bad += ov > 0.5
    print(f"{len(files)} files, {bad} pairs over 0.5")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
