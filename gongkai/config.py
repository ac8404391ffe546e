"""Limits and settings shared by the stages (documented in docs/limits.md)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Defences against huge and hostile files. Every limit names itself in the error it causes."""

    max_file_bytes: int = 100 * 2**20        # larger inputs are `error: too large`
    max_unpacked_bytes: int = 200 * 2**20    # total uncompressed size of a .docx/.ofd package
    max_member_ratio: int = 100              # compression ratio of one zip member (zip bombs)
    max_members: int = 5000                  # members in one package
    file_timeout_s: float = 60.0             # wall time for one file's parse; the worker is killed after it
    max_pages: int = 2000                    # pages read from one PDF/OFD


DEFAULT_LIMITS = Limits()
