# Every target installs what it needs into .venv first (a fresh clone needs only python3).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The environment is installed under the project's one lock (make lock writes it).
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
PYTEST_WORKERS ?= 2

.PHONY: install run serve test lint lock browser unit integration e2e smoke build-check clean bench-accuracy bench-speed bench-memory bench-pages bench-ppocr bench-profile bench-purge bench-styles bench-prebuilt

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# SAM CLI in a virtualenv of its own: it pins libraries (boto3, jsonschema, …) that the
# project's own environment must be free to choose.
SAM_VENV ?= .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed-aws-sam-cli
$(SAM_STAMP):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet "aws-sam-cli>=1.140"
	touch $(SAM_STAMP)

## Start the service, analyze samples/letter.png through the API, print its text, stop.
run: $(STAMP)
	$(BIN)/docsafe demo

## The whole service on http://127.0.0.1:$${PORT:-8080} until Ctrl-C.
serve: $(STAMP)
	$(BIN)/docsafe serve

lint: $(STAMP) $(SAM_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python infra/scripts/lock.py --check
	$(BIN)/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-1} $(SAM_VENV)/bin/sam validate --lint --template template.yaml
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-1} $(SAM_VENV)/bin/python infra/scripts/check_translation.py

## Every layer installs for Lambda (python3.12 x86_64 wheels from the pins) and every function
## fits 250 MB unzipped with its layers; installs are cached in .aws-build/.
build-check: $(STAMP)
	$(BIN)/python infra/scripts/check_builds.py

## requirements.lock resolved again from pyproject.toml, and the layers' requirements.txt from
## their requirements.in under it (uv; the layers for python3.12 x86_64).
lock: $(STAMP)
	$(BIN)/python infra/scripts/lock.py

test: lint browser build-check
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

## Headless Chromium and its driver from Debian, for the viewer's browser test.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	command -v chromedriver >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; }

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

## Smoke-test a deployed stack with the Azure client, leaving nothing behind (docs/deploy.md):
## make smoke STACK=name [REGION=eu-west-1].
smoke: $(STAMP)
	@test -n "$(STACK)" || { echo "make smoke needs STACK=<the stack's name> (REGION= if not your default)" >&2; exit 2; }
	$(BIN)/python infra/scripts/smoke.py --stack "$(STACK)" $(if $(REGION),--region "$(REGION)")

clean:
	rm -rf $(VENV) $(SAM_VENV) .pytest_cache .ruff_cache .aws-sam

## OCR accuracy per engine (writes docs/benchmarks.md). Installs Tesseract's command-line
## program and document fonts from Debian when they are missing (needs root).
bench-accuracy: $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,bench]"
	command -v tesseract >/dev/null || { apt-get update -qq && apt-get install -y -qq tesseract-ocr fonts-liberation fonts-dejavu-core >/dev/null; } || echo "no tesseract CLI: the baseline is skipped"
	$(BIN)/python -m bench.accuracy.run

## PP-OCR's own settings (detector size, recognition batch, threads) measured against
## each other (writes docs/benchmarks.md).
bench-ppocr: $(STAMP)
	$(BIN)/python -m bench.accuracy.tuning

## Speed, cold start, latency and sealing figures (writes docs/benchmarks.md).
bench-speed: $(STAMP)
	$(BIN)/python -m bench.speed.run

## Resident memory of the local service on a 30- and a 300-page document.
bench-memory: $(STAMP)
	$(BIN)/python -m bench.speed.memory

## Seconds and peak memory per page for each engine and the policy; the page reader's
## Lambda memory and threads, and the cost of 1,000 pages (writes docs/benchmarks.md).
bench-pages: $(STAMP)
	$(BIN)/python -m bench.speed.pages

## Where the service's own time goes on a 10-page document (py-spy; writes docs/benchmarks.md).
bench-profile: $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,bench]"
	$(BIN)/python -m bench.speed.profile

## How well font styles are estimated on scans (writes docs/benchmarks.md).
bench-styles: $(STAMP)
	$(BIN)/python -m bench.styles.run

## Per-field exact-value accuracy of prebuilt-invoice, -receipt and -idDocument, each embedded engine.
bench-prebuilt: $(STAMP)
	$(BIN)/python -m bench.prebuilt.run

## One purge run against 10,000 expired jobs in moto: time, AWS calls, jobs/s, whether it
## finished; and the fan-out with a network delay per call (writes docs/benchmarks.md).
bench-purge: $(STAMP)
	$(BIN)/python -m bench.purge.run
