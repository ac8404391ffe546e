"""Small helpers to put documents into a working database through the real store functions."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from gongkai.pipeline import store
from gongkai.pipeline.process import DocumentResult
from gongkai.records import HeaderFields, Hit, ParsedDoc, Proposal


def add_item(db, batch: str, text: str, *, proposed: str | None = "proactive", needs_review: bool = True,
             hits: list[Hit] = (), fields: HeaderFields | None = None, status: str = "ok") -> int:
    """Write one document as `classify` would and return its id."""
    store.ensure_batch(db, batch)
    sha = hashlib.sha256(f"{batch}:{text}".encode()).hexdigest()
    result = DocumentResult(
        path=f"/inbox/{sha[:8]}.txt", sha256=sha, size=len(text.encode()),
        parsed=ParsedDoc(format="txt", status=status, text=text, encoding="utf-8"),
        fields=fields or HeaderFields(title=text[:20]), hits=list(hits),
        proposal=Proposal(proposed, 0.9, needs_review, ["test"] if needs_review else []),
        model_version="m1", negative_list_version="n1")
    store.write_results(db, batch, [store.to_record(result)])
    return db.execute("SELECT id FROM items WHERE sha256 = ?", [sha]).fetchone()[0]


def mark(kind: str, text: str, start: int = 0) -> Hit:
    return Hit(kind=kind, rule_id=f"{kind}.test", text=text, start=start, end=start + len(text),
               ground="条例第十四条", severity="high")


def derived_drafts(tmp_path_factory, name: str, count: int, fmt_of: Callable[[int], str]) -> Path:
    """`count` drafts derived from corpus/docs as the benchmark derives them, document i written in
    format fmt_of(i) (benchmarks.corpus); skips the test when corpus/docs holds no drafts."""
    from benchmarks.corpus import CORPUS, document_text, load_source, write_document

    if not any(CORPUS.glob("*.txt")):
        pytest.skip("corpus/docs has no drafts to derive documents from")
    folder = tmp_path_factory.mktemp(name)
    source = load_source()
    for index in range(count):
        write_document(folder, index, document_text(source, index), fmt_of(index))
    return folder



def run_as_other_account(*args: str, check: bool = True):
    """Run `gongkai ARGS` as a second OS account (`nobody`), for four eyes. Skips where that is impossible."""
    import os
    import subprocess

    proc = subprocess.run(other_account_argv(*args), capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "250"})
    if check and proc.returncode != 0:
        raise AssertionError(f"gongkai {' '.join(args)} (as a second account) failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def other_account_argv(*args: str) -> list[str]:
    """The command line of `gongkai ARGS` as a second OS account (`nobody`). Only root can start a process
    as another account; it keeps the right to read and write files (the interpreter may live under /root),
    so the account differs and nothing else does. Skips elsewhere."""
    import os
    import pwd
    import shutil

    from tests.test_cli_batch import GONGKAI

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("four eyes need a second OS account: run the tests as root (with setpriv) to start one")
    try:
        uid = pwd.getpwnam("nobody").pw_uid
    except KeyError:
        pytest.skip("no `nobody` account to act as the second reviewer")
    for db in (Path(a) for a in args if a.endswith(".sqlite")):      # typer checks access() as the account
        for path in (db, *db.parent.glob(db.name + "-*")):
            path.chmod(0o666)
    caps = "+dac_override,+dac_read_search"
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", f"--inh-caps={caps}",
            f"--ambient-caps={caps}", GONGKAI, *args]


def old_schema_database(path: Path, steps: int):
    """A working database as an older gongkai left it: the first `steps` migrations and batch `b`.

    Returns the open sqlite3 connection; the test adds its rows, the version row, and commits."""
    import sqlite3

    conn = sqlite3.connect(path)
    for step in store.MIGRATIONS[:steps]:
        conn.executescript(step)
    conn.execute("INSERT INTO batches (name, created_at) VALUES ('b', '2026-11-01T00:00:00+00:00')")
    return conn
