"""What a reviewer sees of one document, shared by `review show` and the interactive queue."""
from __future__ import annotations

from gongkai.pipeline import review, store
from gongkai.records import ATTRIBUTES

CONTEXT = 24          # characters of context on each side of a hit
FIELD_LABELS = (("title", "标题"), ("doc_number", "发文字号"), ("issuer", "发文机关"), ("date", "成文日期"),
                ("doc_type", "文种"), ("secrecy", "密级"), ("urgency", "紧急程度"),
                ("declared_text", "附注"), ("path", "文件"))


def document_view(db, item_id: int) -> dict:
    row = db.execute("SELECT * FROM items WHERE id = ?", [item_id]).fetchone()
    if row is None:
        raise review.ReviewError(f"no document with id {item_id}")
    cols = [d[0] for d in db.execute("SELECT * FROM items LIMIT 0").description]
    item = store.decode_item(dict(zip(cols, row)))
    hits = store.hits_for(db, [item_id])[item_id]
    cleared = review.cleared_hits(db, [item_id])
    text = item["text"] or ""
    state = review.state_of(db, item_id)
    return {
        "item": item, "text": text, "state": state,
        "hits": [{**h, "cleared": h["id"] in cleared, **context(text, h["start"], h["end"])} for h in hits],
    }


def context(text: str, start: int, end: int, width: int = CONTEXT) -> dict:
    before = text[max(0, start - width):start].replace("\n", " ")
    after = text[end:end + width].replace("\n", " ")
    return {"before": before, "match": text[start:end].replace("\n", " "), "after": after}


def attribute_label(code: str | None) -> str:
    return f"{ATTRIBUTES[code]}（{code}）" if code in ATTRIBUTES else "—"


def render_document(console, view: dict, full: bool = False, max_hits: int | None = None,
                    compact: bool = False) -> None:
    """Header fields, proposal, review state, every hit highlighted in its context.

    `compact` (the interactive queue) packs the fields into three lines and keeps
    every hit on one line, so the screen fits an 80×24 terminal.
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
    console.print(Text.assemble(("建议 ", "bold"), f"{attribute_label(item['proposed_attribute'])} 置信度 {conf:.2f}"
                                f" · 状态 {state.label} (state {state.version})"))
    if item["explanation"]:
        console.print(Text(item["explanation"]), no_wrap=compact, overflow="ellipsis")
    if compact:
        console.print(Text("• " + "；".join(item["review_reasons"]), style="yellow"), no_wrap=True, overflow="ellipsis")
    else:
        for reason in item["review_reasons"]:
            console.print(Text(f"• {reason}", style="yellow"))
    shown = view["hits"][:max_hits] if max_hits else view["hits"]
    for h in shown:
        console.print(hit_line(h), no_wrap=compact, overflow="ellipsis")
    if max_hits and len(view["hits"]) > max_hits:
        console.print(Text(f"… {len(view['hits']) - max_hits} more hit(s): press t for the full text"))
    if full:
        console.rule("全文")
        console.print(Text(view["text"]))


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
    from rich.text import Text

    style = "dim strike" if h["cleared"] else "bold red"
    return Text.assemble((f"[{h['id']}] {h['kind']} ", "cyan"), f"…{h['before']}", (h["match"], style),
                         f"{h['after']}… ", (h["ground"] or "", "magenta"))
