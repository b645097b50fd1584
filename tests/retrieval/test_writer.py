"""The LLM writer against a scripted OpenAI-compatible server (a real HTTP server on loopback,
streaming server-sent events): every reply is checked before it is shown, every failure falls
back to the extractive answer with a one-line notice. The real model, the real index."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cited.library import Library
from retrieval.answer.writer import SYSTEM
from tests.scripted_llm import MODEL, ScriptedLlm

QUESTION = "Who leads Pakistan's caretaker government?"


@pytest.fixture(scope="module")
def server():
    with ScriptedLlm() as s:
        yield s


@pytest.fixture(scope="module")
def library(article_settings, real_embedder, server):
    return Library(replace(article_settings, llm=server.url, llm_timeout=1.5), real_embedder)


def kakar_passage(library) -> int:
    passages = library.ask(QUESTION).passages
    return next(i for i, p in enumerate(passages, 1) if "Kakar" in p.text)


def test_a_correct_answer_streams_and_is_checked(library, server):
    n = kakar_passage(library)
    server.reply = f"The caretaker government is led by Anwar-ul-Haq Kakar [{n}]. The elections take place on February 8, 2024 [{n}]."
    pieces: list[str] = []
    answer = library.ask(QUESTION, on_text=pieces.append)
    assert len(pieces) > 2 and "".join(pieces) == server.reply  # streamed, piece by piece, in order
    assert answer.writer == "llm" and not answer.notice
    assert [s.verdict for s in answer.written.sentences] == ["supported", "supported"]
    assert answer.written.model == MODEL  # the server's first listed model, as none was named
    assert [n for n, _ in answer.shown_citations()] == [n]
    out = answer.to_json()
    assert out["writer"] == "llm" and out["written"]["sentences"][0]["supported"] is True
    assert "Kakar" in out["written"]["sentences"][0]["support"]["text"]
    # The prompt: the passages numbered and fenced as data, the rules in the system message.
    request = server.requests[-1]
    assert request["stream"] is True and request["messages"][0]["content"] == SYSTEM
    assert f'<passage n="{n}"' in request["messages"][1]["content"] and QUESTION in request["messages"][1]["content"]


@pytest.mark.parametrize("reply,verdicts", [
    ("The elections are on February 9, 2024 [{n}].", ["contradicted"]),  # a changed date: the passage says otherwise
    ("Kakar leads the caretaker government [7].", ["invalid citation"]),  # 5 passages were given
    ("The caretaker government is led by Anwar-ul-Haq Kakar [{n}]. He is very popular.",
     ["supported", "unsupported"]),  # the second sentence has no marker
])
def test_wrong_sentences_are_flagged(library, server, reply, verdicts):
    n = kakar_passage(library)
    server.reply = reply.format(n=n)
    answer = library.ask(QUESTION)
    assert [s.verdict for s in answer.written.sentences] == verdicts
    if "supported" not in verdicts:  # nothing it wrote holds: cited's own answer is the one shown
        assert answer.writer == "extractive" and "None of the LLM's sentences" in answer.notice
        assert "Kakar" in answer.text


@pytest.mark.parametrize("reply,why", [
    ("!empty", "empty reply"), ("!malformed", "not a chat-completions stream"), ("!hang", "timed out"),
    ("!500", "HTTP 500"),
])
def test_a_failing_server_falls_back_with_a_one_line_notice(library, server, reply, why):
    server.reply = reply
    server.hang_seconds = 4.0
    before = len(server.requests)
    answer = library.ask(QUESTION)
    assert answer.writer == "extractive" and answer.written is None
    assert why in answer.notice and "\n" not in answer.notice and "drop --llm" in answer.notice
    assert "Kakar" in answer.text  # the extractive answer is there
    assert len(server.requests) - before <= 2  # a failing server costs one request and one retry, no more


def test_a_server_that_is_down_falls_back(article_settings, real_embedder):
    library = Library(replace(article_settings, llm="http://127.0.0.1:9/v1", llm_timeout=1.0), real_embedder)
    answer = library.ask(QUESTION)
    assert answer.writer == "extractive" and "nothing is listening there: connection refused" in answer.notice


def test_a_server_that_closes_the_connection_is_named_as_such(article_settings, real_embedder, server):
    server.reply = "!close"
    library = Library(replace(article_settings, llm=server.url, llm_timeout=5.0), real_embedder)
    answer = library.ask(QUESTION)
    assert answer.writer == "extractive" and "the server closed the connection while answering" in answer.notice


def test_a_server_that_crashes_mid_request_is_named_as_such(article_settings, real_embedder):
    with ScriptedLlm("!crash") as dying:
        library = Library(replace(article_settings, llm=dying.url, llm_timeout=5.0), real_embedder)
        answer = library.ask(QUESTION)
    assert answer.writer == "extractive"
    assert "the server closed the connection while answering and then" in answer.notice
    assert "it crashed or stopped (see its log)" in answer.notice


def test_an_abstention_is_not_sent_to_the_llm(library, server):
    before = len(server.requests)
    server.reply = "Water boils at 100 °C [1]."
    answer = library.ask("What is the boiling point of water at sea level?")
    assert answer.abstained and answer.written is None and len(server.requests) == before


def test_without_llm_nothing_is_contacted(article_settings, real_embedder, server):
    before = len(server.requests)
    answer = Library(article_settings, real_embedder).ask(QUESTION)
    assert answer.written is None and not answer.notice and len(server.requests) == before
    assert json.loads(json.dumps(answer.to_json()))["writer"] == "extractive"


@pytest.mark.parametrize("question,true,holds", [
    ("When was the Therhi massacre?", "The Therhi massacre took place on June 3, 1963", "Therhi"),
    ("What share of Pakistan's population is Shiite?", "About 10% to 15% of Pakistan's population is Shiite",
     "10% to 15%"),
])
def test_true_sentences_in_other_words_are_supported_and_false_ones_are_not(library, server, question, true, holds):
    passages = library.ask(question).passages
    n = next(i for i, p in enumerate(passages, 1) if holds in p.text)
    wrong_number = true.replace("1963", "1973").replace("10% to 15%", "40% to 45%")
    wrong_group = true.replace("Therhi", "Karachi").replace("Shiite", "Sunni")
    server.reply = f"{true} [{n}]. {wrong_number} [{n}]. {wrong_group} [{n}]. {true} [9]."
    answer = library.ask(question)
    verdicts = [s.verdict for s in answer.written.sentences]
    assert verdicts[0] == "supported" and answer.writer == "llm", answer.written.sentences[0].reason
    assert all(v in ("unsupported", "contradicted") for v in verdicts[1:3]), verdicts
    assert verdicts[3] == "invalid citation"


@pytest.mark.xfail(strict=True, reason="known miss: the verifier does not bind a date to its event in a sentence "
                   "that lists two ('the Therhi massacre on June 3, 1963, and the Lahore incident in February 1978')")
def test_an_event_given_the_date_of_another_in_the_same_sentence_is_not_supported(library, server):
    passages = library.ask("When was the Therhi massacre?").passages
    n = next(i for i, p in enumerate(passages, 1) if "Therhi" in p.text)
    server.reply = f"The Lahore massacre took place on June 3, 1963 [{n}]."
    answer = library.ask("When was the Therhi massacre?")
    assert answer.written.sentences[0].verdict != "supported"
