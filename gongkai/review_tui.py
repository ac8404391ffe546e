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
import uuid
from dataclasses import dataclass, field

from gongkai.pipeline import review
from gongkai.pipeline.grounds import REASONS
from gongkai.records import ATTRIBUTES
from gongkai.review_view import attribute_label, document_view, render_document

KEYS = {"a": "accept", "1": "proactive", "2": "on_request", "3": "non_disclosure", "s": "skip",
        "u": "undo", "n": "note", "f": "filter", "t": "text", "q": "quit"}
HELP = "a接受 1主动公开 2依申请 3不予公开 s跳过 u撤销 n备注 f筛选 t全文 q退出"  # fits 80 columns


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

    def candidates(self) -> list[tuple[dict, review.ReviewState]]:
        others = review.leased_by_others(self.db, self.session_id)
        out = []
        for item, state in review.queue(self.db, self.batch, include_decided=False):
            if item["id"] in self.skipped or item["id"] in others:
                continue
            if state.awaiting_second and self.reviewer in state.supporters:
                continue  # four eyes: someone else must confirm
            if self.filter_text and not _matches(item, self.filter_text):
                continue
            out.append((item, state))
        return out

    def progress(self) -> str:
        all_items = review.queue(self.db, self.batch)
        decided = sum(1 for _, s in all_items if s.decided)
        return f"{decided} / {len(all_items)} decided"


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
            queue = session.candidates()
            if not queue:
                _screen(console, session, None)
                console.print("队列已空（no documents left for you to review）。按任意键退出。")
                read_key()
                return
            item, _ = queue[0]
            if not review.acquire_lease(db, item["id"], reviewer, session.session_id):
                session.skipped.add(item["id"])
                continue
            try:
                if _handle(console, session, item["id"], read_key) == "quit":
                    return
            finally:
                review.release_lease(db, item["id"], session.session_id)


def _handle(console, session: Session, item_id: int, read_key) -> str | None:
    """Show one document and act on keys until it is decided, skipped or the reviewer quits."""
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
            _page(console, view["text"], read_key)
        elif action == "note":
            _note(console, session, item_id)
        elif action == "filter":
            session.filter_text = _ask(console, "筛选 (proactive/on_request/non_disclosure/unread/标题文字，空=全部): ")
            return None
        elif action == "undo":
            _undo(session)
            return None
        elif action in ("accept", "proactive", "on_request", "non_disclosure"):
            attribute = view["item"]["proposed_attribute"] if action == "accept" else action
            if attribute and _decide(console, session, view, attribute):
                return None
        review.acquire_lease(session.db, item_id, session.reviewer, session.session_id)  # renew


def _decide(console, session: Session, view: dict, attribute: str) -> bool:
    item, state = view["item"], view["state"]
    ground = reason = None
    if attribute == "non_disclosure":
        ground = _pick_ground(console, view)
        reason = _ask(console, "理由 reason: ") or None
    elif state.four_eyes or item["proposed_attribute"] == "non_disclosure" or view["hits"]:
        reason = _ask(console, f"改为{ATTRIBUTES[attribute]}须说明理由 reason: ") or None
    try:
        outcome = review.decide(session.db, item["id"], attribute, session.reviewer, reason=reason,
                                ground=ground, expected_version=state.version, session=session.session_id,
                                override=True)
    except review.ReviewError as exc:
        session.message = f"未记录：{exc}"
        return "changed since" in str(exc)  # stale: move on, the queue shows it again fresh
    session.done.append(item["id"])
    session.message = f"#{item['id']} {attribute_label(attribute)} — {outcome}"
    return True


def _pick_ground(console, view: dict) -> str | None:
    options = [f"{code}" for code in REASONS]
    listed = sorted({h["ground"] for h in view["hits"] if h["kind"] == "negative_list" and h["ground"]})
    console.print("不予公开的依据 ground:")
    for i, code in enumerate(options, 1):
        name, article = REASONS[code]
        console.print(f"  {i}. {name}（{article}）")
    for j, ground in enumerate(listed, len(options) + 1):
        console.print(f"  {j}. 负面清单：{ground}")
    answer = _ask(console, "编号或直接输入依据: ")
    if answer.isdigit() and 1 <= int(answer) <= len(options) + len(listed):
        n = int(answer)
        return options[n - 1] if n <= len(options) else listed[n - len(options) - 1]
    return answer or None


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
        render_document(console, view, max_hits=max(2, console.size.height - 13), compact=True)
    if session.message:
        console.print(session.message, style="green")
    console.print(HELP, style="bold")


def _page(console, text: str, read_key) -> None:
    lines = text.splitlines() or [""]
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


def _ask(console, prompt: str) -> str:
    with _cooked():
        try:
            return console.input(prompt).strip()
        except EOFError:
            return ""


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
