"""The `gongkai` command: a thin typer app over the pipeline's library functions.

Each command parses options, calls one library function and prints. Heavy
libraries (spaCy, pdfplumber) are imported inside the commands, so
`gongkai --help` starts fast.
"""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Optional

import typer

# rich_markup_mode=None everywhere: help is plain click text, so [brackets] in help survive and long
# option names wrap instead of being cut; usage errors are one line (see run()).
PLAIN = {"rich_markup_mode": None, "pretty_exceptions_enable": False}
app = typer.Typer(help="公开属性认定: classify government documents, review them, publish the rest.",
                  no_args_is_help=True, add_completion=True, **PLAIN)
neglist_app = typer.Typer(help="Check and explain negative lists (负面清单).", no_args_is_help=True, **PLAIN)
app.add_typer(neglist_app, name="negative-list")

STATE = {"verbose": False}
DB = typer.Option(..., "--db", help="The working SQLite database.")


def console(stderr: bool = False):
    from rich.console import Console

    return Console(highlight=False, stderr=stderr)


def fail(message: str, code: int = 1) -> None:
    """One readable line on stderr; the traceback only with --verbose."""
    if STATE["verbose"]:
        import traceback

        traceback.print_exc()
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def guarded(fn):
    """Turn expected failures into one line, unexpected ones into one line plus --verbose hint."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError:
            raise typer.Exit(_pipe_closed()) from None
        except (ValueError, RuntimeError, KeyError, OSError, sqlite3.Error) as exc:   # e.g. database or disk is full
            fail(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        except Exception as exc:  # a bug: still one line, details behind --verbose
            fail(f"{type(exc).__name__}: {exc} (run with --verbose for details)")
    return wrapper


def run(argv: list[str] | None = None) -> None:
    """The `gongkai` executable: a usage error is one line, a closed pipe (`| head`) ends quietly."""
    try:
        from typer._click import exceptions as click   # recent typer vendors its own click: these are its errors
    except ImportError:
        from click import exceptions as click

    try:
        code = app(args=argv, prog_name="gongkai", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help())
        code = 0
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "gongkai"
        typer.echo(f"error: {exc.format_message()} (see `{where} --help`)", err=True)
        code = exc.exit_code
    except click.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        code = exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        code = 1
    except BrokenPipeError:
        code = _pipe_closed()
    sys.exit(code if isinstance(code, int) else 0)


def _pipe_closed() -> int:
    """The reader stopped reading (e.g. `| head`): not an error, so nothing more to say and exit 0.
    Standard output goes to /dev/null so the interpreter's last flush cannot complain either."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"gongkai {version('gongkai')}")
        except PackageNotFoundError:
            typer.echo("gongkai (not installed)")
        raise typer.Exit()


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks on errors."),
         version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    STATE["verbose"] = verbose


