"""Items whose file changed since they were read: superseded, and not published unless kept.

`classify` marks an item superseded when a path it was found under now holds
other bytes (store.write_results). The newer item is reviewed and published in
its place; the older one stays in the database (nothing a reviewer decided is
lost) but the publish gate leaves it out, unless a reviewer keeps it with
`gongkai review keep ID --reason ...` (an audit row `keep`) after it was superseded.
"""
from __future__ import annotations

from gongkai.pipeline import review


def unkept(db, batch: str) -> set[int]:
    """Ids of the batch's superseded items that no reviewer kept since: publish leaves them out."""
    return {r[0] for r in db.execute(
        "SELECT s.item_id FROM superseded s JOIN items i ON i.id = s.item_id WHERE i.batch = ? AND NOT EXISTS "
        "(SELECT 1 FROM audit a WHERE a.item_id = s.item_id AND a.action = 'keep' AND a.id > s.audit_floor)",
        [batch])}


def superseded_by(db, item_ids: list[int]) -> dict[int, int]:
    """item id -> the id of the item that superseded it (only for superseded items)."""
    found: dict[int, int] = {}
    for start in range(0, len(item_ids), 500):
        chunk = item_ids[start:start + 500]
        found.update(db.execute(f"SELECT item_id, by_item FROM superseded WHERE item_id IN "
                                f"({', '.join('?' * len(chunk))})", chunk).fetchall())
    return found


def keep(db, item_id: int, reviewer: str, reason: str) -> None:
    """A reviewer keeps a superseded item: publish treats it as any other item again."""
    if not reason:
        raise review.ReviewError("keeping a superseded document needs a --reason")
    with review.transaction(db):
        batch = review.item_batch(db, item_id)
        if not db.execute("SELECT 1 FROM superseded WHERE item_id = ?", [item_id]).fetchone():
            raise review.ReviewError(f"document {item_id} is not superseded; there is nothing to keep")
        if db.execute("SELECT frozen FROM batches WHERE name = ?", [batch]).fetchone()[0]:
            raise review.ReviewError(f"batch {batch!r} is published and frozen; reopen it first")
        review.append_audit(db, item_id, batch, "keep", reviewer, reason=reason)
