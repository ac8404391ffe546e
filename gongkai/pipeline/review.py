"""Confidentiality review (公开前保密审查): decisions, four eyes, leases, the audit log.

Nothing is updated in place: every decision, confirmation, undo, note and
hit clearance is a row appended to `audit`, and an item's review state is
folded from its rows. Concurrent reviewers are kept apart two ways: a short
lease marks a document open in someone's session, and every decision names
the state version it was made on, so a decision on a document that changed
meanwhile is refused instead of silently overwriting another's.

Who decided: the reviewer's name (--reviewer, $GONGKAI_REVIEWER, else the OS
account) and, always, the OS account the command ran under. Four eyes count
accounts, not names: one account cannot be both pairs of eyes (docs/security.md).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from gongkai.pipeline import audit, store
from gongkai.pipeline.grounds import GroundError, code_for, resolve
from gongkai.records import ATTRIBUTES, FOUR_EYES_KINDS

LEASE_S = 120.0
OPEN, FROZEN, PUBLISHING = 0, 1, 2      # batches.frozen
STATE_ACTIONS = ("decide", "confirm", "undo")


class ReviewError(RuntimeError):
    """A decision that cannot be taken; the message says why in one line."""


def parse_attribute(text: str) -> str:
    """`proactive` or `主动公开` → `proactive`; a typo is refused with the nearest attribute."""
    import difflib

    given = text.strip()
    by_name = {name: code for code, name in ATTRIBUTES.items()}
    if given in ATTRIBUTES or given in by_name:
        return by_name.get(given, given)
    near = difflib.get_close_matches(given, [*ATTRIBUTES, *by_name], n=1, cutoff=0.3)
    hint = f"; did you mean {near[0]}?" if near else ""
    raise ReviewError(f"attribute must be one of {', '.join(f'{c} ({n})' for c, n in ATTRIBUTES.items())}, "
                      f"not {given!r}{hint}")


def reviewer_name(given: str | None = None) -> str:
    """--reviewer, else $GONGKAI_REVIEWER, else the OS account. The account is recorded beside it anyway."""
    return given or os.environ.get("GONGKAI_REVIEWER") or audit.os_account()


@dataclass
class Decision:
    audit_id: int
    reviewer: str
    account: str          # the OS account it was taken under (the name, for rows from before schema 4)
    attribute: str
    ground: str | None
    reason: str | None
    at: str


@dataclass
class ReviewState:
    item_id: int
    version: int = 0                                   # state-changing audit rows so far
    active: list[Decision] = field(default_factory=list)
    four_eyes: bool = False
    needs_review: bool = True
    proposed_attribute: str | None = None

    @property
    def current(self) -> Decision | None:
        return self.active[-1] if self.active else None

    @property
    def supporters(self) -> set[str]:
        cur = self.current
        return {d.reviewer for d in self.active if cur and d.attribute == cur.attribute}

    @property
    def accounts(self) -> set[str]:
        """The OS accounts behind the current decision: the pairs of eyes."""
        cur = self.current
        return {d.account for d in self.active if cur and d.attribute == cur.attribute}

    @property
    def awaiting_second(self) -> bool:
        cur = self.current
        return bool(cur and self.four_eyes and cur.attribute != "non_disclosure" and len(self.accounts) < 2)

    @property
    def final_attribute(self) -> str | None:
        if self.current is None:
            return None if self.needs_review else self.proposed_attribute
        return None if self.awaiting_second else self.current.attribute

    @property
    def final_ground(self) -> str | None:
        cur = self.current
        return cur.ground if cur and self.final_attribute == "non_disclosure" else None

    @property
    def decided(self) -> bool:
        return self.current is not None and not self.awaiting_second

    @property
    def label(self) -> str:
        if self.awaiting_second:
            return "awaits second reviewer"
        if self.decided:
            return "decided"
        return "pending" if self.needs_review else "no review needed"


def _fold(item_id: int, needs_review: bool, proposed: str | None, rows: list[dict], four_eyes: bool) -> ReviewState:
    state = ReviewState(item_id=item_id, four_eyes=four_eyes, needs_review=needs_review, proposed_attribute=proposed)
    for row in rows:
        if row["action"] not in STATE_ACTIONS:
            continue
        state.version += 1
        if row["action"] == "undo":
            state.active = [d for d in state.active if d.audit_id != row["ref_id"]]
        else:
            state.active.append(Decision(row["id"], row["reviewer"], row["account"] or row["reviewer"],
                                         row["to_attribute"], row["ground"], row["reason"], row["at"]))
    return state


def final_states(db, item_ids: list[int]) -> dict[int, ReviewState]:
    """Review state of many items at once (two queries per chunk)."""
    states: dict[int, ReviewState] = {}
    for start in range(0, len(item_ids), 500):
        chunk = item_ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        # the covering index: a row's own pages hold its text, read past to reach these columns
        items = {r[0]: r for r in db.execute(     # tuples: this runs for every item of a report
            f"SELECT id, needs_review, proposed_attribute, secrecy FROM items INDEXED BY items_fold "
            f"WHERE id IN ({marks})", chunk)}
        guarded = {r[0] for r in db.execute(
            f"SELECT DISTINCT item_id FROM hits WHERE item_id IN ({marks}) AND kind IN "
            f"({', '.join('?' * len(FOUR_EYES_KINDS))})", [*chunk, *sorted(FOUR_EYES_KINDS)])}
        rows: dict[int, list[dict]] = {i: [] for i in chunk}
        # only the rows a state is folded from: every item has its classify seal, few have more
        for row in db.query(f"SELECT * FROM audit WHERE item_id IN ({marks}) AND action IN "
                            f"({', '.join('?' * len(STATE_ACTIONS))}) ORDER BY id", [*chunk, *STATE_ACTIONS]):
            rows[row["item_id"]].append(row)
        for item_id, (_, needs_review, proposed, secrecy) in items.items():
            states[item_id] = _fold(item_id, bool(needs_review), proposed, rows[item_id],
                                    four_eyes=item_id in guarded or bool(secrecy))
    return states


def state_of(db, item_id: int) -> ReviewState:
    states = final_states(db, [item_id])
    if item_id not in states:
        raise ReviewError(f"no document with id {item_id}")
    return states[item_id]


def item_batch(db, item_id: int) -> str:
    row = db.execute("SELECT batch FROM items WHERE id = ?", [item_id]).fetchone()
    if not row:
        raise ReviewError(f"no document with id {item_id}")
    return row[0]


# --- writing --------------------------------------------------------------------------------

def decide(db, item_id: int, attribute: str, reviewer: str, reason: str | None = None,
           ground: str | None = None, expected_version: int | None = None,
           session: str | None = None, override: bool = False, account: str | None = None) -> str:
    """Record a decision; returns "decided", "confirmed" or "awaits second reviewer".

    `account` is who is deciding for four eyes: the OS account running this process unless the
    caller is a service that authenticated its users itself (the CLI never passes it)."""
    attribute = parse_attribute(attribute)
    if attribute == "non_disclosure" and not (ground and reason):
        raise ReviewError("不予公开 needs a ground (--ground, e.g. 条例第十六条第二款) and a reason (--reason)")
    if attribute == "non_disclosure":
        try:
            ground = resolve(ground, list_entries(db, item_id))
        except GroundError as exc:
            raise ReviewError(str(exc)) from None
    with transaction(db):
        batch = _check_open(db, item_id, session)
        state = state_of(db, item_id)
        _check_version(state, expected_version)
        cur = state.current
        if cur and cur.attribute != attribute and cur.reviewer != reviewer and not override:
            raise ReviewError(
                f"document {item_id} was decided {ATTRIBUTES[cur.attribute]} ({cur.attribute}) by {cur.reviewer}; "
                f"to change it, review it again (`review show {item_id}`) and pass --override")
        if _overrides_hits(state) and attribute != "non_disclosure" and not reason:
            raise ReviewError(f"document {item_id} has flagged hits: overriding them needs a reason (--reason)")
        confirm = bool(cur and cur.attribute == attribute and reviewer not in state.supporters)
        if cur and cur.attribute == attribute and reviewer in state.supporters:
            raise ReviewError(f"{reviewer} already decided document {item_id} as {attribute}")
        account = account or audit.os_account()
        _check_second_pair(state, attribute, reviewer, account)
        append_audit(db, item_id, batch, "confirm" if confirm else "decide", reviewer,
                from_attribute=cur.attribute if cur else state.proposed_attribute,
                to_attribute=attribute, reason=reason, ground=ground, session=session, account=account)
        after = state_of(db, item_id)
    if after.awaiting_second:
        return "awaits second reviewer"
    return "confirmed" if confirm else "decided"


def list_entries(db, item_id: int) -> dict[str, str]:
    """The negative-list entries that hit a document: entry id -> reason code (a ground a reviewer may cite)."""
    from gongkai.pipeline.detect.negative_list_model import reason_code_in

    rows = db.execute("SELECT rule_id, explanation FROM hits WHERE item_id = ? AND kind = 'negative_list'",
                      [item_id]).fetchall()
    return {rule: code for rule, explanation in rows if (code := reason_code_in(explanation or ""))}


def undo(db, item_id: int, reviewer: str, session: str | None = None) -> Decision:
    """Retract this reviewer's latest active decision on the item (appended, never deleted)."""
    with transaction(db):
        batch = _check_open(db, item_id, session)
        state = state_of(db, item_id)
        mine = [d for d in state.active if d.reviewer == reviewer]
        if not mine:
            raise ReviewError(f"{reviewer} has no decision on document {item_id} to undo")
        last = mine[-1]
        append_audit(db, item_id, batch, "undo", reviewer, from_attribute=last.attribute,
                to_attribute=None, ref_id=last.audit_id, session=session)
    return last