@app.command()
@guarded
def classify(
    paths: list[Path] = typer.Argument(..., help="Files and folders (searched recursively)."),
    db: Path = DB,
    batch: str = typer.Option(..., "--batch", help="Batch name, e.g. 2026-11."),
    workers: int = typer.Option(0, "--workers", "-w", help="Worker processes (default: one per core; 0 = cores)."),
    model: Optional[Path] = typer.Option(None, "--model", help="A model folder (default: models/default)."),
    negative_list: list[Path] = typer.Option([], "--negative-list", help="An office negative list (repeatable)."),
    no_default_list: bool = typer.Option(False, "--no-default-negative-list",
                                         help="Use only the --negative-list files, not the shipped default list."),
    follow_symlinks: bool = typer.Option(False, "--follow-symlinks",
                                         help="Read what symbolic links inside the folders point to "
                                              "(default: a link is an error row, never read)."),
    max_memory: str = typer.Option("2G", "--max-memory",
                                   help="Memory ceiling of each worker, e.g. 2G or 1500M; a file needing more "
                                        "is `error: too much memory`."),
    engine: str = typer.Option("local", "--engine", help="local (a pool of worker processes) or ray."),
    address: Optional[str] = typer.Option(None, "--address",
                                          help="With --engine ray: join this cluster (HOST:PORT); default: "
                                               "start a local Ray runtime."),
    shared_fs: bool = typer.Option(False, "--shared-fs", help="With --engine ray: tasks read the paths "
                                   "themselves (every node sees them); default: the driver sends the bytes."),
    in_flight: int = typer.Option(0, "--in-flight", help="With --engine ray: at most this many documents "
                                  "submitted and not yet written (default: 4 per CPU of the cluster)."),
    detector: list[str] = typer.Option([], "--detector", help="An office's own detector, module:factory "
                                       "(repeatable); it runs in every worker, and hits of a kind the policy "
                                       "does not know go to review."),
) -> None:
    """Read, extract, detect and classify every file into the working database.

    Reads every non-hidden file under the paths (folders recursively), one item per distinct SHA-256
    in the batch; a rerun or a resumed run adds only what is missing. Shows a progress bar, then a
    summary table (this run; all items by status, proposed attribute and review need; files that
    could not be read). Without a model (--model, $GONGKAI_MODEL or the shipped one) it stops with one
    line before reading anything.
    """
    import dataclasses
    import os

    if engine not in ("local", "ray"):
        fail(f"--engine must be local or ray, not {engine!r}")
    if engine == "local" and (address or shared_fs or in_flight):
        fail("--address, --shared-fs and --in-flight need --engine ray")
    if engine == "local":
        from gongkai.pipeline.runner import start_forkserver

        start_forkserver()  # first: its imports (spaCy) overlap everything below

    from gongkai import api
    from gongkai.config import DEFAULT_LIMITS, MIN_MEMORY_BYTES, parse_size
    from gongkai.pipeline.detect.negative_list import NegativeListError
    from gongkai.pipeline.ingest.errors import human_size
    from gongkai.pipeline.process import Settings

    if no_default_list and not negative_list:
        fail("--no-default-negative-list needs at least one --negative-list FILE")
    memory = parse_size(max_memory)
    if memory < MIN_MEMORY_BYTES:
        fail(f"--max-memory {max_memory} is below the {human_size(MIN_MEMORY_BYTES)} a worker needs for the model")
    _load_detectors_or_fail(detector)
    settings = Settings(model_path=str(model) if model else None, detectors=tuple(detector),
                        negative_lists=tuple(str(p) for p in negative_list),
                        include_default_list=not no_default_list, follow_symlinks=follow_symlinks,
                        limits=dataclasses.replace(DEFAULT_LIMITS, max_memory_bytes=memory))
    workers = workers or os.cpu_count() or 1
    runner = _ray_engine(address, shared_fs, in_flight, workers) if engine == "ray" else None
    with _progress() as (on_total, on_result):
        try:
            result = api.classify(paths, db, batch, settings, workers=workers,
                                  on_total=on_total, on_result=on_result, engine=runner)
        except NegativeListError as exc:
            _list_refused(exc)
    _print_summary(result.summary, result.counts)


def _list_refused(exc) -> None:
    """A malformed negative list: every problem with its line, then one error line."""
    for problem in exc.problems:
        typer.echo(f"{problem.file or ''}:{problem.line}: {problem.message}", err=True)
    fail(f"negative list refused: {exc}")


def _load_detectors_or_fail(specs: list[str]) -> None:
    """Import the office's detectors once here, so a typo fails before any file is read."""
    from gongkai.pipeline.detect import registry

    try:
        registry.load_external(specs)
    except (ImportError, AttributeError, ValueError) as exc:
        fail(f"--detector: {exc}")


def _ray_engine(address, shared_fs: bool, in_flight: int, workers: int):
    from gongkai.pipeline.engine_ray import RayEngine, RayOptions, import_ray

    import_ray()  # not installed: one line with the install command, before any work
    return RayEngine(RayOptions(address=address, shared_fs=shared_fs, in_flight=in_flight, local_cpus=workers))


