"""Compare classifier architectures under one protocol (docs/model-selection.md).

For each architecture: 5-fold cross-validation over the corpus plus the published folders given with
--extra (each document scored by a model that never saw it), the policy's thresholds calibrated per
fold on the other folds, and the figures split by source. Also the Spearman correlation between a
document's length and the model's top probability on the published folders: a model whose
confidence tracks length has learned form, not content.

    .venv/bin/python tools/compare_models.py --corpus corpus \
        --extra ../shared/real-local/docs --extra ../shared/real-docs [--arch linear --arch bow --arch reduce]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def spearman(xs: list[float], ys: list[float]) -> float:
    from scipy.stats import spearmanr

    return round(float(spearmanr(xs, ys).statistic), 3) if len(xs) > 2 else 0.0


def run(arch: str, corpus: Path, extra: list[Path], epochs: int) -> dict:
    from gongkai.pipeline.classify.evaluate import cross_fold_proposals, gather_evidence
    from gongkai.pipeline.classify.session import by_source, gather_examples, rule_resources
    from gongkai.pipeline.classify.train import TrainConfig, cross_val_probs

    examples = gather_examples(corpus, extra, [])
    res = rule_resources()
    evidence = gather_evidence(examples, res)
    probs, assignment = cross_val_probs(examples, 5, TrainConfig(architecture=arch, epochs=epochs))
    proposals, _ = cross_fold_proposals(evidence, probs, assignment, res.negative_list)
    out = {}
    for name, m in by_source(evidence, proposals).items():
        idx = [i for i, e in enumerate(examples) if (name == "corpus") == (not e.source.startswith("extra:"))
               and (name == "corpus" or e.source == name)]
        top = [max(probs[i].values()) for i in idx if probs[i]]
        lengths = [len(examples[i].text) for i in idx if probs[i]]
        out[name] = {"n": m.n, "macro_f1": m.macro_f1, "leaks": len(m.leaks), "review_rate": m.review_rate,
                     "review_rate_no_rules": m.review_rate_no_rules, "ece": m.ece, "unreviewed": m.unreviewed,
                     "spearman_length_confidence": spearman(lengths, top)}
    return out


def main() -> None:
    from gongkai.pipeline.classify.train import ARCHITECTURES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--extra", type=Path, action="append", default=[])
    parser.add_argument("--arch", action="append", default=[], choices=ARCHITECTURES)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    for arch in args.arch or ARCHITECTURES:
        print(json.dumps({arch: run(arch, args.corpus, args.extra, args.epochs)}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
