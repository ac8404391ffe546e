"""The interactive review queue: one document at a time, riskiest first, single keys.

Rendering is rich; keys are read one at a time from the terminal in cbreak
mode, and longer answers (a ground, a reason, a note) are read as a line.
Each shown document is held by a lease so other reviewers' sessions skip it;
every decision names the state version it was made on, so a document that
changed meanwhile is refused rather than overwritten.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from dataclasses import dataclass, field

from gongkai.pipeline import review
from gongkai.pipeline.grounds import REASONS, GroundError, code_for, ground_of_hits, resolve
from gongkai.records import ATTRIBUTES
from gongkai.review_view import (attribute_label, decision_lines, document_view, highlighted_text,
                                 render_document, rows)

KEYS = {"a": "accept", "1": "proactive", "2": "on_request", "3": "non_disclosure", "s": "skip",
        "u": "undo", "n": "note", "f": "filter", "t": "text", "?": "help", "q": "quit"}
HELP = "a接受 1主动 2依申请 3不予公开 s跳过 u撤销 n备注 f筛选 t全文 ?帮助 q退出"  # fits 80 columns
KEY_HELP = (
    ("a", "接受建议；第二位审查人：确认第一位审查人的决定 (accept / confirm)"),
    ("1 2 3", "决定 主动公开 / 依申请公开 / 不予公开；与第一位审查人不同须确认并说明理由"),
    ("s", "跳过本文档 (skip)"), ("u", "撤销本次会话最近的决定 (undo)"), ("n", "添加备注 (note)"),
    ("f", "筛选：proactive / on_request / non_disclosure / unread / 标题文字 (filter)"),
    ("t", "全文，命中处以【】标出 (full text)"), ("?", "本帮助 (help)"), ("q", "退出并显示本次统计 (quit)"),
)
CANCEL = "-"   # typed at a prompt: give up this decision


@dataclass
class Session:
    db: object
    batch: str | None
    reviewer: str
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    skipped: set[int] = field(default_factory=set)
    done: list[int] = field(default_factory=list)        # items decided in this session, for undo
    filter_text: str = ""
    message: str = ""
    seconds: list[float] = field(default_factory=list)   # time to each decision (undone ones too), for the summary
    started: float = field(default_factory=time.monotonic)

    def next_item(self) -> tuple[dict, review.ReviewState] | None:
        """The riskiest document this reviewer may take now, or None."""
        others = review.leased_by_others(self.db, self.session_id)
        for item, state in review.open_items(self.db, self.batch):
            if item["id"] in self.skipped or item["id"] in others:
                continue
            if state.awaiting_second and self.reviewer in state.supporters:
                continue  # four eyes: someone else must confirm
            if self.filter_text and not _matches(item, self.filter_text):
                continue
            return item, state
        return None

    def progress(self) -> str:
        return f"{review.decided_count(self.db, self.batch)} / {review.queue_size(self.db, self.batch)} decided"

    def summary(self) -> str:
        """The session's figures, printed on quit."""
        per = f"{sum(self.seconds) / len(self.seconds):.0f} s" if self.seconds else "—"
        minutes = (time.monotonic() - self.started) / 60
        return (f"本次会话 session: {len(self.done)} decided · {len(self.skipped)} skipped · {per} per document · "
                f"{minutes:.1f} min in all ({self.reviewer})")


def _matches(item: dict, text: str) -> bool:
    if text in ATTRIBUTES:
        return item["proposed_attribute"] == text
    if text == "unread":
        return item["status"] != "ok"
    return text in (item["title"] or "") or text in item["path"]


def run_tui(db, batch: str | None, reviewer: str) -> None:
    from rich.console import Console

    session = Session(db=db, batch=batch, reviewer=reviewer)
    console = Console(highlight=False, markup=False)  # document text and key help contain [brackets]
    with _keys() as read_key:
        while True:
            found = session.next_item()
            if found is None and session.filter_text:
                session.message = f"筛选「{session.filter_text}」没有匹配的文档 (no document matches)；已显示全部"
                session.filter_text = ""
                continue
            if found is None:
                _screen(console, session, None)
                console.print("队列已空（no documents left for you to review）。按任意键退出。")
                read_key()
                break
            item, _ = found
            if not review.acquire_lease(db, item["id"], reviewer, session.session_id):
                session.skipped.add(item["id"])
                continue
            try:
                if _handle(console, session, item["id"], read_key) == "quit":
                    break
            finally:
                review.release_lease(db, item["id"], session.session_id)
    console.print(session.summary())


