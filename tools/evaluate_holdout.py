"""Score a trained model on the documents `gongkai train --holdout` kept out of everything, and record it.

The model's metadata lists its held-out documents (corpus drafts and published documents read from
../shared). This scores the model on each group with its own calibrated thresholds and stores the
figures in the metadata and the card, under "corpus held out (never in training)" and "published held
out (never in training)", so the card's held-out rows are reproducible:

    .venv/bin/python tools/evaluate_holdout.py [--model models/default] [--shared ../shared]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def held_out_examples(meta: dict, shared: Path) -> dict[str, list]:
    from gongkai.pipeline.classify.corpus import Example, load_corpus
    from gongkai.pipeline.ingest import parse

    held = set(meta["holdout"])
    corpus = [e for e in load_corpus(REPO / "corpus") if str(Path(e.path).relative_to(REPO)) in held]
    paths = [shared / h.split("shared/", 1)[1] for h in sorted(held) if "shared/" in h]
    published = [Example(path=str(p), text=parse(p.read_bytes(), p.name).text, label="proactive")
                 for p in paths if p.exists()]
    return {"corpus held out": corpus, "published held out": published}


def main() -> None:
    from gongkai.pipeline.classify.card import write_card
    from gongkai.pipeline.classify.model import META_FILE
    from gongkai.pipeline.classify.session import evaluate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "default")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    meta = json.loads((args.model / META_FILE).read_text(encoding="utf-8"))
    for name, examples in held_out_examples(meta, args.shared).items():
        if not examples:
            print(f"{name}: none found (is {args.shared} present?)")
            continue
        metrics, _ = evaluate(examples, args.model)
        print(f"{name}: n {metrics.n}, macro-F1 {metrics.macro_f1}, leaks {len(metrics.leaks)}, "
              f"without review {metrics.unreviewed}, review among no-rule {metrics.review_rate_no_rules:.1%}")
        figures = {k: v for k, v in metrics.to_dict().items() if k != "extra"}
        meta.setdefault("evaluations", {})[f"{name} (never in training)"] = figures
    (args.model / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_card(args.model, meta)


if __name__ == "__main__":
    main()
