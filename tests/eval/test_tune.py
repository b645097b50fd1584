"""`cited eval --tune`: the selection rules by hand, the calibration articles never the public
ones, and one real run (real model, real pipeline) on three SQuAD 1.1 articles."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eval import tune
from eval.reading import PUBLIC_ARTICLES, public_titles
from eval.tune import Scored, choose_threshold, choose_weights, rank_figures
from ui.cli import main


def test_rank_figures_by_hand():
    # Two questions over three passages. Weights (1, 0, 0, 0) rank by the first signal only.
    first = Scored(True, np.array([[3.0, 2.0, 1.0], [0, 0, 0], [0, 0, 0], [1.0, 2.0, 3.0]]),
                   np.array([False, True, False]))
    second = Scored(True, np.array([[1.0, 2.0, 3.0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]), np.array([False, False, True]))
    unanswerable = Scored(False, np.zeros((4, 3)), np.zeros(3, dtype=bool))
    figures = rank_figures([first, second, unanswerable], (1.0, 0.0, 0.0, 0.0))
    assert figures == {"hit@1": 0.5, "hit@3": 1.0, "mrr@10": pytest.approx((1 / 2 + 1) / 2)}
    # The fourth signal alone puts the first question's relevant passage second as well.
    assert rank_figures([first], (0.0, 0.0, 0.0, 1.0))["mrr@10"] == 0.5


def test_weights_rule_prefers_the_article_among_near_best_on_squad():
    squad = {(1,): {"hit@1": 0.90, "hit@3": 0.95, "mrr@10": 0.93},
             (2,): {"hit@1": 0.895, "hit@3": 0.95, "mrr@10": 0.925},  # within 0.01 of the best on all three
             (3,): {"hit@1": 0.85, "hit@3": 0.95, "mrr@10": 0.90}}  # hit@1 too far below
    article = {(1,): {"mrr@10": 0.60}, (2,): {"mrr@10": 0.65}, (3,): {"mrr@10": 0.90}}
    assert choose_weights(squad, article) == (2,)
    # When no tuple is near the best on all three, the best calibration MRR@10 decides.
    squad[(3,)]["hit@3"] = 0.99
    assert choose_weights(squad, article) == (1,)


def test_threshold_rule_takes_the_highest_within_the_false_abstention_limit():
    grid = tune.ABSTAIN_GRID
    squad = {t: {"false_abstain": 0.0 if t < 0.35 else 0.05} for t in grid}
    article = {t: {"false_abstain": 0.0 if t < 0.31 else 0.03} for t in grid}
    assert choose_threshold(squad, article) == max(t for t in grid if t < 0.31)


def test_calibration_articles_are_never_the_public_ones():
    articles = [{"title": t} for t in sorted(public_titles())] + [{"title": f"Other_{i}"} for i in range(12)]
    chosen = tune.calibration_titles(articles, public_titles())
    assert len(chosen) == tune.CALIBRATION_COUNT and not set(chosen) & public_titles()
    assert chosen == tune.calibration_titles(list(reversed(articles)), public_titles())  # seeded, order-free


@pytest.mark.slow
def test_tune_runs_on_squad_articles(tmp_path, monkeypatch, capsys):
    from tests.conftest import SQUAD_SAMPLE

    everything = json.loads(SQUAD_SAMPLE.read_text(encoding="utf-8"))["data"]
    small = [a for a in everything if a["title"] not in public_titles()][:3]
    for a in small:
        a["paragraphs"] = a["paragraphs"][:6]
    data = tmp_path / "squad11.json"
    data.write_text(json.dumps({"data": small}), encoding="utf-8")
    monkeypatch.setattr(tune, "QUESTIONS_PER_ARTICLE", 6)
    monkeypatch.setattr(tune, "WEIGHT_STEPS", (0.0, 1.0, 2.0))
    assert main(["eval", "--tune", str(data), "--json", "--index", str(tmp_path / "index"),
                 "--out", str(tmp_path / "out")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert sorted(result["calibration_titles"]) == sorted(a["title"] for a in small)
    assert len(result["weights_grid"]) == 3 ** 4 - 1 and result["weights"] in [
        row["weights"] for row in result["weights_grid"]]
    assert set(result["weights"]) == {"passage_dense", "sentence_dense", "passage_bm25", "sentence_bm25"}
    assert result["abstain_below"] in tune.ABSTAIN_GRID
    chosen = next(row for row in result["weights_grid"] if row["weights"] == result["weights"])
    assert 0 < chosen["squad"]["hit@3"] <= 1 and 0 < chosen["article"]["mrr@10"] <= 1
    assert json.loads((tmp_path / "out" / "tune.json").read_text())["weights"] == result["weights"]


@pytest.mark.skipif(not PUBLIC_ARTICLES.exists(), reason="the public SQuAD (ExpMRC) file is not beside the repository")
def test_the_committed_public_titles_are_the_expmrc_files():
    assert public_titles() == {a["title"] for a in json.loads(PUBLIC_ARTICLES.read_text(encoding="utf-8"))["data"]}
