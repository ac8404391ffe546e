"""`gongkai report`: the figures an agency needs for its annual disclosure report.

Counts by final attribute, by withholding ground (the report's 不予公开 rows),
by reviewer, review times and overrides of the proposal — all from the
working database and its audit log.
"""
from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime

from gongkai.pipeline import review
from gongkai.pipeline.grounds import REASONS, code_for

REVIEWER_ACTIONS = ("decide", "confirm", "undo", "note", "not_personal")   # what a reviewer is counted for


def build_report(db, batch: str | None = None) -> dict:
    where, params = ("WHERE batch = ?", [batch]) if batch else ("", [])
    items = [dict(zip(("id", "proposed_attribute", "processed_at", "status"), r)) for r in db.execute(
        f"SELECT id, proposed_attribute, processed_at, status FROM items {where}", params)]
    states = review.final_states(db, [i["id"] for i in items])
    counted = ", ".join("?" * len(REVIEWER_ACTIONS))   # not the classify seals: one per document
    audit = list(db.query(f"SELECT item_id, action, reviewer, at FROM audit {where} {'AND' if where else 'WHERE'} "
                          f"action IN ({counted}) ORDER BY id", [*params, *REVIEWER_ACTIONS]))
    by_attribute, by_ground, overrides = Counter(), Counter(), Counter()
    for item in items:
        state = states[item["id"]]
        final = state.final_attribute
        by_attribute[final or "pending"] += 1
        if final == "non_disclosure":
            code = code_for(state.final_ground)
            by_ground[REASONS[code][0] if code else (state.final_ground or "unstated")] += 1
        if state.current and final and final != item["proposed_attribute"]:
            overrides[f"{item['proposed_attribute'] or 'none'} → {final}"] += 1
    return {
        "batch": batch, "documents": len(items),
        "by_attribute": dict(by_attribute.most_common()),   # machine keys: proactive, …, pending
        "by_ground": dict(by_ground.most_common()),
        "by_reviewer": _by_reviewer(audit),
        "review_times": _review_times(items, audit),
        "overrides": {"total": sum(overrides.values()), **dict(overrides.most_common())},
        "unreadable_or_failed": sum(i["status"] != "ok" for i in items),
    }


def _by_reviewer(audit: list[dict]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter] = {}
    for row in audit:
        if row["action"] in REVIEWER_ACTIONS:
            out.setdefault(row["reviewer"], Counter())[row["action"]] += 1
    return {who: dict(c) for who, c in sorted(out.items())}


def _review_times(items: list[dict], audit: list[dict]) -> dict:
    """Hours from a document entering the database to its first decision."""
    processed = {i["id"]: i["processed_at"] for i in items}
    first: dict[int, str] = {}
    for row in audit:
        if row["action"] == "decide" and row["item_id"] not in first:
            first[row["item_id"]] = row["at"]
    hours = [(_ts(at) - _ts(processed[i])).total_seconds() / 3600 for i, at in first.items() if i in processed]
    if not hours:
        return {"decided": 0}
    return {"decided": len(hours), "median_hours": round(statistics.median(hours), 2),
            "mean_hours": round(statistics.fmean(hours), 2), "max_hours": round(max(hours), 2)}


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def report_rows(report: dict) -> list[tuple[str, str, object]]:
    """Flatten for a table or CSV: (section, key, value)."""
    rows = [("total", "documents", report["documents"]),
            ("total", "unreadable or failed", report["unreadable_or_failed"])]
    for section in ("by_attribute", "by_ground", "review_times", "overrides"):
        rows += [(section, k, v) for k, v in report[section].items()]
    for who, counts in report["by_reviewer"].items():
        rows += [("by_reviewer", f"{who} {action}", n) for action, n in counts.items()]
    return rows
