"""Score proposals against labels: per-class P/R/F1, macro-F1, confusion, leaks, review rate.

A *leak* is a document labelled 不予公开, or needing review by the rules
(unreadable, tracked changes, any risk hit, or a 附注 declaring another attribute
than its label), that was neither proposed 不予公开 nor sent to review: the one
mistake the policy must never make.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from gongkai.pipeline.classify.corpus import Example
from gongkai.pipeline.classify.model import LABELS
from gongkai.pipeline.classify.policy import DEFAULT_THRESHOLDS, FLAG_REASONS, PolicyInput, decide
from gongkai.records import RISK_KINDS, HeaderFields, Hit, Proposal

THRESHOLD_FLOOR, THRESHOLD_CAP, MARGIN = 0.02, 0.5, 0.02  # the leak guard never reviews below 2%


@dataclass
class Evidence:
    """What the rules see of one example, computed once: fields and hits."""

    example: Example
    fields: HeaderFields
    hits: list[Hit]

    @property
    def rules_require_review(self) -> bool:
        ex = self.example
        return (ex.status != "ok" or any(f in FLAG_REASONS for f in ex.flags)
                or any(h.kind in RISK_KINDS for h in self.hits) or self.declaration_disagrees)

    @property
    def declaration_disagrees(self) -> bool:
        """The 附注 declares another attribute than the true one, or 删减后公开: no proposal can be both right
        and unreviewed (policy rule 14), so such a document needs a reviewer whatever the model says."""
        declared, text = self.fields.declared_attribute, self.fields.declared_text or ""
        return bool(declared and declared != self.example.label) or "删减" in text


def gather_evidence(examples: list[Example], resources) -> list[Evidence]:
    from gongkai.pipeline.extract import extract_fields

    out = []
    for ex in examples:
        fields = extract_fields(ex.text) if ex.text else HeaderFields()
        hits = resources.detectors(ex.text, fields) if ex.text else []
        out.append(Evidence(ex, fields, hits))
    return out


def propose(ev: Evidence, probs: dict, thresholds: dict, neglist=None) -> Proposal:
    ex = ev.example
    return decide(PolicyInput(status=ex.status, error=ex.error, flags=list(ex.flags), fields=ev.fields,
                              hits=ev.hits, probabilities=probs if ex.status == "ok" else {},
                              thresholds=thresholds, negative_list=neglist))


@dataclass
class Metrics:
    n: int
    per_class: dict[str, dict[str, float]]
    macro_f1: float
    confusion: dict[str, dict[str, int]]          # true label -> proposed (or "none") -> count
    leaks: list[str]
    review_rate: float
    review_rate_no_rules: float                    # among documents no rule sends to review
    no_rule_docs: int
    accuracy: float
    unreviewed: dict[str, int] = field(default_factory=dict)   # proposed label -> count sent out without review
    bands: dict[str, dict] = field(default_factory=dict)       # length band -> n, accuracy, review rate, leaks
    ece: float = 0.0                                           # expected calibration error of the top probability
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["leak_count"] = len(self.leaks)
        return d


def score(evidence: list[Evidence], proposals: list[Proposal]) -> Metrics:
    confusion = {t: {p: 0 for p in (*LABELS, "none")} for t in LABELS}
    leaks, reviewed, no_rule, no_rule_reviewed = [], 0, 0, 0
    for ev, prop in zip(evidence, proposals):
        truth, got = ev.example.label, prop.proposed_attribute or "none"
        confusion[truth][got] += 1
        reviewed += prop.needs_review
        must_catch = truth == "non_disclosure" or ev.rules_require_review
        if must_catch and got != "non_disclosure" and not prop.needs_review:
            leaks.append(ev.example.path)
        if not ev.rules_require_review and truth != "non_disclosure":
            no_rule += 1
            no_rule_reviewed += prop.needs_review
    per_class = {label: _prf(confusion, label) for label in LABELS}
    present = [c for c in per_class.values() if c["support"]] or list(per_class.values())
    n = len(evidence)
    correct = sum(confusion[l][l] for l in LABELS)
    return Metrics(n=n, per_class=per_class,
                   macro_f1=round(sum(c["f1"] for c in present) / len(present), 4),  # over labels present
                   confusion=confusion, leaks=leaks, review_rate=round(reviewed / n, 4) if n else 0.0,
                   review_rate_no_rules=round(no_rule_reviewed / no_rule, 4) if no_rule else 0.0,
                   no_rule_docs=no_rule, accuracy=round(correct / n, 4) if n else 0.0,
                   unreviewed=_unreviewed(proposals), bands=_bands(evidence, proposals, set(leaks)),
                   ece=expected_calibration_error(evidence, proposals))


BANDS = ((0, 500, "< 500"), (500, 1500, "500–1,500"), (1500, 10 ** 9, "> 1,500"))


def _unreviewed(proposals: list[Proposal]) -> dict[str, int]:
    """How many were proposed each attribute and would go out without review."""
    counts = {label: 0 for label in LABELS}
    for prop in proposals:
        if prop.proposed_attribute and not prop.needs_review:
            counts[prop.proposed_attribute] += 1
    return counts


def _bands(evidence: list[Evidence], proposals: list[Proposal], leaks: set[str]) -> dict[str, dict]:
    """The figures by length (characters of stored text): short local 通知 behave unlike long national ones."""
    out = {}
    for low, high, name in BANDS:
        pairs = [(ev, p) for ev, p in zip(evidence, proposals) if low <= len(ev.example.text) < high]
        n = len(pairs)
        out[name] = {"n": n,
                     "accuracy": round(sum(p.proposed_attribute == ev.example.label for ev, p in pairs) / n, 4) if n else 0.0,
                     "review_rate": round(sum(p.needs_review for _, p in pairs) / n, 4) if n else 0.0,
                     "proactive_unreviewed": sum(p.proposed_attribute == "proactive" and not p.needs_review for _, p in pairs),
                     "leaks": sum(ev.example.path in leaks for ev, _ in pairs)}
    return out


def expected_calibration_error(evidence: list[Evidence], proposals: list[Proposal], bins: int = 10) -> float:
    """|accuracy − confidence| of the model's top label, averaged over 10 equal-width confidence bins."""
    rows = []
    for ev, prop in zip(evidence, proposals):
        if prop.probabilities:
            label, conf = max(prop.probabilities.items(), key=lambda kv: kv[1])
            rows.append((conf, label == ev.example.label))
    if not rows:
        return 0.0
    total = 0.0
    for b in range(bins):
        chunk = [(c, ok) for c, ok in rows if b / bins < c <= (b + 1) / bins or (b == 0 and c == 0)]
        if chunk:
            gap = abs(sum(ok for _, ok in chunk) / len(chunk) - sum(c for c, _ in chunk) / len(chunk))
            total += gap * len(chunk) / len(rows)
    return round(total, 4)


