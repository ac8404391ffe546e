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

Rendering is done once per item, when classify writes it (store_fragments, table
item_json): the line with a gap for each key that changes after classify (FILLED).
Export reads the fragments and fills the gaps; an item without one is rendered as
above when exported.
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
_STORED = "id, (SELECT CAST(fragment AS BLOB) FROM item_json WHERE item_id = items.id)"   # UTF-8 as stored
# what may change after classify, in export.KEYS order: a fragment holds a gap for each
FILLED = ("final_attribute", "final_ground", "paths", "superseded_by")
_GAP = b"\x01"         # a control character: json_quote and json.dumps escape it in every value
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
    return (line.decode() for line in encoded_lines(db, batch, chunk))


def encoded_lines(db, batch: str | None, chunk: int = export.CHUNK) -> Iterator[bytes]:
    """The export's JSON lines in UTF-8: the fragments are copied as SQLite stores them, never
    decoded into Python text and encoded again (54 MB for 20,000 documents)."""
    if not quoting_matches(db):
        yield from ((_DUMPS(rec) + "\n").encode() for rec in export.records(db, batch, chunk))
        return
    # the columns after a row's text sit behind its overflow pages: mapped, SQLite walks them in place
    db.execute(f"PRAGMA mmap_size = {1 << 30}")
    for rows in export.pages(db, _STORED, batch, chunk):
        joined = _joined(db, [r[0] for r in rows])
        made = {item_id: fragment.encode() for item_id, fragment in
                fragments(db, [item_id for item_id, fragment in rows if fragment is None]) if fragment is not None}
        for item_id, fragment in rows:
            fragment = fragment if fragment is not None else made.get(item_id)
            yield (_fill(fragment, item_id, joined) if fragment is not None
                   else (_DUMPS(_record(db, item_id)) + "\n").encode())


def store_fragments(db, ids: list[int]) -> None:
    """Keep the fixed part of these items' lines (item_json): `classify` writes an item and its
    hits once and nothing changes them after, so export only fills in the review state, paths and
    successor. Nothing is kept where this SQLite quotes otherwise than json.dumps: export renders
    those items whole, as it does items from before schema 7 that have no fragment."""
    if ids and quoting_matches(db):
        db.conn.executemany("INSERT OR REPLACE INTO item_json (item_id, fragment) VALUES (?, ?)",
                            [row for row in fragments(db, ids) if row[1] is not None])


def fragments(db, ids: list[int]) -> list[tuple[int, str | None]]:
    """Each item's line with a gap for each key export fills in (FILLED); None where SQLite cannot
    render one of its hits exactly."""
    out = []
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        hits = _hits(db, part)
        for row in db.execute(f"SELECT {_COLUMNS} FROM items WHERE id IN ({', '.join('?' * len(part))}) ORDER BY id",
                              part):
            out.append((row[0], _fragment(row, hits.get(row[0], ()))))
    return out


def _hits(db, ids: list[int]) -> dict[int, list]:
    """By item: its hits as JSON, in export order (None where SQLite could not write one)."""
    hits: dict[int, list] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        for item_id, hit in db.execute(f'SELECT item_id, {_HIT} FROM hits WHERE item_id IN '
                                       f'({", ".join("?" * len(part))}) ORDER BY item_id, start, "end", id', part):
            hits.setdefault(item_id, []).append(hit)
    return hits


def _joined(db, ids: list[int]) -> dict[str, dict]:
    """By item: its paths, successor, final attribute and ground (JSON)."""
    from gongkai.pipeline.review import final_states
    from gongkai.pipeline.superseded import superseded_by

    finals = {i: (_scalar(state.final_attribute).encode(), _scalar(state.final_ground).encode())
              for i, state in final_states(db, ids).items()}
    return {"paths": store.paths_for(db, ids), "newer": superseded_by(db, ids), "finals": finals}


def _fragment(row: tuple, hits) -> str | None:
    if None in hits:
        return None
    values = list(row[1:])
    values[_AT["id"]] = str(row[0])
    for at in _NUMBER_AT:
        values[at] = _scalar(values[at])
    for at in _FLAG_AT:
        flag = values[at]
        values[at] = "null" if flag is None else "true" if flag else "false"
    values[_AT["hits"]] = "[" + ", ".join(hits) + "]"
    for key in FILLED:
        values[_AT[key]] = _GAP.decode()
    parts = _PARTS.copy()
    parts[1::2] = values
    return "".join(parts) + "}\n"


def _fill(fragment: bytes, item_id: int, joined: dict[str, dict]) -> bytes:
    head, attribute_to_ground, ground_to_paths, paths_to_successor, tail = fragment.split(_GAP)
    final_attribute, final_ground = joined["finals"][item_id]
    paths = "[" + ", ".join(map(encode_basestring, joined["paths"][item_id])) + "]"
    return b"".join((head, final_attribute, attribute_to_ground, final_ground, ground_to_paths, paths.encode(),
                     paths_to_successor, _scalar(joined["newer"].get(item_id)).encode(), tail))


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