def _handle(console, session: Session, item_id: int, read_key) -> str | None:
    """Show one document and act on keys until it is decided, skipped or the reviewer quits."""
    shown = time.monotonic()
    while True:
        view = document_view(session.db, item_id)
        _screen(console, session, view)
        action = KEYS.get(read_key())
        session.message = ""
        if action == "quit":
            return "quit"
        if action == "skip":
            session.skipped.add(item_id)
            return None
        if action == "text":
            _page(console, highlighted_text(view["text"], view["hits"]), read_key)
        elif action == "help":
            _help(console, read_key)
        elif action == "note":
            _note(console, session, item_id)
        elif action == "filter":
            session.filter_text = _ask(console, "筛选 (proactive/on_request/non_disclosure/unread/标题文字，空=全部): ") or ""
            return None
        elif action == "undo":
            _undo(session)
            return None
        elif action in ("accept", "proactive", "on_request", "non_disclosure"):
            if _decide(console, session, view, action):
                session.seconds.append(time.monotonic() - shown)
                return None
        review.acquire_lease(session.db, item_id, session.reviewer, session.session_id)  # renew


def _first_decision(session: Session, view: dict) -> review.Decision | None:
    """Another reviewer's standing decision on this document: what `a` confirms."""
    cur = view["state"].current
    return cur if cur and cur.reviewer != session.reviewer else None


def _decide(console, session: Session, view: dict, action: str) -> bool:
    item, state = view["item"], view["state"]
    first = _first_decision(session, view)
    attribute = (first.attribute if first else item["proposed_attribute"]) if action == "accept" else action
    if not attribute:
        session.message = "未读文档没有建议：请按 1 / 2 / 3 决定"
        return False
    override = bool(first and attribute != first.attribute)
    if override and not _yes(console, f"{first.reviewer} 已决定 {attribute_label(first.attribute)}；"
                                      f"确认改为 {attribute_label(attribute)}？(y/N) "):
        session.message = "未改动（not changed）"
        return False
    ground = reason = None
    if attribute == "non_disclosure":
        default = first.ground if first and first.attribute == attribute else \
            item.get("proposed_ground") or ground_of_hits(view["hits"])
        ground = _pick_ground(console, view, default)
        if ground is None:
            session.message = "已取消（cancelled）"
            return False
    if first and not override:
        reason = _ask(console, f"确认理由（回车沿用 {first.reviewer} 的理由）: ") or first.reason
    elif override or attribute == "non_disclosure" or state.four_eyes or item["proposed_attribute"] == "non_disclosure":
        prompt = f"推翻 {first.reviewer} 的决定须说明理由 reason: " if override else "理由 reason: "
        reason = _ask_required(console, prompt)
        if reason is None:
            session.message = "已取消（cancelled）"
            return False
    elif view["hits"] or item["proposed_attribute"] != attribute:
        reason = _ask(console, f"改为{ATTRIBUTES[attribute]}的理由 reason（可空）: ") or None
    try:
        outcome = review.decide(session.db, item["id"], attribute, session.reviewer, reason=reason,
                                ground=ground, expected_version=state.version, session=session.session_id,
                                override=override)
    except review.ReviewError as exc:
        session.message = f"未记录：{exc}"
        return "changed since" in str(exc)  # stale: move on, the queue shows it again fresh
    session.done.append(item["id"])
    session.message = f"#{item['id']} {attribute_label(attribute)} — {outcome}"
    return True


def _pick_ground(console, view: dict, default: str | None) -> str | None:
    """A report ground or one of the document's negative-list entries; empty takes the default, else re-asks."""
    options = list(REASONS)
    entries = {h["rule_id"]: h["entry_item"] for h in view["hits"] if h["kind"] == "negative_list" and h.get("entry_item")}
    listed = sorted(entries)
    console.print("不予公开的依据 ground:")
    for i, code in enumerate(options, 1):
        name, article = REASONS[code]
        console.print(f"  {i}. {name}（{article}）")
    for j, entry in enumerate(listed, len(options) + 1):
        console.print(f"  {j}. 负面清单 {entry}「{entries[entry]}」")
    fallback = code_for(default) if default else None
    hint = f"回车={options.index(fallback) + 1}. {REASONS[fallback][0]}" if fallback else f"{CANCEL} 取消"
    while True:
        answer = _ask(console, f"编号、代码或条款（{hint}）: ")
        if answer is None or answer == CANCEL:
            return None
        if not answer and fallback:
            return default
        if answer.isdigit() and 1 <= int(answer) <= len(options) + len(listed):
            n = int(answer)
            return options[n - 1] if n <= len(options) else listed[n - len(options) - 1]
        if not answer:
            console.print("依据不能为空：请输入编号（ground required）")
            continue
        try:
            return resolve(answer, {e: e for e in listed})
        except GroundError as exc:
            console.print(f"不接受：{exc}")


