"""`cited eval --reading` and its calibration, end to end on a small SQuAD 2.0-shaped file made
here (real pipeline, real model, the shipped reader), and SQuAD's scoring checked by hand."""

from __future__ import annotations

import json

import pytest

from eval.reading import Reading, exact, f1, normalize, reading_figures
from retrieval.search.reader import BUNDLED_READER, WEIGHTS
from tests.eval.test_train_reader import article
from ui.cli import main


def test_squad_scoring_by_hand():
    assert normalize("The  Yuan dynasty!") == "yuan dynasty"
    assert exact("the Yuan dynasty", "Yuan Dynasty") == 1.0
    assert f1("Craftsmen from Jiangsu", "craftsmen") == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))
    readings = [Reading("a", "q", True, ("1200",), "in 1200"), Reading("b", "q", True, ("x",), ""),
                Reading("c", "q", False, (), ""), Reading("d", "q", False, (), "1900")]
    figures = reading_figures(readings)
    assert figures["has_ans_f1"] == pytest.approx((2 / 3 + 0) / 2)  # "in 1200": P 1/2, R 1 → F1 2/3
    assert figures["no_ans_recall"] == 0.5 and figures["no_ans_precision"] == 0.5
    assert figures["false_abstain"] == 0.5


@pytest.mark.slow
@pytest.mark.skipif(not (BUNDLED_READER / WEIGHTS).exists(), reason="no reader shipped")
def test_reading_eval_and_calibration_run_on_a_squad2_file(tmp_path, capsys):
    data = tmp_path / "squad2.json"
    data.write_text(json.dumps({"data": [article("Tea", "tea", True), article("Kilns", "kilns", True)]}))
    assert main(["eval", "--reading", str(data), "--articles", "all", "--reader", "bundled", "--json",
                 "--index", str(tmp_path / "unused")]) == 0
    result = json.loads(capsys.readouterr().out)
    settings = set(result["mean"])
    assert {"open book, tutorial", "open book, no reader", "open book, reader", "gold paragraph, reader"} <= settings
    for figures in result["mean"].values():
        assert figures["questions"] == 3 and 0 <= figures["f1"] <= 1
    assert result["mean"]["open book, reader"]["has_ans_f1"] > result["mean"]["open book, no reader"]["has_ans_f1"]

    out = tmp_path / "calibration"
    assert main(["eval", "--reading", str(data), "--articles", "all", "--calibrate", "--json", "--out", str(out)]) == 0
    calibration = json.loads(capsys.readouterr().out)
    chosen = calibration["chosen"]
    assert {"reader_abstain_below", "short_answer_above", "f1"} <= set(chosen)
    if any(r["false_abstain"] <= 0.10 for r in calibration["curve"]):  # the rule's bound, when it can hold
        assert chosen["false_abstain"] <= 0.10
    assert len(calibration["curve"]) == 20 and (out / "reader_tradeoff.png").stat().st_size > 0
    raw = [json.loads(line) for line in (out / "calibration-raw.jsonl").read_text().splitlines()]
    whole = [r for r in raw if not r["topical"]]
    assert len(whole) == 6 and {r["article"] for r in whole} == {"Tea", "Kilns"}
    # Each article's second paragraph, alone, is asked the first one's two answerable questions.
    topical = [r for r in raw if r["topical"]]
    assert {r["article"] for r in topical} == {"Tea (half 2)", "Kilns (half 2)"} and len(topical) == 4
    assert not any(r["answerable"] for r in topical)
    assert all(0 <= r["topical_recall"] <= 1 for r in calibration["curve"])
    product = calibration["chosen_for_the_product"]
    assert product is None or product["false_abstain"] <= 0.05
    # A short answer's record names the sentence it was marked in, which the length sweep reads again.
    assert all(r["short"] in r["marked_sentence"] for r in whole if r["short"])
    from eval.calibrate import LENGTH_PENALTY_GRID

    lengths = calibration["span_length"]
    assert [r["length_penalty"] for r in lengths["rows"]] == list(LENGTH_PENALTY_GRID)
    assert all(0 <= r[k] <= 1 for r in lengths["rows"] for k in ("right_typed", "right_other") if r[k] == r[k])
    assert set(lengths["chosen_with_each_article_left_out"].values()) <= set(LENGTH_PENALTY_GRID)
    assert lengths["chosen"] in LENGTH_PENALTY_GRID


def test_topical_halves_ask_each_half_only_what_it_does_not_hold():
    from eval.calibrate import topical_halves

    paragraphs = [{"context": "Tea came from Jiangsu in 1200.", "qas": [
                      {"id": "a", "question": "Where did tea come from?", "answers": [{"text": "Jiangsu", "answer_start": 14}]},
                      {"id": "b", "question": "Who banned tea?", "is_impossible": True, "answers": []}]},
                  {"context": "Museums show tea.", "qas": [
                      {"id": "c", "question": "What shows tea?", "answers": [{"text": "Museums", "answer_start": 0}]}]},
                  {"context": "Jiangsu grows tea today.", "qas": []}]
    halves = topical_halves({"title": "Tea", "paragraphs": paragraphs})
    # Half 1 (paragraphs 1 and 3) holds "Jiangsu" but not "Museums"; half 2 holds neither answer,
    # and the unanswerable question is never asked elsewhere.
    assert [h["title"] for h in halves] == ["Tea (half 1)", "Tea (half 2)"]
    asked = [[q["id"] for p in h["paragraphs"] for q in p["qas"]] for h in halves]
    assert asked == [["c/half1"], ["a/half2"]]
    assert [p["context"] for p in halves[0]["paragraphs"]] == [paragraphs[0]["context"], paragraphs[2]["context"]]
    assert all(q["is_impossible"] and q["topical"] for h in halves for p in h["paragraphs"] for q in p["qas"])
