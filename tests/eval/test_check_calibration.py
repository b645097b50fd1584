"""eval/check_calibration.py (`cited eval --check` with the verifier): what counts as right for each
kind of claim and the rule that chooses ENTAIL_ABOVE (the lowest threshold of ENTAIL_GRID whose
precision of "supported" reaches TARGET_PRECISION, None when none does), on verifier readings made
by hand; and the whole command on a small SQuAD file (real model, real verifier)."""

from __future__ import annotations

import json

import pytest

from eval import check_calibration, checking
from eval.check_calibration import ENTAIL_GRID, TARGET_PRECISION, Record, choose, figures, right_at
from retrieval.answer.check import ClaimReadings, Support, _Premise, _Reading
from ui.cli import main

SENTENCE = "Warsaw is the capital of Poland."


def reading(entailment: float, contradiction: float = 0.0, n: int = 1) -> _Reading:
    support = Support("doc", 0, 0, len(SENTENCE), SENTENCE, n)
    return _Reading(_Premise(support, SENTENCE), entailment, contradiction)


def record(kind: str, label: bool, entailment: float, contradiction: float = 0.0, others: tuple = (),
           own: int | None = None) -> Record:
    """A one-sentence claim citing passage [1], read against it (and, when asked, `others`)."""
    readings = ClaimReadings(f"{SENTENCE} [1]", SENTENCE, (1,), 2, (reading(entailment, contradiction),),
                             lambda: others)
    return Record(kind, label, own, (readings,))


def test_the_grid_runs_from_005_to_095():
    assert ENTAIL_GRID[0] == 0.05 and ENTAIL_GRID[-1] == 0.95 and len(ENTAIL_GRID) == 19
    assert list(ENTAIL_GRID) == sorted(ENTAIL_GRID)


def test_right_for_true_and_false_claims():
    assert right_at(record("true sentence", True, 0.8), 0.75) == (True, True)
    assert right_at(record("true sentence", True, 0.7), 0.75) == (False, False)
    assert right_at(record("changed number", False, 0.8), 0.75) == (True, False)
    assert right_at(record("changed number", False, 0.1, contradiction=0.9), 0.75) == (False, True)


def test_a_wrong_passage_claim_is_right_refused_or_given_its_own_marker():
    found_in_2 = (reading(0.9, n=2),)
    assert right_at(record("wrong passage", False, 0.1), 0.5) == (False, True)  # refused
    attributed = record("wrong passage", False, 0.1, others=found_in_2, own=2)
    assert right_at(attributed, 0.5) == (True, True)  # supported by its own passage [2], with its marker
    assert right_at(record("wrong passage", False, 0.1, others=found_in_2, own=3), 0.5) == (True, False)
    assert right_at(record("wrong passage", False, 0.9, own=2), 0.5) == (True, False)  # accepted with the wrong marker


def test_figures_count_precision_and_each_kind():
    records = [record("true sentence", True, 0.9), record("true sentence", True, 0.6),
               record("changed number", False, 0.5), record("changed number", False, 0.3)]
    at = figures(records, 0.55)
    assert at["precision"] == 1.0 and at["accepted_true"] == 1.0 and at["supported"] == 2 and at["claims"] == 4
    assert at["right_by_kind"] == {"changed number": 1.0, "true sentence": 1.0}
    assert at["count_by_kind"] == {"changed number": 2, "true sentence": 2}
    low = figures(records, 0.05)
    assert low["precision"] == 0.5 and low["right_by_kind"]["changed number"] == 0.0
    assert figures(records, 0.95)["precision"] is None  # nothing said supported


def test_choose_takes_the_lowest_threshold_that_reaches_the_precision():
    records = [record("true sentence", True, 0.9), record("true sentence", True, 0.6),
               record("changed number", False, 0.5), record("changed number", False, 0.3)]
    # 0.05–0.30: 2 of 4 right; 0.35–0.50: 2 of 3; from 0.55: 2 of 2.
    assert choose(records) == 0.55
    assert figures(records, 0.5)["precision"] < TARGET_PRECISION


