"""The model card (models/NAME/README.md), written from the model's own metadata."""
from __future__ import annotations

from pathlib import Path

from gongkai.pipeline.classify.model import LABELS
from gongkai.records import ATTRIBUTES


def metrics_markdown(m: dict) -> str:
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label in LABELS:
        c = m["per_class"][label]
        lines.append(f"| {ATTRIBUTES[label]} `{label}` | {c['precision']:.3f} | {c['recall']:.3f} | "
                     f"{c['f1']:.3f} | {c['support']} |")
    lines += ["", f"- macro-F1 (over the classes present in the labels): **{m['macro_f1']:.3f}**, "
              f"accuracy {m['accuracy']:.3f}",
              f"- leaks: **{m['leak_count']}**",
              "- without review: " + ", ".join(f"{ATTRIBUTES[k]} {m.get('unreviewed', {}).get(k, 0)}" for k in LABELS)
              + f" (of {m['n']}); expected calibration error {m.get('ece', 0):.3f}",
              "- by length: " + "; ".join(f"{name}: n {b['n']}, accuracy {b['accuracy']:.3f}, review {b['review_rate']:.1%}, "
                                           f"leaks {b['leaks']}" for name, b in m.get("bands", {}).items()),
              f"- review rate: {m['review_rate']:.1%} of all documents; "
              f"**{m['review_rate_no_rules']:.1%}** of the {m['no_rule_docs']} documents that need none (not 不予公开, no detector "
              "hit or parser flag that sends to review, no 附注 declaring another attribute)",
              "", "Confusion (rows: true label, columns: proposal):", "",
              "| true \\ proposed | " + " | ".join((*LABELS, "none")) + " |",
              "|---|" + "---|" * (len(LABELS) + 1)]
    for t in LABELS:
        lines.append(f"| {t} | " + " | ".join(str(m["confusion"][t][p]) for p in (*LABELS, "none")) + " |")
    return "\n".join(lines)


def _config_text(meta: dict) -> str:
    textcat = meta.get("textcat", {})
    if meta.get("architecture", "bow") == "linear":
        return ("`spacy.blank(\"zh\")` + the `gongkai_linear_textcat` component "
                "(`gongkai/pipeline/classify/linear.py`): multinomial logistic regression on sublinear, "
                f"L2-normalised TF-IDF character 1–3-grams (C = {textcat.get('C')}, min_df {textcat.get('min_df')}), "
                "fitted by scikit-learn and scored with numpy at run time. The L2 norm makes its confidence "
                "independent of a document's length. Input: the text with whitespace removed, first 6,000 "
                "characters. Chosen by measurement: see docs/model-selection.md.")
    return (f"`spacy.blank(\"zh\")` + `textcat` with `{textcat.get('@architectures')}`, exclusive classes. "
            "Input: the text with whitespace removed, first 6,000 characters.")


def write_card(out: Path, meta: dict, extra_sections: dict[str, str] | None = None) -> Path:
    cv = meta.get("cv")
    sources = ", ".join(f"{k}: {v}" for k, v in meta.get("sources", {}).items())
    counts = ", ".join(f"{k} {v}" for k, v in meta.get("examples", {}).items())
    parts = [
        f"# Model card: `{meta['name']}`", "",
        f"Version `{meta['version']}`, trained {meta['trained_on']} by `gongkai train` (seed {meta['seed']}"
        + ("" if meta.get("architecture") == "linear" else f", {meta['epochs']} epochs") + ").", "",
        "## What it does",
        "Scores a document's text for the three publication attributes (公开属性): 主动公开 `proactive`, "
        "依申请公开 `on_request`, 不予公开 `non_disclosure`. It never decides alone: the decision policy "
        "(`gongkai/pipeline/classify/policy.py`, docs/decision-policy.md) combines these scores with the "
        "detectors' hits and sends every risky or doubtful document to review.", "",
        "## Data",
        f"Examples: {counts}. Sources: {sources}. See `corpus/README.md` (the datasheet).",
        f"{len(meta.get('holdout', []))} further documents (corpus and published) were held out of training and "
        "cross-validation (listed in `gongkai.json`); `tests/test_shipped_model.py` checks the model on them.",
        "" if not any(k.startswith("extra") for k in meta.get("sources", {})) else
        "Extra examples were read from a folder given with `--extra` and labelled `proactive` "
        "(published documents).", "",
        "## Config", _config_text(meta), "",
        "## Review thresholds",
        "The model is not a ground (docs/decision-policy.md): its one safety role is the leak guard. A "
        "document given 不予公开 at least the `non_disclosure` threshold goes to review even when no "
        "evidence was found. The threshold is calibrated on held-out cross-validation predictions so that "
        "no 不予公开 document the evidence would let pass scores below it (less a margin); 依申请公开 "
        "without narrow-scope evidence is proposed with review above the `on_request` threshold, and "
        f"otherwise 主动公开: `{meta.get('thresholds')}`.", "",
    ]
    if cv:
        parts += [f"## Cross-validated metrics ({cv['extra'].get('folds', 5)}-fold)",
                  "Each fold is judged with thresholds calibrated on the other folds only.", "",
                  metrics_markdown(cv), ""]
    for name, m in meta.get("cross_fitted", {}).items():
        parts += [f"## Published documents `{name.removeprefix('extra:')}` (cross-fitted)",
                  "In training as 主动公开 examples (`--extra`); each scored by the fold's model that never saw it.",
                  "", metrics_markdown(m), ""]
    for name, m in meta.get("evaluations", {}).items():
        parts += [f"## Evaluation on `{name}`",
                  f"Recorded by `gongkai evaluate --record` ({m['n']} documents; the model's own thresholds).", "",
                  metrics_markdown(m), ""]
    for title, body in (extra_sections or {}).items():
        parts += [f"## {title}", body, ""]
    parts += ["## Limits",
              "- Trained on drafts written for this project (see the datasheet), not on an agency's own "
              "archive: retrain with `gongkai train --from-db` once reviewers have decided real documents.",
              "- Character n-grams see words, not meaning: a document whose risk lies in what it implies "
              "rather than what it says will be scored like its topic's usual documents.",
              "- Attachments converted to images, scanned pages and unreadable files are never scored; "
              "the policy sends them to review.",
              "- The thresholds hold for documents like the corpus; a new kind of document may score "
              "confidently and wrongly, which is why every hit of the detectors is reviewed regardless.",
              "- The leak guard's threshold is set just under the lowest 不予公开 probability the evidence let "
              "pass in cross-validation (at most 0.5), so the better the evidence lists cover the corpus, the higher it rises "
              f"(here {meta.get('thresholds', {}).get('non_disclosure', '—')}): a withheld document of a kind "
              "no detector knows is caught by the model alone only at that probability.", ""]
    path = out / "README.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
