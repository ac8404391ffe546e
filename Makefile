# gongkai — everything a new user or CI needs goes through these targets.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install install-ray demo test test-fast lint docs bench bench-ray bench-font cjk-font clean legacy-formats

install: $(STAMP) cjk-font

# Reinstall only when the package metadata changes; pip itself is idempotent too.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Optional: Ray, for `classify --engine ray` (make test then runs the Ray tests too).
install-ray: install
	$(BIN)/pip install --quiet -e '.[test,ray]'

demo: install
	rm -f demo.sqlite demo-publication.sqlite
	$(BIN)/gongkai classify examples/ --db demo.sqlite --batch demo
	$(BIN)/gongkai review list --db demo.sqlite --batch demo
	@echo "gongkai is installed in $(CURDIR)/$(BIN): run 'source $(BIN)/activate' (or add $(CURDIR)/$(BIN) to PATH) to type plain 'gongkai'"

# Everything: the linter, then every test (the slow end-to-end ones too). CI runs this.
test: install lint
	$(BIN)/python -m pytest -q

# A developer's inner loop: the tests not marked slow (no subprocess end-to-end runs, no training, no wheel).
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check .

# docs/cli.md is generated from the CLI itself (tests/test_docs.py fails when it is stale).
docs: install
	$(BIN)/python tools/cli_docs.py > docs/cli.md

bench: install bench-font
	$(BIN)/python -m benchmarks.run

# Ray on a local two-node cluster (127.0.0.1) against the local pool; not part of make bench.
bench-ray: install-ray bench-font
	$(BIN)/python -m benchmarks.ray_bench

# The benchmark's PDFs embed a Song font as real 公文 do, and the OCR tests typeset their synthetic
# scans with it; without it benchmark PDFs fall back to a non-embedded standard font (see
# benchmarks/README.md) and the OCR accuracy tests skip. Best effort: needs apt and root.
cjk-font:
	@test -f /usr/share/fonts/truetype/arphic/uming.ttc || apt-get install -y -qq fonts-arphic-uming >/dev/null 2>&1 || \
		echo "note: fonts-arphic-uming not installed; OCR tests on synthetic scans skip, benchmark PDFs use a non-embedded font"

bench-font: cjk-font

# Optional: a converter for Word 97-2003 (.doc) and WPS (.wps) files.
legacy-formats:
	apt-get install -y --no-install-recommends libreoffice-writer-nogui || apt-get install -y --no-install-recommends libreoffice-writer

clean:
	rm -rf $(VENV) demo.sqlite demo-publication.sqlite
