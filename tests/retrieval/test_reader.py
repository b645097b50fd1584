"""The shipped reader: loaded with its sha256 checked, refusing a tampered or missing file with one
line, and marking short answers whose offsets point into the article (the real model)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

from eval.server import child_environment
from retrieval.base.errors import ReaderChecksumMismatch, ReaderUnavailable
from retrieval.search.pair_model import CARD
from retrieval.search.reader import BUNDLED_READER, WEIGHTS, Reader, load_reader

pytestmark = pytest.mark.skipif(not (BUNDLED_READER / WEIGHTS).exists(), reason="no reader shipped")


@pytest.fixture(scope="module")
def reader():
    return load_reader()


@pytest.fixture(scope="module")
def reading_library(article_settings, real_embedder):
    from cited.library import Library

    return Library(replace(article_settings, reader="bundled"), real_embedder)


def test_the_card_names_the_weights_and_their_sha256():
    card = json.loads((BUNDLED_READER / CARD).read_text())
    assert len(card["weights_sha256"]) == 64
    assert "CC BY-SA 4.0" in card["licence"] and card["command"].startswith("cited train-reader")
    assert (BUNDLED_READER / WEIGHTS).stat().st_size <= 30 * 1024 * 1024


def test_a_span_is_inside_its_sentence(reader):
    sentences = ["The caretaker government is led by Anwar-ul-Haq Kakar, a senator from Balochistan.",
                 "Tea is grown on the slopes of the hills."]
    first, second = reader.read("Who leads the caretaker government?", sentences)
    assert first.probability > second.probability
    assert 0 <= first.start < first.end <= len(sentences[0])
    assert "Kakar" in sentences[0][first.start : first.end]


def test_a_span_pays_for_its_length(reader):
    from retrieval.search.reader import SPAN_LENGTH_PENALTY

    sentence = "The caretaker government is led by Anwar-ul-Haq Kakar, a senator from Balochistan."
    question = "Who leads the caretaker government?"
    default, free, costly = (reader.read(question, [sentence], **kw)[0] for kw in
                             ({}, {"length_penalty": 0.0}, {"length_penalty": 100.0}))
    assert SPAN_LENGTH_PENALTY > 0 and default.probability == free.probability == costly.probability
    assert "Kakar" in sentence[default.start : default.end]
    # At 100 a logit per token, no span of two tokens or more can win: one word-piece is marked.
    assert costly.end > costly.start and " " not in sentence[costly.start : costly.end]
    assert costly.end - costly.start <= free.end - free.start


def test_a_tampered_reader_is_refused_before_loading(tmp_path):
    folder = tmp_path / "reader"
    shutil.copytree(BUNDLED_READER, folder)
    data = bytearray((folder / WEIGHTS).read_bytes())
    data[-100] ^= 0xFF
    (folder / WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(ReaderChecksumMismatch, match="do not match the sha256"):
        Reader(folder)


def test_a_missing_reader_is_one_line_with_what_to_do(tmp_path, article_settings, capsys):
    from ui.cli import main

    with pytest.raises(ReaderUnavailable, match="--no-reader"):
        Reader(tmp_path / "nowhere")
    code = main(["ask", "Who wrote the article?", "--reader", str(tmp_path / "nowhere"),
                 "--index", str(article_settings.index_dir)])
    err = capsys.readouterr().err.strip()
    assert code == 5 and "\n" not in err and err.startswith("error: Cannot load the reader")


def test_short_answers_point_into_the_article(reading_library):
    docs = {d.id: d for d in reading_library.documents()}
    answer = reading_library.ask("Who leads the caretaker government?")
    short = answer.short_answer
    assert short is not None and "Kakar" in short.text
    assert docs[short.doc].text[short.start : short.end] == short.text
    holding = [s for s in answer.sentences if s.start <= short.start and short.end <= s.end]
    assert holding and holding[0].citation == short.citation
    as_json = answer.to_json()["short_answer"]
    assert as_json == {"text": short.text, "doc": short.doc, "start": short.start, "end": short.end,
                       "citation": short.citation}


def test_a_reason_question_keeps_whole_sentences(reading_library):
    answer = reading_library.ask("Why did Pakistan and Iran de-escalate?")
    assert answer.short_answer is None


def test_a_yes_no_question_keeps_whole_sentences(reading_library):
    # SQuAD, which the reader learnt from, has no yes/no questions: it would mark "Iran" here.
    answer = reading_library.ask("Has India admitted to supporting Baloch groups?")
    assert answer.short_answer is None and not answer.abstained and answer.sentences


def test_the_reader_on_onnxruntime_reads_as_it_does_on_torch(reader, article_document):
    import pysbd

    assert reader.runtime == "onnx"
    on_torch = Reader(BUNDLED_READER, runtime="torch")
    assert on_torch.runtime == "torch"
    segmenter = pysbd.Segmenter(language="en", clean=False)
    sentences = [s for p in article_document.paragraphs if p.kind == "text"
                 for s in segmenter.segment(article_document.paragraph_text(p))][:24]
    for question in ("Who leads the caretaker government?", "When are Pakistan's elections?",
                     "What share of Pakistan's population is Shiite?"):
        ours, theirs = reader.read(question, sentences), on_torch.read(question, sentences)
        assert [(r.start, r.end) for r in ours] == [(r.start, r.end) for r in theirs]
        assert max(abs(a.probability - b.probability) for a, b in zip(ours, theirs)) < 1e-4


def test_sentences_read_in_two_batches_of_similar_length_read_as_in_one(reader, article_document, monkeypatch):
    import pysbd

    from retrieval.search import reader as reader_module

    segmenter = pysbd.Segmenter(language="en", clean=False)
    sentences = [s for p in article_document.paragraphs if p.kind == "text"
                 for s in segmenter.segment(article_document.paragraph_text(p))][:8]
    widths = []
    forward = reader._forward
    monkeypatch.setattr(reader, "_forward", lambda ids, types, mask: widths.append(ids.shape) or forward(ids, types, mask))
    question = "Who leads the caretaker government?"
    split = reader.read(question, sentences)
    assert len(widths) == 2 and [w[0] for w in widths] == [4, 4] and widths[0][1] <= widths[1][1]
    monkeypatch.setattr(reader_module, "SPLIT_FROM", 10**6)
    widths.clear()
    whole = reader.read(question, sentences)
    assert len(widths) == 1 and widths[0][0] == 8
    assert [(r.start, r.end, r.others) for r in split] == [(r.start, r.end, r.others) for r in whole]
    assert max(abs(a.probability - b.probability) for a, b in zip(split, whole)) < 1e-5


def test_on_torch_the_reader_loads_after_the_encoder_not_beside_it(reader, article_settings):
    """Beside the index (in a thread of its own) only from its ONNX export: transformers cannot be
    imported from two threads at once, and `cited ask` on torch once failed when they were."""
    import subprocess
    import sys
    from pathlib import Path

    from retrieval.search.reader import loads_without_torch

    assert loads_without_torch("bundled", "onnx") and loads_without_torch("none", "torch")
    assert not loads_without_torch("bundled", "torch")
    run = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "Who leads the caretaker government?", "--index",
                          str(article_settings.index_dir)], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[2],
                         env={**child_environment(), "CITED_ENCODER_RUNTIME": "torch"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Anwar-ul-Haq Kakar [1]")


def test_with_the_reader_a_question_still_never_imports_torch(reader, article_settings):
    import subprocess
    import sys
    from pathlib import Path

    program = ("import sys; from ui.cli import main; code = main(['ask', 'Who leads the caretaker government?', "
               f"'--reader', 'bundled', '--index', {str(article_settings.index_dir)!r}]); "
               "print('torch imported:', 'torch' in sys.modules); sys.exit(code)")
    environment = child_environment()
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2], env=environment)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Anwar-ul-Haq Kakar [1]") and "torch imported: False" in run.stdout


def test_by_default_cited_gives_the_short_answer_and_abstains_where_the_article_does_not_say(article_settings):
    # The two questions, as a user types them: no flag, so the reader is the default.
    import subprocess
    import sys
    from pathlib import Path

    def ask(question: str) -> dict:
        run = subprocess.run([sys.executable, "-m", "ui.cli", "ask", question, "--json", "--index",
                              str(article_settings.index_dir)], capture_output=True, text=True, timeout=120,
                             cwd=Path(__file__).resolve().parents[2], env=child_environment())
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    leader = ask("Who leads the caretaker government?")
    assert leader["short_answer"]["text"] == "Anwar-ul-Haq Kakar" and not leader["abstained"]
    assert any("Anwar-ul-Haq Kakar" in s["text"] and s["citation"] == leader["short_answer"]["citation"]
               for s in leader["sentences"])
    deaths = ask("How many people died in the Iranian strikes?")
    assert deaths["abstained"] and deaths["short_answer"] is None and deaths["no_answer_score"] > 0.85


def test_a_question_without_a_named_kind_of_answer_gets_no_span(answerer):
    # "What did …" wants a phrase the reader marks right for fewer than 80% of held-out questions.
    answer = answerer.ask("What did the foreign ministers agree to work on together?")
    assert answer.short_answer is None and not answer.abstained and answer.no_answer_score is not None


def test_the_reader_never_abstains_on_the_articles_own_title(answerer):
    # It doubts "What is the article's title?" (0.04): it never read a title line in training.
    answer = answerer.ask("What is the article's title?")
    assert not answer.abstained and "What Led to Pakistan-Iran De-Escalation" in answer.text


def test_a_short_answer_is_of_the_kind_the_question_wants(answerer):
    # The reader's best span here is the total population (a count); the question wants a share,
    # so the best span that is one is shown: its next spans (SpanReading.others) are kept for this.
    answer = answerer.ask("What share of Pakistan's population is Shiite?")
    short = answer.short_answer
    assert short is not None and short.text == "10% to 15%"
    doc = answerer.retriever.index.document(short.doc)
    assert doc.text[short.start : short.end] == short.text


def test_the_reader_keeps_its_next_best_spans_inside_the_sentence(reader):
    sentence = ("According to prevailing estimates, the Shiite population in Pakistan constitutes approximately "
                "10% to 15% of the total population of 247,653,000 million.")
    reading = reader.read("What share of Pakistan's population is Shiite?", [sentence])[0]
    spans = [(reading.start, reading.end), *reading.others]
    assert len(spans) == len(set(spans)) > 1
    assert all(0 <= a < b <= len(sentence) for a, b in spans)