def _prf(confusion: dict, label: str) -> dict[str, float]:
    tp = confusion[label][label]
    predicted = sum(confusion[t][label] for t in LABELS)
    actual = sum(confusion[label].values())
    p = tp / predicted if predicted else 0.0
    r = tp / actual if actual else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "support": actual}


def calibrate(evidence: list[Evidence], probs: list[dict], neglist=None) -> dict[str, float]:
    """The leak guard's threshold: below the 不予公开 probability of every withheld document nothing else catches.

    Each 不予公开 document (or one the rules must see) that the evidence and the model's top label would
    let pass unreviewed sets an upper bound; the margin keeps unseen documents of similar score in review.
    """
    open_door = {"non_disclosure": 1.01, "on_request": DEFAULT_THRESHOLDS["on_request"]}
    bound = THRESHOLD_CAP
    for ev, p in zip(evidence, probs):
        if not p or not (ev.example.label == "non_disclosure" or ev.rules_require_review):
            continue
        prop = propose(ev, p, open_door, neglist)
        if prop.proposed_attribute != "non_disclosure" and not prop.needs_review:
            bound = min(bound, p.get("non_disclosure", 0.0))
    return {"non_disclosure": round(max(THRESHOLD_FLOOR, bound - MARGIN), 4),
            "on_request": DEFAULT_THRESHOLDS["on_request"]}


def cross_fold_proposals(evidence: list[Evidence], probs: list[dict], assignment: list[int],
                         neglist=None) -> tuple[list[Proposal], dict[int, dict]]:
    """Each fold judged with thresholds calibrated on the *other* folds: an honest leak estimate."""
    proposals: list[Proposal | None] = [None] * len(evidence)
    per_fold = {}
    for fold in sorted(set(assignment)):
        others = [i for i, f in enumerate(assignment) if f != fold]
        thresholds = calibrate([evidence[i] for i in others], [probs[i] for i in others], neglist)
        per_fold[fold] = thresholds
        for i, f in enumerate(assignment):
            if f == fold:
                proposals[i] = propose(evidence[i], probs[i], thresholds, neglist)
    return proposals, per_fold
