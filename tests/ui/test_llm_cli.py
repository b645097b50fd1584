"""`cited ask --llm URL` end to end in a subprocess, against a scripted OpenAI-compatible server
(a real HTTP server): checked sentences in the text and the JSON, and the fallback when the
server is down. The real model and index."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from eval.server import ROOT, child_environment
from tests.scripted_llm import ScriptedLlm

QUESTION = "Who leads Pakistan's caretaker government?"


def ask(index, *extra):
    return subprocess.run([sys.executable, "-m", "ui.cli", "ask", QUESTION, "--index", str(index), *extra],
                          cwd=ROOT, env=child_environment(), capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_ask_with_an_llm_prints_each_sentence_checked(article_settings):
    with ScriptedLlm("The caretaker government is led by Anwar-ul-Haq Kakar [1]. It has 40 ministers [1].") as llm:
        text = ask(article_settings.index_dir, "--llm", llm.url)
        as_json = ask(article_settings.index_dir, "--llm", llm.url, "--json")
        removed = ask(article_settings.index_dir, "--llm", llm.url, "--llm-unsupported", "remove")
    assert text.returncode == 0, text.stderr
    assert "✓ The caretaker government is led by Anwar-ul-Haq Kakar [1]." in text.stdout
    assert "? It has 40 ministers [1].  (unsupported: 40 is not in the cited passage)" in text.stdout
    out = json.loads(as_json.stdout)
    assert out["writer"] == "llm" and [s["supported"] for s in out["written"]["sentences"]] == [True, False]
    assert "40 ministers" not in removed.stdout and "1 sentence the article does not support removed" in removed.stdout


@pytest.mark.slow
def test_with_the_server_down_the_extractive_answer_comes_with_a_notice(article_settings):
    run = ask(article_settings.index_dir, "--llm", "http://127.0.0.1:9/v1")
    assert run.returncode == 0
    assert run.stdout.startswith("note: The LLM at http://127.0.0.1:9/v1 did not answer (nothing is listening there: connection refused)")
    assert "Kakar" in run.stdout


def test_a_bad_llm_url_is_a_one_line_error(article_settings, capsys):
    from ui.cli import main

    assert main(["ask", QUESTION, "--index", str(article_settings.index_dir), "--llm", "localhost:11434"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --llm must be the http(s) URL") and err.count("\n") == 1


def test_the_openai_endpoint_passes_on_only_supported_sentences(article_settings, real_embedder):
    from dataclasses import replace

    from cited.library import Library
    from ui.openai_api import completion, completion_chunks

    with ScriptedLlm("The caretaker government is led by Anwar-ul-Haq Kakar [1]. It has 40 ministers [1].") as llm:
        library = Library(replace(article_settings, llm=llm.url), real_embedder)
        body = {"messages": [{"role": "user", "content": QUESTION}]}
        whole = completion(library, body)
        chunks = list(completion_chunks(library, body))
    assert whole["choices"][0]["message"]["content"] == "The caretaker government is led by Anwar-ul-Haq Kakar [1]."
    assert whole["cited"]["written"]["sentences"][1]["supported"] is False
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert streamed == whole["choices"][0]["message"]["content"]
