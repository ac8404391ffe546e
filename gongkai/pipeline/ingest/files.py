"""Finding and reading the files of a batch without trusting the file system.

Every entry under the given folders becomes a `Found`: a regular file to read,
or a problem that becomes an error row without any read (a symbolic link, a
FIFO, a device, a socket, a folder that cannot be listed). Files are opened
with O_NONBLOCK (and O_NOFOLLOW unless links are followed) and checked with
fstat after opening, so a file swapped for a FIFO or a link between listing and
reading is refused instead of hanging the batch.

Paths stay `str` with the OS's surrogate escapes (a GBK name from a Windows zip
is not valid UTF-8); `raw_path` gives the exact bytes to store, `display_path`
a readable form (each component as UTF-8, else GB18030).
"""
from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

SYMLINK = "symbolic link (not followed; use --follow-symlinks to read what it points to)"
_KINDS = ((stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISCHR, "character device"),
          (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "folder"))
BLOCK = 1 << 20


@dataclass(frozen=True)
class Found:
    path: str                 # as the OS gives it (surrogate escapes for bytes that are not UTF-8)
    problem: str | None       # None: a regular file to read; else the reason of its error row
    size: int = 0


class NotRegularFile(OSError):
    """Opened, but not a regular file (swapped between listing and reading)."""


def discover_entries(roots: Iterable[str | os.PathLike], follow_symlinks: bool = False) -> Iterator[Found]:
    """Every non-hidden entry under the roots, in a stable order (a folder's files, then its folders).

    The roots themselves are followed when they are links (the user named them); links found inside
    are followed only with `follow_symlinks`. A missing root raises FileNotFoundError.
    """
    for root in roots:
        root = os.fspath(root)
        try:
            st = os.stat(root)
        except FileNotFoundError:
            raise FileNotFoundError(f"{display_path(root)}: no such file or folder") from None
        except OSError as exc:
            yield Found(root, f"cannot open: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(root, follow_symlinks, {(st.st_dev, st.st_ino)})
        else:
            yield _classify(root, st)


def _walk(folder: str, follow: bool, seen: set[tuple[int, int]]) -> Iterator[Found]:
    try:
        with os.scandir(folder) as it:
            entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        yield Found(folder, f"cannot list folder: {exc.strerror or exc}")
        return
    folders = []
    for entry in entries:
        found, sub = _entry(entry, follow, seen)
        if sub is not None:
            folders.append(sub)
        elif found is not None:
            yield found
    for sub in folders:
        yield from _walk(sub, follow, seen)


def _entry(entry: os.DirEntry, follow: bool, seen: set) -> tuple[Found | None, str | None]:
    """(a file's Found, None) or (None, a folder to walk); (None, None) for a folder already walked."""
    try:
        if entry.is_symlink() and not follow:
            return Found(entry.path, SYMLINK), None
        st = os.stat(entry.path) if follow else entry.stat(follow_symlinks=False)
    except OSError as exc:
        return Found(entry.path, f"cannot open: {exc.strerror or exc}"), None
    if stat.S_ISDIR(st.st_mode):
        key = (st.st_dev, st.st_ino)
        if key in seen:         # a link back up the tree: walk each folder once
            return None, None
        seen.add(key)
        return None, entry.path
    return _classify(entry.path, st), None


def _classify(path: str, st: os.stat_result) -> Found:
    if stat.S_ISREG(st.st_mode):
        return Found(path, None, st.st_size)
    kind = next((name for test, name in _KINDS if test(st.st_mode)), "special file")
    return Found(path, f"not a regular file ({kind}); not read")


def open_regular(path: str, follow_symlinks: bool = False) -> int:
    """A file descriptor for a regular file; never blocks on a FIFO or device, never follows a
    last-component link unless asked. Raises OSError (NotRegularFile for a swapped file)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((name for test, name in _KINDS if test(mode)), "special file")
        raise NotRegularFile(f"not a regular file ({kind}); not read")
    return fd


def read_file(path: str, follow_symlinks: bool = False) -> bytes:
    fd = open_regular(path, follow_symlinks)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def hash_file(path: str, follow_symlinks: bool = False, timeout_s: float | None = None) -> str:
    """SHA-256 of a regular file read in blocks; TimeoutError past `timeout_s` (a stalled mount)."""
    deadline = time.monotonic() + timeout_s if timeout_s else None
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path, follow_symlinks), "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            digest.update(block)
            if deadline and time.monotonic() > deadline:
                raise TimeoutError(f"hashing took longer than the per-file time limit ({timeout_s:g} s)")
    return digest.hexdigest()


def reason(exc: OSError) -> str:
    """`cannot read: Permission denied`; a swapped file keeps its own message."""
    if isinstance(exc, NotRegularFile):
        return str(exc)
    if getattr(exc, "errno", None) == getattr(os, "ELOOP", -1) or "Too many levels" in str(exc):
        return SYMLINK
    return f"cannot read: {exc.strerror or exc}"


def raw_path(path: str) -> bytes:
    """The absolute path's exact bytes: the lossless identity of a location."""
    return os.fsencode(os.path.abspath(path))


def display_path(path: str | bytes) -> str:
    """A readable path: each component as UTF-8, else GB18030 (Windows zips), else with \\x escapes."""
    raw = os.fsencode(path)
    return "/".join(_component(part) for part in raw.split(b"/"))


def _component(part: bytes) -> str:
    for codec in ("utf-8", "gb18030"):
        try:
            return part.decode(codec)
        except UnicodeDecodeError:
            continue
    return part.decode("utf-8", "backslashreplace")


def path_identity(path: str) -> str:
    """The item identity of a file whose bytes could not be read: SHA-256 of `path:` and its raw
    absolute path (docs/schema.md), stable across runs and distinct from any content hash."""
    return hashlib.sha256(b"path:" + raw_path(path)).hexdigest()
