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
    """Every non-hidden file under the given files and folders, recursively, in a stable order."""
    for root in paths:
        root = Path(root)
        if root.is_file():
            yield root
            continue
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: no such file or folder")
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if not name.startswith("."):
                    yield Path(dirpath) / name


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse(data: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> ParsedDoc:
    """Parse one file's bytes; `name` supplies the extension. Never raises."""
    from . import dispatch  # noqa: PLC0415 — parsers import heavy libraries lazily

    deadline = time.monotonic() + limits.file_timeout_s
    try:
        return dispatch.parse_bytes(data, name, limits, deadline)
    except Exception as exc:  # a parser bug must not stop the batch
        return ParsedDoc(format=Path(name).suffix.lstrip(".").lower() or "unknown", status=ERROR,
                         error=f"parser failed: {type(exc).__name__}: {exc}".splitlines()[0][:300])
