"""Shared fixtures. Data under ../shared comes from other authors: read in place, never copied."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with a one-line reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/{'/'.join(parts)} is not present (a user's clone has no shared data)")
    return path


def shared_files(*parts: str, pattern: str = "*") -> list[Path]:
    """Files under a ../shared folder, for parametrising; empty when the folder is absent."""
    folder = SHARED.joinpath(*parts)
    return sorted(p for p in folder.glob(pattern) if p.is_file()) if folder.is_dir() else []


@pytest.fixture
def open_tmp():
    """A temporary folder a second OS account can reach (pytest's tmp_path is private to its user), for
    tests where two people work on one database (tests.helpers.run_as_other_account)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="gongkai-test-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