def note(db, item_id: int, reviewer: str, text: str) -> None:
    with transaction(db):
        append_audit(db, item_id, item_batch(db, item_id), "note", reviewer, reason=text)


def clear_hit(db, hit_id: int, reviewer: str, reason: str) -> None:
    """Mark a hit as not personal data (e.g. a public office number): publish leaves it unmasked."""
    row = db.execute("SELECT item_id FROM hits WHERE id = ?", [hit_id]).fetchone()
    if not row:
        raise ReviewError(f"no hit with id {hit_id}")
    with transaction(db):
        batch = _check_open(db, row[0], None)
        append_audit(db, row[0], batch, "not_personal", reviewer, reason=reason, hit_id=hit_id)


def cleared_hits(db, item_ids: list[int]) -> set[int]:
    if not item_ids:
        return set()
    marks = ", ".join("?" * len(item_ids))
    return {r[0] for r in db.execute(
        f"SELECT hit_id FROM audit WHERE action = 'not_personal' AND item_id IN ({marks})", item_ids)}


def append_audit(db, item_id, batch, action, reviewer, **values) -> int:
    """Append to the hash-chained log (inside a `transaction`); the OS account is recorded with the name."""
    versions = db.execute("SELECT model_version, negative_list_version FROM items WHERE id = ?",
                          [item_id]).fetchone() if item_id is not None else (None, None)
    row = {"item_id": item_id, "batch": batch, "action": action, "reviewer": reviewer,
           "at": store.now(), "model_version": versions[0], "negative_list_version": versions[1], **values}
    return audit.append(db.conn, row)[0]


