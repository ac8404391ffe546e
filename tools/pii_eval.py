"""Precision and recall of the personal-data detector on a labelled set.

Usage: python tools/pii_eval.py [tests/data/pii_cases.tsv] [--errors]
       python tools/pii_eval.py --dir FOLDER [--dir FOLDER ...] [--hits]

The set is a TSV with a header and two columns: `text` (a line of a 公文; the
escapes \\n and \\t stand for a line break and a tab, so a table header and its
row fit in one case) and `expected`, a `;`-separated list of `kind:matched text`
(empty when nothing should be found; the same escapes apply). A hit counts as correct when its kind and
exact text match an expected item. `--errors` also prints every miss and every
false hit.

`--dir` counts the hits, per kind, in every document of a folder (parsed the way `classify`
parses it), for sets without labels: published documents, where a hit is mostly a false
positive. `--hits` prints each one with its context.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gongkai.pipeline.detect import DetectConfig, registry  # noqa: E402

DEFAULT_SET = REPO / "tests" / "data" / "pii_cases.tsv"


@dataclass
class Case:
    line: int
    text: str
    expected: Counter


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _unescape(cell: str) -> str:
    return cell.replace("\\n", "\n").replace("\\t", "\t")


def load_cases(path: Path = DEFAULT_SET) -> list[Case]:
    rows = path.read_text(encoding="utf-8").splitlines()
    if not rows or rows[0].split("\t") != ["text", "expected"]:
        raise ValueError(f"{path}: the first line must be the header 'text<TAB>expected'")
    cases = []
    for number, row in enumerate(rows[1:], start=2):
        if not row.strip():
            continue
        text, _, expected = row.partition("\t")
        items = [_unescape(item).split(":", 1) for item in expected.split(";") if item.strip()]
        cases.append(Case(number, _unescape(text), Counter((k.strip(), t) for k, t in items)))
    return cases


def evaluate(cases: list[Case]) -> dict[str, Tally]:
    """Per-kind tallies, plus the key "overall"."""
    detect = registry.build(DetectConfig(), ["personal"])
    tallies: dict[str, Tally] = {}
    for case in cases:
        found = Counter((h.kind, h.text) for h in detect(case.text))
        for (kind, text), n in (found | case.expected).items():
            tally = tallies.setdefault(kind, Tally())
            hit, want = found[(kind, text)], case.expected[(kind, text)]
            tally.tp += min(hit, want)
            if hit > want:
                tally.fp += hit - want
                tally.errors.append(f"line {case.line}: false {kind} “{text}”")
            if want > hit:
                tally.fn += want - hit
                tally.errors.append(f"line {case.line}: missed {kind} “{text}”")
    overall = Tally(sum(t.tp for t in tallies.values()), sum(t.fp for t in tallies.values()),
                    sum(t.fn for t in tallies.values()))
    return {**dict(sorted(tallies.items())), "overall": overall}


def report(tallies: dict[str, Tally]) -> str:
    lines = [f"{'kind':<14}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}"]
    for kind, t in tallies.items():
        lines.append(f"{kind:<14}{t.tp:>5}{t.fp:>5}{t.fn:>5}{t.precision:>11.3f}{t.recall:>8.3f}")
    return "\n".join(lines)


def folder_hits(folder: Path) -> list[tuple[str, str, str, str]]:
    """(file, kind, hit text, context) of every hit in the documents of `folder`."""
    from gongkai.pipeline.ingest import parse  # noqa: PLC0415

    detect = registry.build(DetectConfig(), ["personal"])
    found = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() != ".md"):
        doc = parse(path.read_bytes(), path.name)
        for h in detect(doc.text or ""):
            context = doc.text[max(0, h.start - 12):h.end + 12].replace("\n", "⏎").replace("\t", "⇥")
            found.append((path.name, h.kind, h.text, context))
    return found


def folder_report(folders: list[Path], show: bool) -> str:
    lines = []
    for folder in folders:
        found = folder_hits(folder)
        kinds = Counter(kind for _, kind, _, _ in found)
        files = len({name for name, *_ in found})
        per_kind = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none"
        lines.append(f"{folder}: {len(found)} hits in {files} documents ({per_kind})")
        if show:
            lines.extend(f"  {name}\t{kind}\t{text!r}\t{context}" for name, kind, text, context in found)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    folders = [Path(argv[i + 1]) for i, a in enumerate(argv[:-1]) if a == "--dir"]
    if folders:
        missing = [str(f) for f in folders if not f.is_dir()]
        if missing:
            print(f"error: not a folder: {', '.join(missing)}", file=sys.stderr)
            return 2
        print(folder_report(folders, "--hits" in argv))
        return 0
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else DEFAULT_SET
    try:
        cases = load_cases(path)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    tallies = evaluate(cases)
    negatives = sum(1 for c in cases if not c.expected)
    print(f"{path.name}: {len(cases)} cases, {negatives} without personal data")
    print(report(tallies))
    if "--errors" in argv:
        for kind, t in tallies.items():
            for error in t.errors:
                print(error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
