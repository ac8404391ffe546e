# gongkai — everything a new user or CI needs goes through these targets.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench clean legacy-formats

install: $(STAMP)

# Reinstall only when the package metadata changes; pip itself is idempotent too.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	rm -f demo.sqlite demo-publication.sqlite
	$(BIN)/gongkai classify examples/ --db demo.sqlite --batch demo
	$(BIN)/gongkai review list --db demo.sqlite --batch demo

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m benchmarks.run

# Optional: a converter for Word 97-2003 (.doc) and WPS (.wps) files.
legacy-formats:
	apt-get install -y --no-install-recommends libreoffice-writer-nogui || apt-get install -y --no-install-recommends libreoffice-writer

clean:
	rm -rf $(VENV) demo.sqlite demo-publication.sqlite
