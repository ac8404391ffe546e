"""`gongkai review …`, `publish`, `report` and `batch reopen`: thin commands over the review library."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from gongkai.records import attribute_name

review_app = typer.Typer(help="Confidentiality review (公开前保密审查). Without a subcommand: the interactive queue.",
                         invoke_without_command=True)
batch_app = typer.Typer(help="Manage batches.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

DB = typer.Option(..., "--db", help="The working SQLite database.")
REVIEWER = typer.Option(None, "--reviewer", help="Your name (default: $GONGKAI_REVIEWER, else the OS user).")


def register(app: typer.Typer) -> None:
    from gongkai.cli import guarded

    for name, fn in (("list", review_list), ("show", review_show), ("decide", review_decide),
                     ("undo", review_undo), ("note", review_note), ("clear-hit", review_clear_hit),
                     ("history", review_history), ("keep", review_keep)):
        review_app.command(name)(guarded(fn))
    review_app.callback()(guarded(review_main))
    batch_app.command("reopen")(guarded(batch_reopen))
    audit_app.command("verify")(guarded(audit_verify))
    app.add_typer(audit_app, name="audit")
    app.add_typer(review_app, name="review")
    app.add_typer(batch_app, name="batch")
    app.command("publish")(guarded(publish))
    app.command("report")(guarded(report))


def _db(path: Path):
    from gongkai.pipeline.store import connect

    return connect(path, create=False)


def review_main(ctx: typer.Context, db: Optional[Path] = typer.Option(None, "--db"),
                batch: Optional[str] = typer.Option(None, "--batch"), reviewer: Optional[str] = REVIEWER) -> None:
    """The interactive review queue (riskiest first)."""
    if ctx.invoked_subcommand:
        return
    from gongkai.cli import fail
    from gongkai.pipeline.review import reviewer_name
    from gongkai.review_tui import run_tui

    if db is None:
        fail("gongkai review needs --db FILE (and usually --batch NAME)")
    run_tui(_db(db), batch, reviewer_name(reviewer))


def review_list(db: Path = DB, batch: Optional[str] = typer.Option(None, "--batch"),
                state: str = typer.Option("all", "--state", help="all, pending, decided, awaiting or unread."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Documents that need review, pending and decided, riskiest first."""
    from rich.table import Table

    from gongkai.cli import console
    from gongkai.pipeline.review import queue

    rows = []
    for item, st in queue(_db(db), batch):
        label = st.label
        if state != "all" and not _state_matches(state, label, item):
            continue
        rows.append({"id": item["id"], "batch": item["batch"], "title": item["title"] or Path(item["path"]).name,
                     "doc_type": item["doc_type"], "status": item["status"], "proposed": item["proposed_attribute"],
                     "confidence": item["confidence"], "state": label,
                     "decision": st.current.attribute if st.current else None,
                     "reviewers": sorted(st.supporters), "reasons": item["review_reasons"],
                     "ocr": item["ocr"], "ocr_confidence": item["ocr_confidence"]})
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"review queue{f' · batch {batch}' if batch else ''} · {len(rows)} document(s)")
    for col in ("id", "title", "文种", "proposed", "conf", "state", "decision", "why"):
        table.add_column(col, overflow="fold")
    for r in rows:
        title = f"[OCR {r['ocr_confidence']:.2f}] {r['title']}" if r["ocr"] else r["title"]
        table.add_row(str(r["id"]), title[:30], r["doc_type"] or "", attribute_name(r["proposed"]),
                      f"{r['confidence']:.2f}" if r["confidence"] is not None else "", r["state"],
                      attribute_name(r["decision"]) if r["decision"] else "", "; ".join(r["reasons"])[:60])
    console().print(table)


def _state_matches(state: str, label: str, item: dict) -> bool:
    wanted = {"pending": label == "pending", "decided": label == "decided",
              "awaiting": label == "awaits second reviewer", "unread": item["status"] != "ok"}
    if state not in wanted:
        raise ValueError(f"--state must be one of all, {', '.join(wanted)}")
    return wanted[state]


