"""Pages in other languages: their language detected and recorded, cleaned with that language's
stoplist (or language-neutrally) instead of refused, listed, and answered by BM25 with a citation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.language import detect, stoplist
from ui.cli import main

BENCHMARK = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "article-extraction" / "captures"
GERMAN_PAGE = "57b4dafd18"  # blog.comwrap.com: "Die elektronische Patientenakte – der lange Marsch …"

SAMPLES = {
    "en": "The committee met on Tuesday to discuss the budget, and most members agreed that the plan was sound.",
    "de": "Der Ausschuss traf sich am Dienstag, um den Haushalt zu besprechen, und die meisten Mitglieder waren "
          "sich einig, dass der Plan vernünftig war.",
    "pt": "O comitê se reuniu na terça-feira para discutir o orçamento, e a maioria dos membros concordou que o "
          "plano era sensato.",
    "ru": "Комитет собрался во вторник, чтобы обсудить бюджет, и большинство членов согласились, что план разумен.",
    "id": "Komite bertemu pada hari Selasa untuk membahas anggaran, dan sebagian besar anggota setuju bahwa rencana "
          "itu masuk akal.",
}


@pytest.mark.parametrize("code", SAMPLES)
def test_the_language_of_a_text_is_detected(code):
    assert detect(SAMPLES[code]) == code


def test_too_little_text_is_no_language():
    assert detect("Home | News") == "" and detect("") == ""


def test_stoplists_come_from_jusText_and_unknown_languages_have_none():
    assert "und" in stoplist("de") and "the" in stoplist("en")
    assert stoplist("zz") == frozenset() and stoplist("") == frozenset()


@pytest.mark.skipif(not BENCHMARK.exists(), reason="the article-extraction benchmark is not beside the repository")
def test_a_german_capture_ingests_lists_its_language_and_answers_by_bm25(tmp_path, capsys):
    page = next(BENCHMARK.glob(f"{GERMAN_PAGE}*.txt"))
    capture = tmp_path / "patientenakte.txt"
    capture.write_bytes(page.read_bytes())
    index = str(tmp_path / "index")
    assert main(["ingest", str(capture), "--index", index, "-q"]) == 0
    capsys.readouterr()
    assert main(["list", "--index", index, "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["language"] == "de" and listed["paragraphs"] > 5
    assert main(["list", "--index", index]) == 0
    assert "; language de;" in capsys.readouterr().out
    question = "Wo liegen Patientendaten in Deutschland vor?"
    assert main(["ask", question, "--index", index, "--mode", "bm25", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert not answer["abstained"]
    cited = answer["citations"][0]
    assert cited["doc"] == "patientenakte" and "Patientendaten" in cited["text"]
    assert "Krankenhausinformationssystemen" in answer["answer"]
    # the citation is the paragraph of the page that says it, at its own offsets
    assert main(["show", "patientenakte", "--index", index, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    (holder,) = [p for p in shown["paragraphs"] if p["n"] == cited["paragraph"]]
    assert "Patientendaten" in holder["text"] and "Krankenhausinformationssystemen" in holder["text"]
    assert holder["start"] <= cited["start"] < cited["end"] <= holder["end"]