def _overrides_hits(state: ReviewState) -> bool:
    """Flagged hits (four-eyes kinds) or a 不予公开 proposal: disclosing anyway needs a written reason."""
    return state.four_eyes or (state.needs_review and state.proposed_attribute == "non_disclosure")


def _check_second_pair(state: ReviewState, attribute: str, reviewer: str, account: str) -> None:
    """A confirmation that four eyes need must come from another OS account, whatever the name."""
    if not (state.awaiting_second and state.current.attribute == attribute):
        return
    if account in state.accounts:
        first = ", ".join(sorted(d.reviewer for d in state.active if d.account == account))
        raise ReviewError(f"four eyes need two people: {reviewer} is running as OS account {account!r}, the "
                          f"account {first} decided document {state.item_id} under; the second reviewer must "
                          f"run gongkai under their own account")


def _check_version(state: ReviewState, expected: int | None) -> None:
    if expected is not None and expected != state.version:
        cur = state.current
        who = f" ({cur.reviewer} decided {cur.attribute} at {cur.at})" if cur else ""
        raise ReviewError(f"document {state.item_id} changed since you opened it{who}; reload it and decide again")


def _check_open(db, item_id: int, session: str | None) -> str:
    batch = item_batch(db, item_id)
    frozen = db.execute("SELECT frozen FROM batches WHERE name = ?", [batch]).fetchone()
    if frozen and frozen[0] == PUBLISHING:
        raise ReviewError(f"batch {batch!r} is being published; decisions on it are refused until publish ends "
                          f"(then reopen it with `gongkai batch reopen {batch} --reason ...`)")
    if frozen and frozen[0]:
        raise ReviewError(f"batch {batch!r} is published and frozen; reopen it with "
                          f"`gongkai batch reopen {batch} --reason ...`")
    lease = db.execute("SELECT reviewer, session, expires_at FROM leases WHERE item_id = ?", [item_id]).fetchone()
    if lease and lease[2] > time.time() and lease[1] != session:
        until = time.strftime("%H:%M:%S", time.localtime(lease[2]))
        raise ReviewError(f"document {item_id} is open in {lease[0]}'s review session (until {until}); try again later")
    return batch


class transaction:  # noqa: N801 — used as a context manager
    """BEGIN IMMEDIATE … COMMIT: one writer at a time, so checks and the append are atomic."""

    def __init__(self, db) -> None:
        self.db = db

    def __enter__(self):
        self.db.conn.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, *_):
        if exc_type:
            store.rollback(self.db.conn)   # never hides the error (a full disk ends the transaction itself)
        else:
            try:
                self.db.conn.execute("COMMIT")
            except BaseException:
                store.rollback(self.db.conn)
                raise


