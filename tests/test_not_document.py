"""The not-a-document check never fires on a real 公文: every labelled and shared real document."""
from __future__ import annotations

import random

import pytest

from gongkai.pipeline.classify.not_document import cjk_share, is_not_a_document
from gongkai.pipeline.extract import extract_fields
from gongkai.pipeline.ingest import discover, parse
from tests.conftest import REPO, SHARED

FOLDERS = [REPO / "corpus" / "docs", REPO / "examples", SHARED / "real-local" / "docs", SHARED / "real-docs",
           SHARED / "seeds"]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.relative_to(REPO.parent).as_posix())
def test_never_fires_on_real_documents(folder):
    if not folder.is_dir():
        pytest.skip(f"{folder} is not present")
    read, fired = 0, []
    for path in discover([folder]):
        if path.suffix.lower() in (".md", ".csv"):
            continue
        doc = parse(path.read_bytes(), path.name)
        if doc.status != "ok":
            continue
        read += 1
        if is_not_a_document(doc.text, extract_fields(doc.text)):
            fired.append((path.name, round(cjk_share(doc.text), 2)))
    assert read and fired == []


@pytest.mark.parametrize("seed", range(20))
def test_random_ideographs_are_not_a_document(seed):
    rng = random.Random(seed)
    text = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(3000))
    assert cjk_share(text) == 1.0 and is_not_a_document(text, extract_fields(text))
