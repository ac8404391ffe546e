"""Ingest: find the files of a batch, hash them, and parse each into text.

`parse(data, name)` never raises: whatever goes wrong becomes a ParsedDoc with
status `error` or `unreadable` and a one-line reason naming the cause.
"""
from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from gongkai.config import DEFAULT_LIMITS, Limits
from gongkai.records import ERROR, ParsedDoc


def discover(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Every non-hidden regular file under the given files and folders, recursively, in a stable order
    (links inside folders, FIFOs, devices and unlistable folders left out: see files.discover_entries)."""
    from .files import discover_entries

    for found in discover_entries(paths):
        if found.problem is None:
            yield Path(found.path)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse(data: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> ParsedDoc:
    """Parse one file's bytes; `name` supplies the extension. Never raises."""
    from . import dispatch  # noqa: PLC0415 — parsers import heavy libraries lazily

    deadline = time.monotonic() + limits.file_timeout_s
    try:
        return dispatch.parse_bytes(data, name, limits, deadline)
    except MemoryError:     # the worker's memory ceiling (config.Limits.max_memory_bytes)
        from .errors import memory_reason

        return ParsedDoc(format=Path(name).suffix.lstrip(".").lower() or "unknown", status=ERROR,
                         error=memory_reason(limits.max_memory_bytes))
    except Exception as exc:  # a parser bug must not stop the batch
        return ParsedDoc(format=Path(name).suffix.lstrip(".").lower() or "unknown", status=ERROR,
                         error=f"parser failed: {type(exc).__name__}: {exc}".splitlines()[0][:300])