# --- leases ---------------------------------------------------------------------------------

def acquire_lease(db, item_id: int, reviewer: str, session: str, seconds: float = LEASE_S) -> bool:
    """Hold a document for this session; False if another live session holds it."""
    with transaction(db):
        row = db.execute("SELECT session, expires_at FROM leases WHERE item_id = ?", [item_id]).fetchone()
        if row and row[0] != session and row[1] > time.time():
            return False
        db.conn.execute("INSERT OR REPLACE INTO leases VALUES (?, ?, ?, ?)",
                        [item_id, reviewer, session, time.time() + seconds])
    return True


def release_lease(db, item_id: int, session: str) -> None:
    with transaction(db):
        db.conn.execute("DELETE FROM leases WHERE item_id = ? AND session = ?", [item_id, session])


def leased_by_others(db, session: str) -> set[int]:
    return {r[0] for r in db.execute("SELECT item_id FROM leases WHERE session != ? AND expires_at > ?",
                                     [session, time.time()])}


# --- reading --------------------------------------------------------------------------------

def history(db, item_id: int) -> list[dict]:
    """The document's review log (the `classify` seal rows are left out; `gongkai audit verify` checks them)."""
    item_batch(db, item_id)
    return list(db.query("SELECT * FROM audit WHERE item_id = ? AND action != ? ORDER BY id",
                         [item_id, audit.SEAL_ACTION]))


RISK_ORDER = """CASE WHEN status != 'ok' THEN 0 WHEN secrecy IS NOT NULL THEN 1
    WHEN proposed_attribute = 'non_disclosure' THEN 2 ELSE 3 END, confidence, id"""


def queue(db, batch: str | None = None, include_decided: bool = True,
          limit: int | None = None, offset: int = 0) -> list[tuple[dict, ReviewState]]:
    """Items needing review, riskiest first: unread, secret, proposed 不予公开, then by confidence.

    `limit` / `offset`: one page of rows (decided ones counted), e.g. a screenful of `review list`."""
    where = "WHERE needs_review = 1" + (" AND batch = ?" if batch else "")
    page = " LIMIT ? OFFSET ?" if limit is not None else ""
    rows = list(db.query(f"SELECT id, batch, path, title, doc_type, status, proposed_attribute, confidence, "
                         f"secrecy, review_reasons, ocr, ocr_confidence FROM items {where} ORDER BY {RISK_ORDER}{page}",
                         [*([batch] if batch else []), *([limit, offset] if limit is not None else [])]))
    states = final_states(db, [r["id"] for r in rows])
    out = [(store.decode_item(r), states[r["id"]]) for r in rows]
    return out if include_decided else [(r, s) for r, s in out if not s.decided]


def open_items(db, batch: str | None = None, page: int = 200):
    """The undecided items of `queue`, riskiest first, folded a page at a time: the interactive
    queue usually needs only the first one, and a batch may hold thousands."""
    offset = 0
    while rows := queue(db, batch, limit=page, offset=offset):
        yield from ((item, state) for item, state in rows if not state.decided)
        offset += page


def decided_count(db, batch: str | None = None) -> int:
    """How many items needing review have a final decision (folds only the items with decisions)."""
    where = "WHERE action IN ('decide', 'confirm')" + (" AND batch = ?" if batch else "")
    ids = [r[0] for r in db.execute(f"SELECT DISTINCT item_id FROM audit {where}", [batch] if batch else [])]
    return sum(1 for state in final_states(db, ids).values() if state.decided and state.needs_review)


def queue_size(db, batch: str | None = None) -> int:
    where = "WHERE needs_review = 1" + (" AND batch = ?" if batch else "")
    return db.execute(f"SELECT count(*) FROM items {where}", [batch] if batch else []).fetchone()[0]


def pending(db, batch: str) -> list[tuple[dict, ReviewState]]:
    return queue(db, batch, include_decided=False)


def decided_items(db) -> list[dict]:
    """Items with a final reviewer decision, with their text: training data from the office's own work."""
    ids = [r[0] for r in db.execute("SELECT DISTINCT item_id FROM audit WHERE action IN ('decide', 'confirm')")]
    states = final_states(db, ids)
    out = []
    for item_id, state in states.items():
        if state.decided:
            row = db.execute("SELECT path, text, doc_type FROM items WHERE id = ?", [item_id]).fetchone()
            out.append({"id": item_id, "path": row[0], "text": row[1], "doc_type": row[2],
                        "final_attribute": state.final_attribute, "final_ground": code_for(state.final_ground)})
    return out
