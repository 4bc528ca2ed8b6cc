# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# PostgreSQL cases of the suite run when this server answers and are skipped otherwise.
export NBA_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# pytest-xdist processes for `make test` (auto: one per core); the 10 slowest tests are listed.
TEST_WORKERS ?= auto

.PHONY: demo test lint bench clean serve browser

# The console's browser tests drive Debian's Chromium through Playwright; they skip without it.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) ; } || \
	  echo "Chromium could not be installed: the browser tests will be skipped"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nba demo

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal --durations=10

bench: $(STAMP)
	$(BIN)/nba bench decide

clean:
	rm -rf $(VENV) .nba build *.egg-info
