"""eval/verifier_abstention.py (`cited eval --verifier-abstention`): when a question is abstained on
(the reader's rule, then the verifier's threshold), the curve of false abstention / NoAns recall /
topical recall over VERIFIER_GRID, and the choice rule (the highest v within the false-abstention
budget; the verifier joins only if both recalls then beat the reader alone), on hand-made rows;
and `entailments()` with the real shipped verifier."""

from __future__ import annotations

from eval.calibrate import PRODUCT_MAX_FALSE_ABSTAIN, Raw
from eval.verifier_abstention import VERIFIER_GRID, abstains, choose, curve, entailments


def raw(id: str, answerable: bool = True, best_p: float | None = 0.9, short: str | None = "1816",
        abstained: bool = False, topical: bool = False, marked: str = "") -> Raw:
    return Raw(id, f"question {id}?", answerable, ("1816",) if answerable else (), abstained, best_p, short, 0.9,
               "first sentence", topical=topical, marked_sentence=marked)


def row(v: float | None, false: float, no_ans: float, topical: float) -> dict:
    return {"verifier_abstain_below": v, "false_abstain": false, "no_ans_recall": no_ans, "topical_recall": topical}


def test_the_grid_starts_with_the_reader_alone():
    assert VERIFIER_GRID[0] is None and VERIFIER_GRID[1] == 0.05 and VERIFIER_GRID[-1] == 0.95


def test_abstains_by_retrieval_the_reader_or_the_verifier():
    entailed = {"a": 0.3}
    assert abstains(raw("x", abstained=True), None, None, {})  # retrieval's own rule
    assert abstains(raw("x", best_p=0.1), 0.2, None, {}) and not abstains(raw("x", best_p=0.3), 0.2, None, {})
    assert not abstains(raw("x", best_p=None), 0.2, None, {})  # no reader probability: the reader cannot abstain
    assert abstains(raw("a"), 0.2, 0.35, entailed) and not abstains(raw("a"), 0.2, 0.3, entailed)
    assert not abstains(raw("b"), 0.2, 0.95, entailed)  # not read by the verifier (no short answer): not its call


def test_curve_measures_whole_articles_and_topical_halves_apart():
    raw_by_title = {
        "A": [raw("a1"), raw("a2"), raw("a3", best_p=0.1), raw("n1", answerable=False), raw("n2", answerable=False)],
        "A (half)": [raw("t1", topical=True), raw("t2", topical=True)],
    }
    entailed = {"a1": 0.9, "a2": 0.4, "n1": 0.2, "n2": 0.6, "t1": 0.05, "t2": 0.8}
    rows = {r["verifier_abstain_below"]: r for r in curve(raw_by_title, 0.2, entailed)}
    assert list(rows) == VERIFIER_GRID
    assert rows[None] == row(None, 1 / 3, 0.0, 0.0)  # the reader alone: only a3 (best_p 0.1 < 0.2)
    assert rows[0.5] == row(0.5, 2 / 3, 0.5, 0.5)  # + a2, n1, t1
    assert rows[0.95] == row(0.95, 1.0, 1.0, 1.0)


def test_choose_takes_the_highest_threshold_within_the_budget():
    budget = PRODUCT_MAX_FALSE_ABSTAIN  # the reader's own: 5% / 3
    rows = [row(None, 0.01, 0.50, 0.40), row(0.05, 0.01, 0.60, 0.50), row(0.10, budget, 0.70, 0.60),
            row(0.15, budget + 0.001, 0.90, 0.90)]
    assert choose(rows)["verifier_abstain_below"] == 0.10


def test_the_verifier_joins_only_if_both_recalls_beat_the_reader_alone():
    alone = row(None, 0.01, 0.50, 0.40)
    assert choose([alone, row(0.10, 0.01, 0.70, 0.40)]) is None  # topical recall not better
    assert choose([alone, row(0.10, 0.01, 0.50, 0.60)]) is None  # NoAns recall not better
    # The highest threshold within the budget is the one judged: no falling back to a lower one.
    assert choose([alone, row(0.05, 0.01, 0.60, 0.50), row(0.10, 0.01, 0.60, 0.40)]) is None


def test_choose_gives_none_when_no_threshold_keeps_within_the_budget():
    assert choose([row(None, 0.01, 0.5, 0.4), row(0.05, 0.02, 0.9, 0.9)]) is None
    assert choose([row(None, 0.01, 0.5, 0.4)]) is None


def test_entailments_with_the_shipped_verifier(verifier_exported):
    sentence = "The University of Warsaw was established in 1816."
    rows = [raw("right", marked=sentence),
            raw("elsewhere", marked="The Vistula river flows through Warsaw for 1,047 km."),
            raw("wrong", short="1916", marked=sentence),
            raw("no short answer", short=None, marked=sentence),
            raw("no sentence", marked="")]
    rows = [Raw(**{**r.__dict__, "question": "When was the University of Warsaw founded?"}) for r in rows]
    entailed = entailments(rows, verifier_exported)
    assert set(entailed) == {"right", "elsewhere", "wrong"}  # only what the verifier can read
    assert all(0.0 <= e <= 1.0 for e in entailed.values())
    assert entailed["right"] > 0.5 > max(entailed["elsewhere"], entailed["wrong"])
    assert entailments([], verifier_exported) == {}