def _note(console, session: Session, item_id: int) -> None:
    text = _ask(console, "备注 note: ")
    if text:
        review.note(session.db, item_id, session.reviewer, text)
        session.message = f"#{item_id} 备注已记录"


def _undo(session: Session) -> None:
    while session.done:
        item_id = session.done.pop()
        try:
            retracted = review.undo(session.db, item_id, session.reviewer, session=session.session_id)
        except review.ReviewError as exc:
            session.message = f"未撤销：{exc}"
            continue
        session.skipped.discard(item_id)
        session.message = f"#{item_id} 已撤销 {attribute_label(retracted.attribute)}"
        return
    session.message = "本次没有可撤销的决定"


def _screen(console, session: Session, view: dict | None) -> None:
    from rich.rule import Rule

    console.clear()
    who = f"gongkai review · {session.batch or 'all batches'} · {session.reviewer} · {session.progress()}"
    if session.filter_text:
        who += f" · 筛选 {session.filter_text}"
    console.print(Rule(who))
    if view is not None:
        console.print(f"#{view['item']['id']}  {view['item']['path']}", no_wrap=True, overflow="ellipsis")
        others = sum(rows(line, console.size.width) for line in decision_lines(view))
        render_document(console, view, max_rows=max(2, console.size.height - 12 - others), compact=True)
    if session.message:
        console.print(session.message, style="green")
    first = view is not None and _first_decision(session, view)
    console.print(HELP.replace("a接受", "a确认") if first else HELP, style="bold")


def _help(console, read_key) -> None:
    console.clear()
    console.print("按键 keys", style="bold")
    for key, what in KEY_HELP:
        console.print(f"  {key:<6}{what}")
    console.print(f"在提示处输入 {CANCEL} 取消当前决定（type {CANCEL} at a prompt to cancel）。按任意键返回。")
    read_key()


def _page(console, text, read_key) -> None:
    """Page through a rich Text (the full text with its hits marked)."""
    lines = list(text.split("\n")) or [text]
    height = max(5, console.size.height - 2)
    start = 0
    while True:
        console.clear()
        for line in lines[start:start + height]:
            console.print(line, overflow="fold", no_wrap=False)
        console.print(f"— {start + 1}-{min(len(lines), start + height)} / {len(lines)} — [空格]下页 [b]上页 [q]返回",
                      style="bold")
        key = read_key()
        if key == " " and start + height < len(lines):
            start += height
        elif key == "b":
            start = max(0, start - height)
        elif key == "q":
            return


def _ask(console, prompt: str) -> str | None:
    """A line of input; None at end of input."""
    with _cooked():
        try:
            return console.input(prompt).strip()
        except EOFError:
            return None


def _ask_required(console, prompt: str) -> str | None:
    """Ask until something is typed; None when the reviewer cancels (or input ends)."""
    while True:
        answer = _ask(console, prompt)
        if answer is None or answer == CANCEL:
            return None
        if answer:
            return answer
        console.print(f"不能为空（required）；输入 {CANCEL} 取消")


def _yes(console, prompt: str) -> bool:
    return (_ask(console, prompt) or "").lower() in ("y", "yes", "是")


@contextlib.contextmanager
def _keys():
    """Yield a function that reads one key; cbreak mode when stdin is a terminal."""
    if not sys.stdin.isatty():
        yield lambda: sys.stdin.read(1) or "q"
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        # os.read, not sys.stdin.read: nothing may sit in Python's buffer when a line is read later
        yield lambda: os.read(fd, 1).decode("utf-8", "replace") or "q"
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def _cooked():
    """Line input (for Chinese text) while the rest of the session reads single keys."""
    if not sys.stdin.isatty():
        yield
        return
    import termios

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    cooked = termios.tcgetattr(fd)
    cooked[3] |= termios.ICANON | termios.ECHO
    termios.tcsetattr(fd, termios.TCSADRAIN, cooked)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