def _progress():
    """A progress bar on a terminal (nothing when piped): yields (on_total, on_result) callbacks."""
    import contextlib

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    @contextlib.contextmanager
    def bar():
        with Progress(TextColumn("[bold]classify"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console(), transient=True, disable=not sys.stderr.isatty()) as progress:
            task = progress.add_task("files", total=None)
            yield (lambda total: progress.update(task, total=total)), (lambda: progress.advance(task))
    return bar()


def _print_summary(summary, counts) -> None:
    from rich.table import Table

    from gongkai.records import attribute_name

    out = console()
    run = Table(title=f"batch {summary.batch}: this run", show_header=False)
    for name, value in (("files found", summary.found), ("processed", summary.processed),
                        ("already in batch (skipped)", summary.skipped),
                        ("duplicates of another file", summary.duplicates)):
        run.add_row(name, str(value))
    out.print(run)
    table = Table(title=f"batch {summary.batch}: all items")
    table.add_column("count by")
    table.add_column("value")
    table.add_column("items", justify="right")
    for group, counter in counts.items():
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            table.add_row(group, attribute_name(key), str(n))
    out.print(table)
    if summary.changed:
        changed = Table(title="files changed since the last run (the older item is superseded: not published "
                              "unless kept with `gongkai review keep ID`)")
        for col in ("file", "superseded item", "new item"):
            changed.add_column(col)
        for path, old, new in summary.changed:
            changed.add_row(path, str(old), str(new))
        out.print(changed)
    if summary.problems:
        problems = Table(title="files that could not be read (sent to review)")
        problems.add_column("file")
        problems.add_column("status")
        problems.add_column("reason")
        for path, status, reason in summary.problems:
            problems.add_row(path, status, reason)
        out.print(problems)


@app.command()
@guarded
def export(
    db: Path = DB,
    batch: Optional[str] = typer.Option(None, "--batch", help="Only this batch."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    excel: bool = typer.Option(False, "--excel", help="CSV for Excel: UTF-8 with a byte-order mark."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write here instead of standard output."),
) -> None:
    """Write one record per item (the export contract in docs/schema.md).

    JSON lines by default; --format csv --excel writes UTF-8 with a byte-order mark so that Excel
    shows the Chinese text. --batch must name a batch of the database (else: no such batch).
    """
    from gongkai.pipeline.export import write_csv, write_jsonl
    from gongkai.pipeline.store import connect, require_batch

    if fmt not in ("jsonl", "csv"):
        fail(f"--format must be jsonl or csv, not {fmt!r}")
    if excel and fmt != "csv":
        fail("--excel is for --format csv")
    writer = write_jsonl if fmt == "jsonl" else write_csv
    work = connect(db, create=False)
    require_batch(work, batch)
    if out:
        with out.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as fh:
            n = writer(work, batch, fh)
        typer.echo(f"wrote {n} records to {out}", err=True)
    else:
        if excel:
            sys.stdout.write("\ufeff")
        writer(work, batch, sys.stdout)


@neglist_app.command("check")
@guarded
def neglist_check(file: Path = typer.Argument(..., help="A negative list (TOML).")) -> None:
    """Validate a negative list: every problem with its line number; exit 1 if there is any."""
    from gongkai.pipeline.detect.negative_list import check_negative_list

    problems = check_negative_list(file)
    for p in problems:
        typer.echo(f"{p.file or file}:{p.line}: {p.message}")
    if problems:
        fail(f"{file}: {len(problems)} problem(s)")
    typer.echo(f"{file}: ok")


@neglist_app.command("explain")
@guarded
def neglist_explain(file: Path = typer.Argument(..., help="A negative list (TOML), or 'default'."),
                    docs: list[Path] = typer.Argument(..., help="Documents or folders (any supported format).")) -> None:
    """Show which entries of a list match each document, and where (the match in 【】).

    FILE is a list or `default` (the shipped list); DOCS are documents or folders (recursively).
    Matches an `exclude` phrase cancelled are shown with the phrase. A document that cannot be
    read is named on stderr; exit 1 when none could be read.
    """
    from rich.table import Table

    from gongkai import api
    from gongkai.pipeline.detect.negative_list import NegativeListError

    out = console()
    read = unread = 0
    try:
        for doc in api.explain(file, docs):
            if doc.error:
                typer.echo(f"{doc.path}: not read ({doc.error})", err=True)
                unread += 1
                continue
            read += 1
            out.print(f"{doc.path}: {len(doc.matches)} match(es) of {file}", soft_wrap=True)
            if not doc.matches:
                continue
            table = Table()
            for col in ("entry", "item 事项", "ground 依据", "match in context", "status"):
                table.add_column(col, overflow="fold")
            for m in doc.matches:
                status = f"cancelled by「{m.excluded_by}」" if m.excluded_by else m.entry.severity
                table.add_row(m.entry.id, m.entry.item, m.entry.ground, m.context(doc.text), status)
            out.print(table)
    except NegativeListError as exc:
        _list_refused(exc)
    if unread and not read:
        fail(f"no document could be read ({unread} tried)")


def _register_optional() -> None:
    """Commands that live in their own modules (review, publish, report, train)."""
    from gongkai import cli_model

    from gongkai import cli_review

    cli_model.register(app)
    cli_review.register(app)


_register_optional()

if __name__ == "__main__":
    run()
