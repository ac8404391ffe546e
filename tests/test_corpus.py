"""The labelled corpus: balanced, covering every 文种 and ground, and not mass-produced."""
from __future__ import annotations

import csv
from collections import Counter
from itertools import combinations
from pathlib import Path

from gongkai.pipeline.classify.corpus import read_manifest
from gongkai.pipeline.grounds import REASONS

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DOC_TYPES = set("决议 决定 命令 公报 公告 通告 意见 通知 通报 报告 请示 批复 议案 函 纪要".split())


def rows() -> list[dict]:
    return read_manifest(CORPUS)


def grams(text: str, n: int = 5) -> set[str]:
    s = "".join(text.split())
    return {s[i:i + n] for i in range(len(s) - n + 1)}


def test_at_least_450_documents_and_120_per_label():
    counts = Counter(r["label"] for r in rows())
    assert sum(counts.values()) >= 450
    assert min(counts[label] for label in ("proactive", "on_request", "non_disclosure")) >= 120


def test_all_15_doc_types_are_covered():
    assert {r["doc_type"] for r in rows()} == DOC_TYPES


def test_every_withholding_ground_is_covered_and_named():
    withheld = [r for r in rows() if r["label"] == "non_disclosure"]
    assert all(r["ground"] in REASONS for r in withheld)
    assert {r["ground"] for r in withheld} == set(REASONS)


def test_every_ground_of_the_default_negative_list_is_covered():
    from gongkai.pipeline.detect.negative_list import load_negative_list

    codes = {e.reason_code for e in load_negative_list([], include_default=True).entries}
    assert codes <= {r["ground"] for r in rows()}


def test_lengths_span_200_to_5000_characters():
    lengths = [len((CORPUS / r["file"]).read_text(encoding="utf-8")) for r in rows()]
    assert min(lengths) >= 100 and max(lengths) <= 5000
    assert sum(n >= 2500 for n in lengths) >= 20 and sum(n < 500 for n in lengths) >= 20


def test_no_two_documents_share_more_than_half_of_their_character_5grams():
    g = {r["file"]: grams((CORPUS / r["file"]).read_text(encoding="utf-8")) for r in rows()}
    worst = max(((len(a & b) / min(len(a), len(b)), x, y) for (x, a), (y, b) in combinations(g.items(), 2)))
    assert worst[0] <= 0.5, f"{worst[1]} and {worst[2]} share {worst[0]:.0%} of their 5-grams"


def test_manifest_lists_exactly_the_files_in_docs():
    listed = {r["file"] for r in rows()}
    on_disk = {f"docs/{p.name}" for p in (CORPUS / "docs").glob("*.txt")}
    assert listed == on_disk
    with (CORPUS / "labels.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["file", "label", "ground", "doc_type", "source", "pair_of"]


def test_form_alone_does_not_give_the_label_away():
    """The artefact check: length, 文种 and layout predict the label no better than 0.50 macro-F1."""
    from gongkai.pipeline.classify.artefact import form_only_scores

    scores = form_only_scores(CORPUS)
    assert scores["all"] <= 0.50, scores
    assert all(v <= 0.55 for v in scores.values()), scores


def test_matched_counterparts_point_at_documents_of_another_label():
    with (CORPUS / "labels.csv").open(encoding="utf-8") as fh:
        rows = {r["file"]: r for r in csv.DictReader(fh)}
    pairs = [r for r in rows.values() if r["pair_of"]]
    assert len(pairs) >= 400
    for r in pairs:
        source = rows[r["pair_of"]]
        assert source["doc_type"] == r["doc_type"], r["file"]