def test_choose_accepts_a_precision_of_exactly_the_target():
    records = [record("true sentence", True, 0.9) for _ in range(19)] + [record("swapped name", False, 0.9)]
    assert figures(records, 0.05)["precision"] == TARGET_PRECISION == 0.95
    assert choose(records) == 0.05


def test_choose_gives_none_when_no_threshold_reaches_the_precision():
    assert choose([record("true sentence", True, 0.99), record("swapped name", False, 0.99)]) is None
    assert choose([record("true sentence", True, 0.01)]) is None  # nothing ever said supported
    assert choose([]) is None


@pytest.mark.slow
def test_check_with_the_verifier_runs_on_a_small_squad_file(tmp_path, monkeypatch, capsys):
    from tests.conftest import SQUAD_SAMPLE

    # Warsaw (a held-out title) and Normans (held out here too, so each is left out in turn), and
    # Oxygen as a tune article, 4 paragraphs each; few claims per article.
    wanted = {"Warsaw", "Normans", "Oxygen"}
    articles = [a for a in json.loads(SQUAD_SAMPLE.read_text(encoding="utf-8"))["data"] if a["title"] in wanted]
    for a in articles:
        a["paragraphs"] = a["paragraphs"][:4]
    data = tmp_path / "squad.json"
    data.write_text(json.dumps({"data": articles}), encoding="utf-8")
    held = tmp_path / "held.txt"
    held.write_text("Warsaw\nNormans\n", encoding="utf-8")
    monkeypatch.setattr(check_calibration, "VERIFIER_TITLES", held)
    monkeypatch.setattr("eval.train_verifier.TUNE_TITLES", ("Oxygen", "Warsaw"))  # Warsaw: held out, so not a tune one
    monkeypatch.setattr(checking, "PASSAGES_PER_ARTICLE", 3)
    monkeypatch.setattr(check_calibration, "STATEMENTS_PER_ARTICLE", 4)

    out = tmp_path / "out"
    assert main(["eval", "--check", str(data), "--json", "--index", str(tmp_path / "index"), "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result == json.loads((out / "check-verifier.json").read_text(encoding="utf-8"))
    assert result["held_out_titles"] == ["Warsaw", "Normans"] and result["tune_titles"] == ["Oxygen"]
    curve = result["curve"]
    assert [row["entail_above"] for row in curve] == list(ENTAIL_GRID)
    reaching = [row["entail_above"] for row in curve
                if row["held_out"]["precision"] is not None and row["held_out"]["precision"] >= TARGET_PRECISION]
    if result["entail_above"] is None:  # the rule finds none: figures at the shipped threshold
        assert not reaching and result["figures_at"] == check_calibration.ENTAIL_ABOVE
    else:  # the lowest of the curve that reaches the precision
        assert result["entail_above"] == reaching[0] and result["figures_at"] == result["entail_above"]
        assert result["held_out"]["precision"] >= TARGET_PRECISION
    for part in ("held_out", "tune_articles", "bundled_article"):
        f = result[part]
        assert f["claims"] > 0 and 0 <= f["supported"] <= f["claims"]
        assert f["precision"] is None or 0.0 <= f["precision"] <= 1.0
        assert set(f["right_by_kind"]) == set(f["count_by_kind"])
        assert all(0 <= v <= 1 for v in f["right_by_kind"].values())
    kinds = set(result["held_out"]["right_by_kind"])
    assert {"true sentence", "wrong passage", "question as statement", "question, wrong answer"} <= kinds
    left_out = result["held_out_each_left_out"]
    if left_out is not None:  # each held-out article judged at the threshold chosen on the other
        assert set(left_out["thresholds"]) <= set(ENTAIL_GRID) and set(left_out["right_by_kind"]) <= kinds