def review_show(item_id: int = typer.Argument(..., help="Document id."), db: Path = DB,
                full: bool = typer.Option(False, "--full", help="Print the whole text."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """One document: header fields, proposal, hits in context, review state."""
    from gongkai.cli import console
    from gongkai.review_view import document_view, render_document

    view = document_view(_db(db), item_id)
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2, default=str))
        return
    render_document(console(), view, full=full)


def review_decide(item_id: int = typer.Argument(...), db: Path = DB,
                  attribute: str = typer.Option(..., "--attribute", help="proactive, on_request or non_disclosure."),
                  reason: Optional[str] = typer.Option(None, "--reason"),
                  ground: Optional[str] = typer.Option(None, "--ground", help="For non_disclosure: e.g. 条例第十六条第二款 or process_info."),
                  reviewer: Optional[str] = REVIEWER,
                  expect_state: Optional[int] = typer.Option(None, "--expect-state",
                                                             help="Refuse if the document's state changed since `review show` printed this number."),
                  override: bool = typer.Option(False, "--override", help="Change another reviewer's decision.")) -> None:
    """Decide a document's attribute (an identical decision by another reviewer is a confirmation)."""
    from gongkai.pipeline.review import decide, reviewer_name

    who = reviewer_name(reviewer)
    outcome = decide(_db(db), item_id, attribute, who, reason=reason, ground=ground,
                     expected_version=expect_state, override=override)
    typer.echo(f"document {item_id}: {attribute_name(attribute)} — {outcome} ({who})")


def review_undo(item_id: int = typer.Argument(...), db: Path = DB, reviewer: Optional[str] = REVIEWER) -> None:
    """Retract your latest decision on a document (recorded, never deleted)."""
    from gongkai.pipeline.review import reviewer_name, undo

    who = reviewer_name(reviewer)
    retracted = undo(_db(db), item_id, who)
    typer.echo(f"document {item_id}: retracted {who}'s decision {attribute_name(retracted.attribute)}")


def review_note(item_id: int = typer.Argument(...), text: str = typer.Argument(...), db: Path = DB,
                reviewer: Optional[str] = REVIEWER) -> None:
    """Add a note to a document's audit log."""
    from gongkai.pipeline.review import note, reviewer_name

    note(_db(db), item_id, reviewer_name(reviewer), text)
    typer.echo(f"document {item_id}: note added")


def review_clear_hit(hit_id: int = typer.Argument(..., help="Hit id (see `review show`)."), db: Path = DB,
                     reason: str = typer.Option(..., "--reason"), reviewer: Optional[str] = REVIEWER) -> None:
    """Mark a hit as not personal data (e.g. a public office number): publish leaves it unmasked."""
    from gongkai.pipeline.review import clear_hit, reviewer_name

    clear_hit(_db(db), hit_id, reviewer_name(reviewer), reason)
    typer.echo(f"hit {hit_id}: marked as not personal data")


def review_keep(item_id: int = typer.Argument(..., help="A superseded document's id."), db: Path = DB,
                reason: str = typer.Option(..., "--reason"), reviewer: Optional[str] = REVIEWER) -> None:
    """Keep a superseded document (its file changed since): publish treats it as any other again."""
    from gongkai.pipeline.review import reviewer_name
    from gongkai.pipeline.superseded import keep

    keep(_db(db), item_id, reviewer_name(reviewer), reason)
    typer.echo(f"document {item_id}: kept (it will be published with its own decision)")


def review_history(item_id: int = typer.Argument(...), db: Path = DB, as_json: bool = typer.Option(False, "--json")) -> None:
    """The audit log of one document."""
    from rich.table import Table

    from gongkai.cli import console
    from gongkai.pipeline.review import history

    rows = history(_db(db), item_id)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"document {item_id}: audit log")
    for col in ("#", "when", "who", "action", "from → to", "ground", "reason", "model / list"):
        table.add_column(col, overflow="fold")
    for r in rows:
        who = r["reviewer"] if r.get("account") in (None, r["reviewer"]) else f"{r['reviewer']} (OS account {r['account']})"
        table.add_row(str(r["id"]), r["at"], who, r["action"],
                      f"{r['from_attribute'] or ''} → {r['to_attribute'] or ''}", r["ground"] or "",
                      r["reason"] or "", f"{r['model_version'] or ''} / {(r['negative_list_version'] or '')[:12]}")
    console().print(table)


