"""What a reviewer sees of one document, shared by `review show` and the interactive queue."""
from __future__ import annotations

import re
from datetime import datetime

from gongkai.pipeline import review, store
from gongkai.pipeline.grounds import REASONS, describe
from gongkai.records import ATTRIBUTES, kind_name

CONTEXT = 24          # characters of context on each side of a hit
FIELD_LABELS = (("title", "标题"), ("doc_number", "发文字号"), ("issuer", "发文机关"), ("date", "成文日期"),
                ("doc_type", "文种"), ("secrecy", "密级"), ("urgency", "紧急程度"),
                ("declared_text", "附注"), ("path", "文件"))


def document_view(db, item_id: int) -> dict:
    cursor = db.execute("SELECT * FROM items WHERE id = ?", [item_id])
    row = cursor.fetchone()
    if row is None:
        raise review.ReviewError(f"no document with id {item_id}")
    item = store.decode_item(dict(zip([d[0] for d in cursor.description], row)))
    hits = store.hits_for(db, [item_id])[item_id]
    cleared = review.cleared_hits(db, [item_id])
    text = item["text"] or ""
    state = review.state_of(db, item_id)
    notes = [dict(r) for r in db.query("SELECT reviewer, at, reason FROM audit WHERE item_id = ? AND action = 'note' "
                                       "ORDER BY id", [item_id])]
    return {
        "item": item, "text": text, "state": state, "notes": notes,
        "hits": [{**h, "cleared": h["id"] in cleared, "entry_item": entry_item(h), **context(text, h["start"], h["end"])}
                 for h in hits],
    }


def entry_item(hit: dict) -> str | None:
    """The 事项 of a list entry's hit (negative list or evidence list): its explanation names it
    right after the entry id, in 「」."""
    found = re.search(rf"{re.escape(hit['rule_id'])}「([^」]*)」", hit.get("explanation") or "")
    return found.group(1) if found else None


def context(text: str, start: int, end: int, width: int = CONTEXT) -> dict:
    before = text[max(0, start - width):start].replace("\n", " ")
    after = text[end:end + width].replace("\n", " ")
    return {"before": before, "match": text[start:end].replace("\n", " "), "after": after}


def attribute_label(code: str | None) -> str:
    return f"{ATTRIBUTES[code]}（{code}）" if code in ATTRIBUTES else "—"


def local_time(stamp: str | None) -> str:
    """A stored UTC time (ISO 8601) in the local time zone ($TZ), to the minute."""
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def decision_lines(view: dict) -> list[str]:
    """Who decided what so far, with ground, reason and the notes: what a second reviewer confirms."""
    lines = []
    for d in view["state"].active:
        ground = f" · 依据 {describe(d.ground)}" if d.ground else ""
        lines.append(f"{d.reviewer} 已决定 {attribute_label(d.attribute)}{ground} · 理由 {d.reason or '—'}"
                     f" · {local_time(d.at)}")
    lines += [f"备注 {n['reviewer']}（{local_time(n['at'])}）：{n['reason']}" for n in view.get("notes", [])]
    return lines


def render_document(console, view: dict, full: bool = False, max_rows: int | None = None,
                    compact: bool = False) -> None:
    """Header fields, proposal, review state, every hit in its context with its entry and ground.

    `compact` (the interactive queue) packs the fields into three lines so the screen fits an
    80×24 terminal; hits still wrap rather than lose their ground, and `max_rows` bounds the rows
    they take (the rest: press t).
    """
    from rich.table import Table
    from rich.text import Text

    item, state = view["item"], view["state"]
    if compact:
        for line in compact_fields(item):
            console.print(Text(line), no_wrap=True, overflow="ellipsis", crop=True)
    else:
        fields = Table.grid(padding=(0, 1))
        for key, label in FIELD_LABELS:
            if item.get(key):
                fields.add_row(Text(label, style="bold"), Text(str(item[key])))
        console.print(fields)
    if item.get("ocr"):
        console.print(Text(ocr_line(item), style="cyan"), no_wrap=compact, overflow="ellipsis")
    conf = item["confidence"] or 0.0
    code = item.get("proposed_ground")
    ground = f" · 依据 {REASONS[code][0] if compact and code in REASONS else describe(code)}" if code else ""
    console.print(Text.assemble(("建议 ", "bold"), f"{attribute_label(item['proposed_attribute'])} 置信度 {conf:.2f}"
                                f"{ground} · 状态 {state.label} (state {state.version})"),
                  no_wrap=compact, overflow="ellipsis")
    for line in decision_lines(view):
        console.print(Text(line, style="bold magenta"), overflow=None if console.soft_wrap else "fold")
    if item["explanation"]:
        console.print(Text(item["explanation"]), no_wrap=compact, overflow="ellipsis")
    if compact:
        console.print(Text("• " + "；".join(item["review_reasons"]), style="yellow"), no_wrap=True, overflow="ellipsis")
    else:
        for reason in item["review_reasons"]:
            console.print(Text(f"• {reason}", style="yellow"))
    _render_hits(console, view["hits"], max_rows)
    if full:
        console.rule("全文")
        console.print(highlighted_text(view["text"], view["hits"]))


