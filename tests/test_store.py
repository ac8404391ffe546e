"""The working database: creation, migration, refusal of newer or foreign databases."""
from __future__ import annotations

import sqlite3

import pytest

from gongkai.pipeline import store
from tests.helpers import old_schema_database


def test_new_database_has_current_schema_and_wal(tmp_path):
    db = store.connect(tmp_path / "w.sqlite")
    assert store.schema_version(db) == store.SCHEMA_VERSION
    assert db.journal_mode == "wal"
    assert {"items", "hits", "audit", "leases", "batches"} <= set(db.table_names())


def test_version_1_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(store.MIGRATIONS[0])
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO batches VALUES ('2025-01', '2025-01-01', 0, NULL)")
    conn.commit()
    conn.close()
    db = store.connect(path)
    assert store.schema_version(db) == store.SCHEMA_VERSION
    assert "audit" in db.table_names()
    assert db.execute("SELECT name FROM batches").fetchall() == [("2025-01",)]


def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "new.sqlite"
    store.connect(path).execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(store.SchemaError, match="schema version 99 is newer"):
        store.connect(path)


def test_foreign_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(store.SchemaError, match="not a gongkai database"):
        store.connect(path)


def test_missing_database_is_refused_when_not_creating(tmp_path):
    with pytest.raises(store.SchemaError, match="no such database"):
        store.connect(tmp_path / "absent.sqlite", create=False)


def test_version_4_database_gets_the_indexes_and_keeps_its_audit_chain(tmp_path):
    # schema 4 as the publish work left it: the audit chained and every document sealed, no indexes
    from gongkai import api

    path = tmp_path / "v4.sqlite"
    conn = old_schema_database(path, 3)
    conn.execute("INSERT INTO items (batch, sha256, path, status, processed_at, text, needs_review, "
                 "proposed_attribute) VALUES ('b', 'aa', '/x.txt', 'ok', '2026-11-01T00:00:00+00:00', '通知', 1, "
                 "'proactive')")
    conn.execute("INSERT INTO audit (item_id, batch, action, reviewer, at, to_attribute) "
                 "VALUES (1, 'b', 'decide', '王敏', '2026-11-02T00:00:00+00:00', 'proactive')")
    store.MIGRATIONS[3](conn)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '4')")
    conn.commit()
    conn.close()
    db = store.connect(path)
    assert store.schema_version(db) == store.SCHEMA_VERSION == 7
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"items_batch_id", "items_review", "items_queue", "items_fold", "audit_action", "leases_expiry"} <= indexes
    check = api.audit_verify(db)
    assert check.problem is None and check.rows == 2 and check.documents == 1   # the decision and the seal
    assert db.execute("SELECT reviewer, to_attribute FROM audit WHERE action = 'decide'").fetchall() == [
        ("王敏", "proactive")]
