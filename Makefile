# Two commands from a fresh clone:  `make app` (set up and serve the app), `make test` (set up and run the tests).
VENV      ?= .venv
PY        := $(VENV)/bin/python
HOST      ?= 127.0.0.1
PORT      ?= 8765
export SOLARA_TELEMETRY_MIXPANEL_ENABLE := False

.PHONY: app test test-fast setup lint format bench clean browser assets

# `gpu-alloc app` fills the offline asset cache on its first start, so `make assets` is not needed.
app: $(VENV)/.installed
	$(VENV)/bin/gpu-alloc app --host $(HOST) --port $(PORT)

test: $(VENV)/.installed assets browser
	$(PY) -m pytest

test-fast: $(VENV)/.installed
	$(PY) -m pytest -m "not slow"

setup: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || "$$(.ci/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[app,sweep,test]"
	@touch $@

# Solara's browser assets, fetched once from the npm registry so the app works offline.
assets: $(VENV)/.installed
	$(PY) -m server.assets

# Debian's chromium for the end-to-end tests (needs root and apt-get; skipped politely otherwise).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed: browser tests will skip (install Debian's chromium as root)"; fi; }

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

bench: $(VENV)/.installed
	$(VENV)/bin/gpu-alloc bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