def publish(db: Path = DB, batch: str = typer.Option(..., "--batch"),
            out: Path = typer.Option(..., "--out", help="The publication database (SQLite)."),
            masking: Optional[Path] = typer.Option(None, "--masking",
                                                   help="A TOML file with a [masking] table (default: docs/publication-schema.md)."),
            reviewer: Optional[str] = REVIEWER) -> None:
    """Open the gate: write what may be published, freeze the batch."""
    from rich.table import Table

    from gongkai.cli import console
    from gongkai.pipeline.publish import PublishRefused
    from gongkai.pipeline.publish import publish as run_publish
    from gongkai.pipeline.review import reviewer_name

    from gongkai.pipeline.masking import load_convention

    convention = load_convention(masking) if masking else None  # a bad file is refused before anything is written
    try:
        result = run_publish(_db(db), batch, out, reviewer_name(reviewer), convention)
    except PublishRefused as refused:
        table = Table(title=str(refused))
        for col in ("id", "title", "state", "why"):
            table.add_column(col, overflow="fold")
        for item, st in refused.pending:
            table.add_row(str(item["id"]), item["title"] or Path(item["path"]).name, st.label,
                          "; ".join(item["review_reasons"])[:70])
        console(stderr=True).print(table)
        typer.echo(f"error: {refused}; publish refused", err=True)
        raise typer.Exit(1)
    table = Table(title=f"published batch {batch} to {out} (frozen)")
    table.add_column("attribute")
    table.add_column("documents", justify="right")
    for key, n in result.counts.items():
        table.add_row(attribute_name(key), str(n))
    console().print(table)
    typer.echo(f"{result.changed} row(s) added, updated or removed; {result.redactions} masked span(s)")


def batch_reopen(name: str = typer.Argument(...), db: Path = DB, reason: str = typer.Option(..., "--reason"),
                 reviewer: Optional[str] = REVIEWER) -> None:
    """Unfreeze a published batch so its decisions can change (audited)."""
    from gongkai.pipeline.publish import reopen
    from gongkai.pipeline.review import reviewer_name

    reopen(_db(db), name, reviewer_name(reviewer), reason)
    typer.echo(f"batch {name} reopened; publish it again to update the publication database")


def audit_verify(db: Path = DB) -> None:
    """Check the audit log's hash chain and every document's seal; name the first broken row."""
    from gongkai.cli import fail
    from gongkai.pipeline import audit

    conn = _db(db).conn
    chain = audit.verify_chain(conn)
    if chain.broken:
        fail(f"{db}: {chain.broken}")
    ids = [r[0] for r in conn.execute("SELECT id FROM items ORDER BY id")]
    changed = audit.unsealed_or_changed(conn, ids)
    if changed:
        item_id, why = changed[0]
        fail(f"{db}: document {item_id} {why}" + (f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""))
    typer.echo(f"{db}: audit log intact: {chain.rows} row(s), head {chain.head[:16]}…; "
               f"{len(ids)} document(s) match their seals")


def report(db: Path = DB, batch: Optional[str] = typer.Option(None, "--batch"),
           as_json: bool = typer.Option(False, "--json"), as_csv: bool = typer.Option(False, "--csv")) -> None:
    """Counts by attribute, ground, reviewer; review times; overrides (for the annual report)."""
    import csv

    from rich.table import Table

    from gongkai.cli import console
    from gongkai.pipeline.report import build_report, report_rows

    rep = build_report(_db(db), batch)
    if as_json:
        typer.echo(json.dumps(rep, ensure_ascii=False, indent=2))
        return
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["section", "key", "value"])
        writer.writerows(report_rows(rep))
        return
    table = Table(title=f"report{f' · batch {batch}' if batch else ''}")
    for col in ("section", "key", "value"):
        table.add_column(col)
    for section, key, value in report_rows(rep):
        table.add_row(section, str(key), str(value))
    console().print(table)
