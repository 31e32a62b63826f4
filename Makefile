# The README's test command is `make test`: unit tests, then the CI accuracy-regression suite
# and its check against the stored baseline. Tests marked `slow` (the tuned-vs-default
# strength checks, minutes each) run with `make test-slow`, not in CI.
PYTHON ?= python
CI_RUN ?= runs/ci

.PHONY: test unit test-slow regression bless-ci

test: unit regression

unit:
	$(PYTHON) -m pytest -q -m "not slow"

test-slow:
	$(PYTHON) -m pytest -q -m slow

regression:
	rm -rf $(CI_RUN)
	$(PYTHON) -m benchmark run --suite ci --out $(CI_RUN) --no-progress
	$(PYTHON) -m benchmark check $(CI_RUN) --baseline benchmark/regression_baselines/ci.json

# Re-bless the stored CI baseline on purpose (after a deliberate change of numbers).
bless-ci:
	$(PYTHON) -m benchmark check $(CI_RUN) --baseline benchmark/regression_baselines/ci.json --bless
