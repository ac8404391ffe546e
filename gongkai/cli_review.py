"""`gongkai review …`, `publish`, `report` and `batch reopen`: thin commands over the review library."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from gongkai.records import attribute_name

PLAIN = {"rich_markup_mode": None, "pretty_exceptions_enable": False}   # as gongkai.cli.app
QUEUE_HELP = """Confidentiality review (公开前保密审查). Without a subcommand: the interactive queue.

The queue shows one document at a time, riskiest first, with any earlier reviewer's decision,
ground, reason and notes. Keys: a accept the proposal (for a second reviewer: confirm the first
decision), 1 / 2 / 3 decide 主动公开 / 依申请公开 / 不予公开 (differing from a first reviewer asks
for a confirmation and a reason), s skip, u undo, n note, f filter, t full text with every hit in
【】, ? keys, q quit with the session's figures. Type - at a prompt to cancel the decision.
"""
review_app = typer.Typer(help=QUEUE_HELP, short_help="Confidentiality review (公开前保密审查).",
                         invoke_without_command=True, **PLAIN)
batch_app = typer.Typer(help="Manage batches.", no_args_is_help=True, **PLAIN)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True, **PLAIN)

DB = typer.Option(..., "--db", help="The working SQLite database.")
REVIEWER = typer.Option(None, "--reviewer", help="Your name (default: $GONGKAI_REVIEWER, else the OS user).")
BATCH = typer.Option(None, "--batch", help="Only this batch (default: every batch).")


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


def _db(path: Path, batch: str | None = None):
    """The working database; `batch`, when given, must be one of its batches."""
    from gongkai.pipeline.store import connect, require_batch

    db = connect(path, create=False)
    require_batch(db, batch)
    return db


def _shown_in_local_time(stamp: str | None) -> str:
    from gongkai.review_view import local_time

    return local_time(stamp)


def review_main(ctx: typer.Context, db: Optional[Path] = typer.Option(None, "--db", help="The working SQLite database."),
                batch: Optional[str] = BATCH, reviewer: Optional[str] = REVIEWER) -> None:
    """The interactive review queue (riskiest first): see QUEUE_HELP."""
    if ctx.invoked_subcommand:
        return
    from gongkai.cli import fail
    from gongkai.pipeline.review import reviewer_name
    from gongkai.review_tui import run_tui

    if db is None:
        fail("gongkai review needs --db FILE (and usually --batch NAME)")
    run_tui(_db(db, batch), batch, reviewer_name(reviewer))


def review_list(db: Path = DB, batch: Optional[str] = BATCH,
                state: str = typer.Option("all", "--state", help="all, pending, decided, awaiting or unread."),
                show_all: bool = typer.Option(False, "--all", help="Every row, not only the first screenful."),
                as_json: bool = typer.Option(False, "--json", help="Every row, machine-readable.")) -> None:
    """Documents that need review, pending and decided, riskiest first.

    Shows the first screenful and the count; --all shows every row, --json gives every row to
    scripts.
    """
    from rich.table import Table

    from gongkai import api
    from gongkai.cli import console

    out = console()
    page = None if (show_all or as_json) else max(10, out.size.height - 8)
    listed = api.review_list(_db(db, batch), batch, state, limit=page)
    if as_json:
        typer.echo(json.dumps(listed.rows, ensure_ascii=False, indent=2))
        return
    title = f"review queue{f' · batch {batch}' if batch else ''} · {listed.total} document(s)"
    table = Table(title=title)
    for col in ("id", "title", "文种", "proposed", "conf", "state", "decision", "why"):
        table.add_column(col, overflow="fold")
    for r in listed.rows:
        title = f"[OCR {r['ocr_confidence']:.2f}] {r['title']}" if r["ocr"] else r["title"]
        table.add_row(str(r["id"]), title[:30], r["doc_type"] or "", attribute_name(r["proposed"]),
                      f"{r['confidence']:.2f}" if r["confidence"] is not None else "", r["state"],
                      attribute_name(r["decision"]) if r["decision"] else "", "; ".join(r["reasons"])[:60])
    out.print(table)
    if len(listed.rows) < listed.total:
        typer.echo(f"showing the first {len(listed.rows)} of {listed.total}: --all for every row, "
                   f"--state to narrow, --json for scripts")


def review_show(item_id: int = typer.Argument(..., help="Document id."), db: Path = DB,
                full: bool = typer.Option(False, "--full", help="Print the whole text."),
                as_json: bool = typer.Option(False, "--json", help="Machine-readable output (machine keys, times in UTC).")) -> None:
    """One document: header fields, proposal, decisions and notes, hits in context, review state.

    Each hit shows its id, its negative-list entry and 事项 (or its kind), its ground and its
    context with the match in 【】. The state number (state N) is what --expect-state takes.
    """
    from gongkai.cli import console
    from gongkai.review_view import document_view, render_document, view_json

    view = document_view(_db(db), item_id)
    if as_json:
        typer.echo(json.dumps(view_json(view), ensure_ascii=False, indent=2))
        return
    out = console()
    out.soft_wrap = not out.is_terminal   # piped: one line per hit, greppable, the match in 【】
    render_document(out, view, full=full)


def review_decide(item_id: int = typer.Argument(...), db: Path = DB,
                  attribute: str = typer.Option(..., "--attribute",
                                                help="proactive / on_request / non_disclosure, or 主动公开 / 依申请公开 / 不予公开."),
                  reason: Optional[str] = typer.Option(None, "--reason", help="Why: recorded in the audit log."),
                  ground: Optional[str] = typer.Option(None, "--ground",
                                             help="For non_disclosure: one of the eight report grounds by code "
                                                  "(process_info), name (属于四类过程性信息) or article "
                                                  "(条例第十六条第二款), or a negative-list entry id of the document."),
                  reviewer: Optional[str] = REVIEWER,
                  expect_state: Optional[int] = typer.Option(None, "--expect-state",
                                                             help="Refuse if the document's state changed since `review show` printed this number."),
                  override: bool = typer.Option(False, "--override", help="Change another reviewer's decision.")) -> None:
    """Decide a document's attribute (an identical decision by another reviewer is a confirmation).

    不予公开 needs --ground and --reason. Disclosing a document with flagged hits needs --reason.
    --expect-state N refuses the decision if the document changed since `review show` printed
    state N; --override is needed to change another reviewer's decision.
    """
    from gongkai.pipeline.review import decide, parse_attribute, reviewer_name

    who = reviewer_name(reviewer)
    attribute = parse_attribute(attribute)
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
                     reason: str = typer.Option(..., "--reason", help="Why: recorded in the audit log."), reviewer: Optional[str] = REVIEWER) -> None:
    """Mark a hit as not personal data (e.g. a public office number): publish leaves it unmasked."""
    from gongkai.pipeline.review import clear_hit, reviewer_name

    clear_hit(_db(db), hit_id, reviewer_name(reviewer), reason)
    typer.echo(f"hit {hit_id}: marked as not personal data")


def review_keep(item_id: int = typer.Argument(..., help="A superseded document's id."), db: Path = DB,
                reason: str = typer.Option(..., "--reason", help="Why: recorded in the audit log."),
                reviewer: Optional[str] = REVIEWER) -> None:
    """Keep a superseded document (its file changed since): publish treats it as any other again."""
    from gongkai.pipeline.review import reviewer_name
    from gongkai.pipeline.superseded import keep

    keep(_db(db), item_id, reviewer_name(reviewer), reason)
    typer.echo(f"document {item_id}: kept (it will be published with its own decision)")


def review_history(item_id: int = typer.Argument(...), db: Path = DB,
                   as_json: bool = typer.Option(False, "--json", help="Machine-readable output (machine keys, times in UTC).")) -> None:
    """The audit log of one document."""
    from rich.table import Table

    from gongkai.cli import console
    from gongkai.pipeline.review import history

    rows = history(_db(db), item_id)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"document {item_id}: audit log (local time; --json: UTC)")
    for col in ("#", "when", "who", "action", "from → to", "ground", "reason", "model / list"):
        table.add_column(col, overflow="fold")
    for r in rows:
        who = r["reviewer"] if r.get("account") in (None, r["reviewer"]) else f"{r['reviewer']} (OS account {r['account']})"
        table.add_row(str(r["id"]), _shown_in_local_time(r["at"]), who, r["action"],
                      f"{r['from_attribute'] or ''} → {r['to_attribute'] or ''}", r["ground"] or "",
                      r["reason"] or "", f"{r['model_version'] or ''} / {(r['negative_list_version'] or '')[:12]}")
    console().print(table)


def publish(db: Path = DB, batch: str = typer.Option(..., "--batch", help="The batch to publish."),
            out: Path = typer.Option(..., "--out", help="The publication database (SQLite)."),
            masking: Optional[Path] = typer.Option(None, "--masking",
                                                   help="A TOML file with a [masking] table (default: docs/publication-schema.md)."),
            index_prefix: str = typer.Option("GK", "--index-prefix",
                                             help="索引号 prefix for documents that state none: PREFIX/YEAR-SERIAL."),
            reviewer: Optional[str] = REVIEWER) -> None:
    """Open the gate: write what may be published, freeze the batch.

    Refuses (exit 1) while any item needing review lacks a final decision, naming the first ten
    and the count; otherwise writes the publication database (docs/publication-schema.md) and
    freezes the batch.
    """
    from rich.table import Table

    from gongkai.cli import console
    from gongkai.pipeline.publish import PublishRefused
    from gongkai.pipeline.publish import publish as run_publish
    from gongkai.pipeline.review import reviewer_name

    from gongkai.pipeline.masking import load_convention

    convention = load_convention(masking) if masking else None  # a bad file is refused before anything is written
    try:
        result = run_publish(_db(db, batch), batch, out, reviewer_name(reviewer), convention, index_prefix)
    except PublishRefused as refused:
        for line in refusal_lines(refused.pending):
            typer.echo(line, err=True)
        typer.echo(f"error: {refused}; publish refused", err=True)
        raise typer.Exit(1)
    table = Table(title=f"published batch {batch} to {out} (frozen)")
    table.add_column("attribute")
    table.add_column("documents", justify="right")
    for key, n in result.counts.items():
        table.add_row(attribute_name(key), str(n))
    console().print(table)
    typer.echo(f"{result.changed} row(s) added, updated or removed; {result.redactions} masked span(s)")


REFUSAL_SHOWN = 10


def refusal_lines(pending: list, shown: int = REFUSAL_SHOWN) -> list[str]:
    """A refused publish names the first few documents still waiting, and how to list them all."""
    lines = [f"  #{item['id']} {item['title'] or Path(item['path']).name} · {st.label} · "
             f"{'; '.join(item['review_reasons'])[:60]}" for item, st in pending[:shown]]
    if len(pending) > shown:
        lines.append(f"  … and {len(pending) - shown} more: `gongkai review list --state pending --all`")
    return [f"{len(pending)} document(s) still need a final review decision, the riskiest first:", *lines]


def batch_reopen(name: str = typer.Argument(...), db: Path = DB, reason: str = typer.Option(..., "--reason"),
                 reviewer: Optional[str] = REVIEWER) -> None:
    """Unfreeze a published batch so its decisions can change (audited)."""
    from gongkai.pipeline.publish import reopen
    from gongkai.pipeline.review import reviewer_name

    reopen(_db(db, name), name, reviewer_name(reviewer), reason)
    typer.echo(f"batch {name} reopened; publish it again to update the publication database")


def audit_verify(db: Path = DB) -> None:
    """Check the audit log's hash chain and every document's seal; name the first broken row."""
    from gongkai import api
    from gongkai.cli import fail

    result = api.audit_verify(_db(db))
    if result.problem:
        fail(f"{db}: {result.problem}")
    typer.echo(f"{db}: audit log intact: {result.rows} row(s), head {result.head[:16]}…; "
               f"{result.documents} document(s) match their seals")


def report(db: Path = DB, batch: Optional[str] = BATCH,
           as_json: bool = typer.Option(False, "--json", help="Machine-readable output (machine keys, times in UTC)."), as_csv: bool = typer.Option(False, "--csv", help="CSV rows: section, key, value."),
           excel: bool = typer.Option(False, "--excel", help="With --csv: UTF-8 with a byte-order mark, as Excel wants.")) -> None:
    """Counts by attribute, ground, reviewer; review times; overrides (for the annual report).

    --csv --excel writes UTF-8 with a byte-order mark for Excel.
    """
    import csv

    from rich.table import Table

    from gongkai.cli import console
    from gongkai.pipeline.report import build_report, report_rows

    rep = build_report(_db(db, batch), batch)
    if as_json:
        typer.echo(json.dumps(rep, ensure_ascii=False, indent=2))
        return
    if as_csv:
        if excel:
            sys.stdout.write("\ufeff")
        writer = csv.writer(sys.stdout)
        writer.writerow(["section", "key", "value"])
        writer.writerows(report_rows(rep))
        return
    table = Table(title=f"report{f' · batch {batch}' if batch else ''}")
    for col in ("section", "key", "value"):
        table.add_column(col)
    for section, key, value in report_rows(rep):
        table.add_row(section, attribute_name(key) if section == "by_attribute" else str(key), str(value))
    console().print(table)
