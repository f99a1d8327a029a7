# The two commands a new user needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The pages' catalogues, compiled from their .po files (setup.py does it for built packages).
LOCALES := src/haechi/web/locales
MO := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po))

.PHONY: demo test lint bench clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D messages -i $< -o $@

# After changing a page's text: extract every _("...") into the template, update both
# catalogues, then write the Korean of each new msgid in ko/LC_MESSAGES/messages.po.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
	  --project haechi --version 0.1 -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel update -D messages -i $(LOCALES)/messages.pot -d $(LOCALES) \
	  --no-fuzzy-matching --ignore-obsolete

# The whole flow in ./haechi-data/demo; it waits for Enter at the end only when stdin is a
# terminal (CI runs `make demo </dev/null`).
demo: $(STAMP) $(MO)
	$(BIN)/haechi demo

lint: $(STAMP) $(MO)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy

# One worker per core; a module's tests stay on one worker (they share its browser or server).
# Then, when HAECHI_TEST_DATABASE_URL names a server (`eval "$$(.ci/postgres start)"`), every
# test that can reach a database runs again on PostgreSQL, each on a fresh database: the tests
# whose fixtures reach a temporary home (tests/conftest.py picks them, no list kept here).
test: lint
	$(BIN)/pytest -n auto --dist loadscope
	@if [ -n "$$HAECHI_TEST_DATABASE_URL" ]; then \
	  echo "PostgreSQL pass: every test with a home (tests/conftest.py)"; \
	  $(BIN)/pytest -n auto --dist loadscope --database=postgresql; \
	else \
	  echo "HAECHI_TEST_DATABASE_URL is not set: the PostgreSQL pass is skipped" \
	    "(eval \"\$$(.ci/postgres start)\" starts a server for it)"; \
	fi

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/hashing.py

clean:
	rm -rf $(VENV) haechi-data $(MO)
