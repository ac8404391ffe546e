"""Withholding grounds: reason codes, their annual-report names and legal articles.

The codes map one-to-one onto the rows of 不予公开 in the annual disclosure
report (政府信息公开工作年度报告, 国办公开办函〔2021〕30号 format), so the
office's figures fall straight out of the database.
"""
from __future__ import annotations

# code: (annual-report row, article of the 条例)
REASONS: dict[str, tuple[str, str]] = {
    "state_secret": ("属于国家秘密", "条例第十四条；保守国家秘密法"),
    "law_prohibited": ("其他法律行政法规禁止公开", "条例第十四条"),
    "three_security": ('危及"三安全一稳定"', "条例第十四条"),
    "third_party": ("保护第三方合法权益", "条例第十五条"),
    "internal_affairs": ("属于三类内部事务信息", "条例第十六条第一款"),
    "process_info": ("属于四类过程性信息", "条例第十六条第二款"),
    "enforcement_file": ("属于行政执法案卷", "条例第十六条第二款"),
    "administrative_query": ("属于行政查询事项", "条例第三十六条第（七）项"),
}


# The reason code a withholding hit of each kind argues for (a negative-list hit names its own).
KIND_GROUNDS = {"secrecy_mark": "state_secret", "internal_mark": "internal_affairs", "commercial_secret": "third_party",
                "internal_affairs": "internal_affairs", "process_info": "process_info"}


def ground_of_hits(hits: list[dict]) -> str | None:
    """The reason code the first withholding hit argues for: the ground a reviewer choosing 不予公开 starts from
    when the proposal itself was not 不予公开 (第十六条: the evidence is reviewed, it does not decide)."""
    from gongkai.pipeline.detect.negative_list_model import reason_code_in

    for hit in hits:
        kind = hit["kind"]
        code = reason_code_in(hit.get("explanation") or "") if kind == "negative_list" else \
            (kind if kind in REASONS else KIND_GROUNDS.get(kind))
        if code in REASONS:
            return code
    return None


def describe(code: str | None) -> str:
    """`process_info` → `属于四类过程性信息（条例第十六条第二款）`; unknown codes pass through."""
    if code in REASONS:
        name, article = REASONS[code]
        return f"{name}（{article}）"
    return code or ""


def code_for(ground: str | None) -> str | None:
    """Accept a reason code, its Chinese row name, or an article, and return the reason code."""
    if not ground:
        return None
    ground = ground.strip()
    for code, (name, article) in REASONS.items():
        if ground in (code, name, name.replace('"', "")):
            return code
    by_article = {"第十四条": "state_secret", "第十五条": "third_party",
                  "第十六条第一款": "internal_affairs", "第十六条第二款": "process_info"}
    for fragment, code in by_article.items():
        if fragment in ground:
            return code
    return None


class GroundError(ValueError):
    """A withholding ground that is neither a report ground nor one of the office's list entries."""


def resolve(ground: str | None, entries: dict[str, str] | None = None) -> str:
    """The ground to record for a 不予公开 decision, or GroundError.

    Accepted: one of the eight report grounds by code (`process_info`), by its row name
    (`属于四类过程性信息`) or by its article (`条例第十六条第二款`), kept as given; or the id of a
    negative-list entry in `entries` (entry id -> reason code), recorded as that entry's reason
    code so the annual report counts it. Free text such as `1` is refused: the report could
    not count it.
    """
    text = (ground or "").strip()
    if not text:
        raise GroundError("不予公开 needs a ground")
    if entries and text in entries:
        return entries[text]
    if code_for(text):
        return text
    listed = f"; or a negative-list entry of this document ({', '.join(sorted(entries))})" if entries else ""
    raise GroundError(f"{text!r} is not a withholding ground: use a report ground by code, name or article "
                      f"({', '.join(REASONS)}){listed}")
