"""`pip install .` as a user does it: a wheel, built from the sources and installed into a fresh
virtual environment, classifies with the shipped model (package data), from outside the clone."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.builders import make_txt
from tests.conftest import REPO
from tests.test_cli_batch import NOTICE, REQUEST

pytestmark = pytest.mark.slow
SOURCES = ("pyproject.toml", "README.md", "gongkai", "models")


def sh(*args, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, args))}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with only the wheel installed; the dependencies (spaCy …) are borrowed from the
    test environment through a .pth line, so the test needs no network and no second spaCy."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:  # a copy: building writes build/ and *.egg-info next to the sources
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(
            REPO / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if (REPO / name).is_dir() else {}))
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp / "dist", src)
    wheel = next((tmp / "dist").glob("gongkai-*.whl"))
    venv = tmp / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv)
    sh(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps", "--quiet", wheel)
    purelib = Path(sh(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                   .stdout.strip())
    (purelib / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_the_wheel_carries_the_model_and_classifies_with_it(installed, tmp_path):
    where = sh(installed / "bin" / "python", "-c",
               "from gongkai.pipeline.classify.model import default_model_path; print(default_model_path())",
               cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(installed) and (Path(where) / "config.cfg").exists()
    box = tmp_path / "inbox"
    box.mkdir()
    make_txt(box / "notice.txt", NOTICE, "utf-8")
    make_txt(box / "request.txt", REQUEST, "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "GONGKAI_MODEL"}
    gongkai = installed / "bin" / "gongkai"
    assert sh(gongkai, "--version", cwd=tmp_path, env=env).stdout.startswith("gongkai 0.")
    sh(gongkai, "classify", box, "--db", tmp_path / "w.sqlite", "--batch", "b", "--workers", "1", cwd=tmp_path, env=env)
    rows = [json.loads(line) for line in sh(gongkai, "export", "--db", tmp_path / "w.sqlite", cwd=tmp_path,
                                            env=env).stdout.splitlines()]
    shipped = json.loads((REPO / "models" / "default" / "gongkai.json").read_text(encoding="utf-8"))
    assert {r["model_version"] for r in rows} == {shipped["version"]}
    by_name = {Path(r["path"]).name: r for r in rows}
    assert by_name["notice.txt"]["proposed_attribute"] == "proactive"
    assert by_name["notice.txt"]["confidence"] > 0.5
