# Two commands do all set-up: `make demo` (the offline demo) and `make test` (the test suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: setup demo demo-double test test-fast lint clean-demo

NUMPY_PIN := $(shell sed -n 's/^ *"numpy==\([^"]*\)",.*/\1/p' pyproject.toml)

# GDAL's Python bindings compile against the system libgdal (libgdal-dev: installed here when missing and we are
# root on a Debian-like system, as in CI), after numpy and without build isolation (see pyproject.toml).
$(BIN)/snakemake: pyproject.toml
	@command -v gdal-config >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgdal-dev >/dev/null; \
		else \
			echo "ERROR: GDAL development files are missing: install libgdal-dev (gdal-config), then re-run" >&2; \
			exit 2; \
		fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "numpy==$(NUMPY_PIN)" setuptools wheel
	$(BIN)/pip install --quiet --no-build-isolation --no-cache-dir --force-reinstall --no-deps "gdal==$$(gdal-config --version)"
	@$(BIN)/python -c "from osgeo import gdal_array" 2>/dev/null || { \
		echo "ERROR: GDAL's Python bindings were built without numpy (osgeo.gdal_array is missing): remove $(VENV) and re-run" >&2; \
		exit 2; }
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

setup: $(BIN)/snakemake

# The offline demo: a synthetic Sentinel-1 pair -> validated GUNW. Needs real ISCE2: topsApp.py on PATH (in any
# Python environment: each step finds ISCE2's own interpreter), or conda (then ISCE2 comes from envs/isce2.yaml
# through --sdm conda). Checked first, before minutes of installing.
demo:
	@if command -v topsApp.py >/dev/null 2>&1; then \
		echo "ISCE2 found: $$(command -v topsApp.py)"; \
	elif command -v conda >/dev/null 2>&1 || command -v mamba >/dev/null 2>&1; then \
		echo "ISCE2 not on PATH: using conda (envs/isce2.yaml)"; \
	else \
		echo "ERROR: the demo needs ISCE2 (conda-forge only): install conda/mamba and re-run 'make demo'" >&2; \
		echo "       (it then uses --sdm conda with envs/isce2.yaml), or put ISCE2's topsApp.py on PATH." >&2; \
		echo "       To watch the same DAG without ISCE2, 'make demo-double' runs it through the test double." >&2; \
		exit 2; \
	fi
	@$(MAKE) --no-print-directory setup
	@if command -v topsApp.py >/dev/null 2>&1; then \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --configfile config/demo.yaml --cores $(CORES); \
	else \
		PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --configfile config/demo.yaml --cores $(CORES) --sdm conda; \
	fi

# The same demo DAG through the ISCE2 test double (no real ISCE2; the product is not a science product).
demo-double: setup
	PATH="$(CURDIR)/tests/isce2_double/bin:$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/snakemake --configfile config/demo.yaml --cores $(CORES) --config results_dir=demo/results-double

# The whole suite. As root the SLURM test installs slurm-wlm, munge, slurmdbd and mariadb-server if missing and
# starts their daemons; GUNW_NO_SLURM=1 deselects it (make test GUNW_NO_SLURM=1).
test: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest $(if $(filter 1,$(GUNW_NO_SLURM)),-m "not slurm")

# Unit tests only: no end-to-end Snakemake runs through the ISCE2 double, no SLURM.
test-fast: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m "not e2e and not slurm and not isce2"

lint: setup
	$(BIN)/ruff check scripts tests benchmarks
	$(BIN)/ruff format --check scripts tests benchmarks
	$(BIN)/snakefmt --check Snakefile workflow
	$(BIN)/snakemake --lint

clean-demo:
	rm -rf demo
