"""The export's JSON lines, written mostly by SQLite: byte for byte what
`json.dumps(record, ensure_ascii=False)` writes for export.records, in less than half the time.

Decoding 20,000 records into Python objects and encoding them again took seconds
(benchmarks/cli_reads.py). Here SQLite quotes the text columns and renders each
hit (its json_quote escapes what json.dumps escapes: `quoting_matches` checks it
on every run, else the records are encoded by json), list columns are copied as
stored (store.to_record, their only writer, wrote them with json.dumps), and
Python writes the rest — the review state, paths, and the numbers, since SQLite
writes a real with 15 digits where json.dumps writes its repr. A hit SQLite
cannot render exactly (a position that is no integer) comes out as NULL, and that
item's line is encoded from export.records instead.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from json.encoder import encode_basestring

from gongkai.pipeline import export, store

_DUMPS = json.JSONEncoder(ensure_ascii=False).encode
_PROBE = "".join(map(chr, range(0x100))) + "\u2028\u2029\ufeff\uffff\U0001f600\U0010ffff"
_NUMBERS = ("pages", "chars", "confidence", "ocr_confidence", "ocr_min_confidence")
_FLAGS = ("needs_review", "ocr")
# a line: each key, then its value (the columns below, in export.KEYS order); the values go in between
_PARTS = [part for n, k in enumerate(export.KEYS) for part in (("{" if n == 0 else ", ") + json.dumps(k) + ": ", "")]
_HIT = ("'{\"kind\": ' || json_quote(kind) || ', \"rule_id\": ' || json_quote(rule_id) || ', \"text\": ' || "
        "json_quote(text) || ', \"start\": ' || iif(typeof(start) = 'integer', start, NULL) || ', \"end\": ' || "
        "iif(typeof(\"end\") = 'integer', \"end\", NULL) || ', \"ground\": ' || json_quote(ground) || "
        "', \"severity\": ' || json_quote(severity) || '}'")


def _column(key: str) -> str:
    if key in export.JOINED:
        return "NULL"                                  # filled in by Python
    if key in store.LIST_COLUMNS or key in _NUMBERS or key in _FLAGS or key == "id":
        return f'"{key}"'
    return f'json_quote("{key}")'                      # a TEXT column: text or NULL


_COLUMNS = ", ".join(["id", *map(_column, export.KEYS)])    # the id first: export.pages pages by it
_AT = {k: i for i, k in enumerate(export.KEYS)}
_NUMBER_AT = tuple(_AT[k] for k in _NUMBERS)
_FLAG_AT = tuple(_AT[k] for k in _FLAGS)


def quoting_matches(db) -> bool:
    """Whether this SQLite's json_quote writes strings as json.dumps does (every ASCII and Latin-1
    character, the line separators, the byte-order mark, beyond the BMP); False without json_quote."""
    try:
        return db.execute("SELECT json_quote(?)", [_PROBE]).fetchone()[0] == _DUMPS(_PROBE)
    except sqlite3.OperationalError:       # an SQLite built without its JSON functions
        return False


def lines(db, batch: str | None, chunk: int = export.CHUNK) -> Iterator[str]:
    """The export's JSON lines (newline included), items in id order."""
    if not quoting_matches(db):
        yield from (_DUMPS(rec) + "\n" for rec in export.records(db, batch, chunk))
        return
    # the columns after a row's text sit behind its overflow pages: mapped, SQLite walks them in place
    db.execute(f"PRAGMA mmap_size = {1 << 30}")
    for rows in export.pages(db, _COLUMNS, batch, chunk):
        joined = _joined(db, [r[0] for r in rows])
        for row in rows:
            line = _line(row, joined)
            yield line if line is not None else _DUMPS(_record(db, row[0])) + "\n"


def _joined(db, ids: list[int]) -> dict[str, dict]:
    """By item: its hits (JSON each; None where SQLite could not write one), paths, successor,
    final attribute and ground (JSON)."""
    from gongkai.pipeline.review import final_states
    from gongkai.pipeline.superseded import superseded_by

    hits: dict[int, list] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        for item_id, hit in db.execute(f'SELECT item_id, {_HIT} FROM hits WHERE item_id IN '
                                       f'({", ".join("?" * len(part))}) ORDER BY item_id, start, "end", id', part):
            hits.setdefault(item_id, []).append(hit)
    finals = {i: (_scalar(state.final_attribute), _scalar(state.final_ground))
              for i, state in final_states(db, ids).items()}
    return {"hits": hits, "paths": store.paths_for(db, ids), "newer": superseded_by(db, ids), "finals": finals}


def _line(row: tuple, joined: dict[str, dict]) -> str | None:
    item_id = row[0]
    hits = joined["hits"].get(item_id, ())
    if None in hits:
        return None
    values = list(row[1:])
    values[_AT["id"]] = str(item_id)
    for at in _NUMBER_AT:
        values[at] = _scalar(values[at])
    for at in _FLAG_AT:
        flag = values[at]
        values[at] = "null" if flag is None else "true" if flag else "false"
    values[_AT["hits"]] = "[" + ", ".join(hits) + "]"
    values[_AT["final_attribute"]], values[_AT["final_ground"]] = joined["finals"][item_id]
    values[_AT["paths"]] = "[" + ", ".join(map(encode_basestring, joined["paths"][item_id])) + "]"
    values[_AT["superseded_by"]] = _scalar(joined["newer"].get(item_id))
    parts = _PARTS.copy()
    parts[1::2] = values
    return "".join(parts) + "}\n"


def _scalar(value) -> str:
    """A value as json.dumps writes it."""
    if value is None:
        return "null"
    kind = value.__class__
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float and value - value == 0:       # finite
        return float.__repr__(value)
    return _DUMPS(value)


def _record(db, item_id: int) -> dict:
    columns = ", ".join(f'"{k}"' for k in export.ITEM_KEYS)
    row = db.execute(f"SELECT {columns} FROM items WHERE id = ?", [item_id]).fetchone()
    return next(export.complete(db, [store.decode_item(dict(zip(export.ITEM_KEYS, row)))]))
