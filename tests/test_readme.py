"""The README's session (its ```sh block) runs as written, command by command, from a fresh directory."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def session_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)
    assert blocks, "README.md has no ```sh block"
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_the_readme_session_runs(tmp_path):
    for folder in ("examples", "corpus", "gongkai"):     # the repository's root, without writing into it
        (tmp_path / folder).symlink_to(REPO / folder)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "120"}
    for command in session_commands():
        proc = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    assert (tmp_path / "publication.sqlite").exists()
    assert (tmp_path / "batch.csv").read_bytes().startswith(b"\xef\xbb\xbf")
