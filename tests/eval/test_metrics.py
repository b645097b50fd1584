"""The metric plumbing on a tiny run whose figures are worked out by hand."""

from __future__ import annotations

import math

import pytest

from eval.gold import answer_is_correct, find_spans, overlaps
from eval.metrics import Outcome, answer_figures, hit_curve, retrieval_figures


def tiny_run() -> list[Outcome]:
    return [
        # relevant first: hit@1, RR 1, nDCG 1; answered correctly, citing the relevant passage
        Outcome("q1", "?", True, ["a", "b", "c"], {"a"}, answer="x", correct=True, cited=["a"]),
        # relevant third: hit@3, RR 1/3, nDCG 1/log2(4) = 0.5; answered wrongly, citing b
        Outcome("q2", "?", True, ["a", "b", "c"], {"c"}, answer="y", correct=False, cited=["b"]),
        # relevant never retrieved: all zero; abstained
        Outcome("q3", "?", True, ["a", "b", "c"], {"z"}, abstained=True),
        # unanswerable: one abstains, one does not
        Outcome("q4", "?", False, ["a"], set(), abstained=True),
        Outcome("q5", "?", False, ["a"], set(), answer="z", cited=["a"]),
    ]


def test_retrieval_figures_by_hand():
    f = retrieval_figures(tiny_run(), "tiny")
    assert f["hit@1"] == pytest.approx(1 / 3)
    assert f["hit@3"] == pytest.approx(2 / 3)
    assert f["hit@5"] == pytest.approx(2 / 3)
    assert f["mrr@10"] == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert f["ndcg@10"] == pytest.approx((1 + 0.5 + 0) / 3)


def test_answer_figures_by_hand():
    f = answer_figures(tiny_run())
    assert f["answer_accuracy"] == pytest.approx(1 / 3)
    assert f["citation_precision"] == pytest.approx(1 / 2)  # a (relevant) and b (not)
    assert f["citation_recall"] == pytest.approx(1 / 3)
    assert f["abstain_recall"] == pytest.approx(1 / 2)
    assert f["false_abstain_rate"] == pytest.approx(1 / 3)
    assert (f["questions"], f["answerable"], f["unanswerable"]) == (5, 3, 2)


def test_hit_curve_by_hand():
    curve = hit_curve(tiny_run())
    assert curve[0] == pytest.approx(1 / 3) and curve[2] == pytest.approx(2 / 3) and curve[9] == pytest.approx(2 / 3)


def test_gold_spans_survive_any_whitespace():
    text = "The Shiite population  in\nPakistan constitutes approximately 10% to 15%."
    (span,) = find_spans(text, "Shiite population in Pakistan")
    assert text[span[0] : span[1]].split() == ["Shiite", "population", "in", "Pakistan"]
    assert overlaps((0, 10), (9, 20)) and not overlaps((0, 10), (10, 20))
    assert answer_is_correct("About 10%  to 15% [1]", ("10% to 15%",))
    assert not answer_is_correct("The article does not say.", ("10% to 15%",))
    assert math.isnan(answer_figures([])["answer_accuracy"])
