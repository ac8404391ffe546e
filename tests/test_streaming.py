"""A batch streams through `classify_batch`: files are found as they are needed and results are
written in chunks and dropped, so memory does not grow with the size of the batch."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from gongkai.pipeline import runner, store
from gongkai.pipeline.batch import classify_batch
from gongkai.pipeline.process import Settings
from tests.helpers import derived_drafts

pytestmark = pytest.mark.slow
FILES = 300                     # several times the write chunk, so holding the batch would show
SAMPLE_EVERY = 10               # counting live objects walks the whole heap: not after every file


@pytest.fixture(scope="module")
def txt_batch(tmp_path_factory) -> Path:
    """300 distinct drafts as UTF-8 TXT, derived from corpus/docs."""
    return derived_drafts(tmp_path_factory, "stream", FILES, lambda index: "txt-utf8")


def live_results() -> int:
    """Documents held by the parent: the workers send each one as a store.Record."""
    return sum(1 for obj in gc.get_objects() if type(obj) is store.Record)


class Probe:
    """on_result callback: samples how many results are alive and how many files were found."""

    def __init__(self, found: list[str]) -> None:
        self.found, self.calls, self.peak_live = found, 0, 0
        self.found_at_first: int | None = None
        self.baseline = live_results()

    def __call__(self) -> None:
        self.calls += 1
        if self.found_at_first is None:
            self.found_at_first = len(self.found)
        if self.calls % SAMPLE_EVERY == 0:
            self.peak_live = max(self.peak_live, live_results() - self.baseline)


def test_results_are_written_and_dropped_in_chunks(txt_batch, tmp_path, monkeypatch):
    found: list[str] = []
    real_discover = runner.discover_entries

    def discover(paths, follow=False):
        for entry in real_discover(paths, follow):
            found.append(entry.path)
            yield entry

    monkeypatch.setattr(runner, "discover_entries", discover)
    probe = Probe(found)
    summary = classify_batch([str(txt_batch)], tmp_path / "s.sqlite", "stream", Settings(), workers=1,
                             on_result=probe)
    assert summary.processed == FILES
    assert store.connect(tmp_path / "s.sqlite").execute("SELECT count(*) FROM items").fetchone()[0] == FILES
    assert probe.calls == FILES
    # At most one open chunk plus what is in flight: far below the 300 documents of the batch.
    assert 0 < probe.peak_live <= runner.WRITE_EVERY + 4
    # The first result arrived while most files were still not even listed: discovery is lazy too.
    assert probe.found_at_first < FILES // 4

