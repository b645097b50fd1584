"""`cited eval --check`: the labelled sentences it builds, and the choice of thresholds, by hand;
the whole command on a small SQuAD file (real model, real pipeline)."""

from __future__ import annotations

import json

import pytest

from eval import checking
from eval.checking import clause, statement
from ui.cli import main


def test_statements_from_subject_questions_only():
    assert statement("Who edited Tesla's autobiography?", "Ben Johnston") == "Ben Johnston edited Tesla's autobiography."
    assert statement("What was the name of the ship?", "the Beagle") == "The Beagle was the name of the ship."
    assert statement("What did Tesla develop in 1887?", "an induction motor") is None  # the wh-word is the object
    assert statement("Who was Galileo Ferraris?", "a physicist") is None


def test_clause_is_the_longest_part_of_at_least_six_words():
    assert clause("In 1887, Tesla developed an induction motor that ran on alternating current.") == \
        "Tesla developed an induction motor that ran on alternating current."
    assert clause("Tesla developed a motor.") is None


def test_the_choice_prefers_recall_then_the_most_lenient_thresholds():
    def record(label, sim, word=1.0):
        return {"kind": "k", "label": label, "rules": True, "quoted": False, "similarity": sim, "word_match": word}

    records = [record(True, 0.9), record(True, 0.7), record(False, 0.6), record(False, 0.8, word=0.4)]
    # At 0.65 the false 0.8 one passes unless the word threshold (0.45 or more) stops it.
    threshold, word = checking.choose(records)
    assert threshold <= 0.7 and threshold > 0.6 and word > 0.4
    assert checking.figures(records, threshold, word)["precision"] == 1.0


@pytest.mark.slow
def test_check_eval_runs_on_a_small_squad_file(tmp_path, monkeypatch, capsys):
    from eval.reading import public_titles
    from tests.conftest import SQUAD_SAMPLE

    articles = [a for a in json.loads(SQUAD_SAMPLE.read_text(encoding="utf-8"))["data"]
                if a["title"] not in public_titles()][:2]
    for a in articles:
        a["paragraphs"] = a["paragraphs"][:8]
    data = tmp_path / "squad.json"
    data.write_text(json.dumps({"data": articles}), encoding="utf-8")
    monkeypatch.setattr(checking, "PASSAGES_PER_ARTICLE", 6)
    assert main(["eval", "--check", str(data), "--no-verifier", "--json", "--index", str(tmp_path / "index"),
                 "--out", str(tmp_path / "out")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["threshold"] in checking.GRID and result["word_threshold"] in checking.WORD_GRID
    kinds = result["calibration"]["right_by_kind"]
    assert {"true sentence", "wrong passage", "unrelated sentence"} <= set(kinds)
    assert kinds["true sentence"] == 1.0 and kinds["wrong passage"] >= 0.5
    lines = (tmp_path / "out" / "check-sentences.jsonl").read_text().splitlines()
    assert len(lines) == result["calibration"]["sentences"] + result["article"]["sentences"]


def test_the_llm_labels_have_their_form():
    lines = [json.loads(line) for line in checking.LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == 299
    assert all(set(item) == {"id", "text", "supported", "note"} and isinstance(item["supported"], bool)
               for item in lines)
    assert 0 < sum(item["supported"] for item in lines) < len(lines)


def test_labels_score_the_check_and_its_content_rules():
    rows = [{"id": "q1", "text": "A [1].", "supported": True, "verdict": "supported", "content_verdict": "supported"},
            {"id": "q1", "text": "B.", "supported": False, "verdict": "unsupported", "content_verdict": "supported"},
            {"id": "q2", "text": "C.", "supported": False, "verdict": "unsupported", "content_verdict": "unsupported"}]
    labels = {("q1", "A [1]."): True, ("q1", "B."): True, ("q2", "C."): False}
    pairs = [(r["supported"], labels[(r["id"], r["text"])]) for r in rows]
    assert checking._precision_recall(pairs) == {"said_supported": 1, "precision": 1.0, "recall": 0.5}


@pytest.mark.slow
def test_the_llm_check_eval_runs_against_a_server(tmp_path, capsys):
    """`cited eval --check --llm URL`: every sentence the server writes is checked and written
    out; a true sentence without a marker is attributed, a changed date contradicted."""
    from tests.scripted_llm import ScriptedLlm

    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"id": "k1", "question": "Who leads Pakistan's caretaker government?",
                               "gold": ["Anwar-ul-Haq Kakar"], "answer": ["Kakar"], "answerable": True}) + "\n")
    reply = "Anwar-ul-Haq Kakar leads the caretaker government. The elections are on February 9, 2024."
    with ScriptedLlm(reply) as llm:
        code = main(["eval", "--check", "--llm", llm.url, "--set", str(one), "--json",
                     "--index", str(tmp_path / "index"), "--out", str(tmp_path / "out")])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sent_to_llm"] == 1 and result["sentences"] == 2
    assert result["verdicts"]["supported"] == 1 and result["verdicts"]["contradicted"] == 1
    assert result["attributed"] == 1 and result["llm_shown"] == 1
    rows = [json.loads(line) for line in (tmp_path / "out" / "llm-sentences.jsonl").read_text().splitlines()]
    assert [r["verdict"] for r in rows] == ["supported", "contradicted"] and rows[0]["attributed"] is True
