"""The two ways a parser gives up, each carrying the one-line reason the user sees.

Parsers raise these deep inside their own code; `dispatch` turns them into a
ParsedDoc, so no parser needs to build error records by hand.
"""
from __future__ import annotations

import time


class ParseError(Exception):
    """The file could not be parsed: status `error` (corrupt, encrypted, hostile, too large…)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unreadable(Exception):
    """The file was parsed but holds no usable text: status `unreadable`."""

    def __init__(self, reason: str, pages: int | None = None, meta: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pages = pages
        self.meta = meta or {}


def timeout_reason(seconds: float) -> str:
    return f"took longer than the per-file time limit ({seconds:g} s)"


class DeadlineExceeded(ParseError):
    """Raised between pages when `time.monotonic()` passes the file's deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(timeout_reason(seconds))


def human_size(n: int) -> str:
    """`123 MB`, `1.5 KB`, `900 bytes`: sizes as an error message should show them."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value >= 10 or value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def check_deadline(deadline: float, timeout_s: float) -> None:
    """Called between pages: a slow file stops with a readable error instead of hanging the batch."""
    if time.monotonic() > deadline:
        raise DeadlineExceeded(timeout_s)


def memory_reason(limit_bytes: int) -> str:
    """The row of a file whose parse needed more than the worker's memory ceiling."""
    return f"too much memory: the file needed more than the {human_size(limit_bytes)} per-worker limit (--max-memory)"