def rows(line, width: int) -> int:
    """Terminal rows a wrapped line takes."""
    from rich.cells import cell_len

    return max(1, -(-cell_len(str(line)) // max(20, width)))


def _render_hits(console, hits: list[dict], max_rows: int | None) -> None:
    from rich.text import Text

    used = 0
    for n, h in enumerate(hits):
        line = hit_line(h)
        need = rows(line, console.size.width)
        if max_rows is not None and used + need > max_rows - 1:
            console.print(Text(f"… 另有 {len(hits) - n} 处命中：按 t 看全文（{len(hits) - n} more hit(s): press t）"))
            return
        console.print(line, overflow=None if console.soft_wrap else "fold")   # piped: one line each
        used += need


def ocr_line(item: dict) -> str:
    """`OCR 识别：第 1–2 页 · 平均置信度 0.93 · 最低 0.71` for a document whose text OCR read."""
    pages = item.get("ocr_pages") or []
    shown = "、".join(map(str, pages[:8])) + ("…" if len(pages) > 8 else "")
    return (f"OCR 识别：第 {shown} 页 · 平均置信度 {item.get('ocr_confidence') or 0:.2f}"
            f" · 最低 {item.get('ocr_min_confidence') or 0:.2f}")


def compact_fields(item: dict) -> list[str]:
    def join(*keys: str) -> str:
        return " · ".join(f"{label} {item[k]}" for k, label in FIELD_LABELS if k in keys and item.get(k))

    lines = [join("title") or f"文件 {item['path']}", join("doc_number", "issuer", "date"),
             join("doc_type", "secrecy", "urgency", "declared_text")]
    return [line for line in lines if line]


def hit_line(h: dict):
    """`[hit] entry「事项」 依据 ground：…before【match】after…` — the match in 【】 also without colour."""
    from rich.text import Text

    style = "dim strike" if h["cleared"] else "bold red"
    what = f"{kind_name(h['kind'])} {h['rule_id']}「{h['entry_item']}」" if h.get("entry_item") else h["kind"]
    cleared = "（已标记非个人信息）" if h["cleared"] else ""
    return Text.assemble((f"[{h['id']}] ", "cyan"), (what, "cyan"), (f" 依据 {h['ground'] or '—'}", "magenta"),
                         f"{cleared}：…{h['before']}", (f"【{h['match']}】", style), f"{h['after']}…")


def highlighted_text(text: str, hits: list[dict]):
    """The whole text with every hit marked: in 【】 and in colour."""
    from rich.text import Text

    out = Text()
    pos = 0
    for h in sorted(hits, key=lambda h: (h["start"], h["end"])):
        if h["end"] <= pos:         # inside an earlier hit's mark
            continue
        start = max(pos, h["start"])
        out.append(text[pos:start])
        out.append(f"【{text[start:h['end']]}】", style="dim strike" if h["cleared"] else "bold red")
        pos = h["end"]
    out.append(text[pos:])
    return out


def view_json(view: dict) -> dict:
    """`review show --json`: the document, its hits and its review state with machine keys (times in UTC)."""
    from dataclasses import asdict

    state = view["state"]
    return {"item": {k: v for k, v in view["item"].items() if k != "text"}, "text": view["text"],
            "hits": view["hits"], "notes": view["notes"],
            "state": {"label": state.label, "version": state.version, "four_eyes": state.four_eyes,
                      "final_attribute": state.final_attribute, "final_ground": state.final_ground,
                      "decisions": [asdict(d) for d in state.active]}}
