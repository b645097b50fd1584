"""`cited eval --tune`: choose the hybrid weights and the abstention threshold, once, on SQuAD
articles that are not the public evaluation articles, and on the article's own eval set.

The calibration articles are CALIBRATION_COUNT titles of the SQuAD 1.1 development file drawn with
a fixed seed from those that are not among the 8 ExpMRC articles (never tuned on). Each is
ingested alone through the real pipeline and asked up to QUESTIONS_PER_ARTICLE of its own
questions (a fixed sample) and CROSS_PER_ARTICLE questions of each other calibration article,
which it should abstain on, as `cited eval --squad` does on the public ones.

Every question's four hybrid signals are computed once; the weight grid is then scored from them,
so the grid costs no more than one run. The rules, fixed before any figure was seen:
- weights: among the grid's tuples whose calibration hit@1, hit@3 and MRR@10 are each within
  WITHIN of the grid's best, the best MRR@10 on the article's set (ties: calibration MRR@10);
- abstain_below: with those weights, the highest threshold of ABSTAIN_GRID whose false abstention
  is at most MAX_FALSE_ABSTAIN on the calibration articles and on the article's set."""

from __future__ import annotations

import itertools
import json
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval.gold import EvalQuestion
from eval.runner import passage_id, relevant_passages
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings
from retrieval.search.signals import NAMES

CALIBRATION_COUNT = 8
QUESTIONS_PER_ARTICLE = 60
CROSS_PER_ARTICLE = 5
SEED = 13
WEIGHT_STEPS = (0.0, 0.5, 1.0, 1.5, 2.0)
WITHIN = 0.01
ABSTAIN_GRID = tuple(round(x, 2) for x in np.arange(0.26, 0.4601, 0.02))
MAX_FALSE_ABSTAIN = 0.02


@dataclass(frozen=True)
class Scored:
    """One question's record: its z-scored signals per passage, which passages are relevant, and
    what the answerer (with weights fixed later) needs to decide abstention."""

    answerable: bool
    columns: np.ndarray  # (signals, passages): the z-scored signals, in the order of signals.NAMES
    relevant: np.ndarray  # (passages,) bool


def calibration_titles(articles: list[dict], public: set[str]) -> list[str]:
    allowed = sorted(a["title"] for a in articles if a["title"] not in public)
    return sorted(random.Random(SEED).sample(allowed, min(CALIBRATION_COUNT, len(allowed))))


def weight_grid() -> list[tuple[float, ...]]:
    """Every tuple of WEIGHT_STEPS, one per signal (in the order of signals.NAMES), not all zero."""
    return [w for w in itertools.product(WEIGHT_STEPS, repeat=len(NAMES)) if any(w)]


def by_name(weights: tuple[float, ...]) -> dict[str, float]:
    """A tuple of the grid as Settings.weights takes it."""
    return dict(zip(NAMES, weights))


def rank_figures(records: list[Scored], weights: tuple[float, ...]) -> dict[str, float]:
    """hit@1, hit@3 and MRR@10 of the answerable questions under these weights (ties keep index
    order, as Retriever.rank's stable sort does)."""
    hits1, hits3, rr = [], [], []
    w = np.asarray(weights, dtype=np.float64)
    for r in records:
        if not r.answerable or not r.relevant.any():
            continue
        order = np.argsort(-(w @ r.columns), kind="stable")[:10]
        found = np.flatnonzero(r.relevant[order])
        first = int(found[0]) + 1 if len(found) else None
        hits1.append(first == 1)
        hits3.append(first is not None and first <= 3)
        rr.append(1.0 / first if first else 0.0)
    return {"hit@1": float(np.mean(hits1)), "hit@3": float(np.mean(hits3)), "mrr@10": float(np.mean(rr))}


def choose_weights(squad: dict[tuple, dict], article: dict[tuple, dict]) -> tuple[float, ...]:
    best = {k: max(f[k] for f in squad.values()) for k in ("hit@1", "hit@3", "mrr@10")}
    near = [w for w, f in squad.items() if all(f[k] >= best[k] - WITHIN for k in best)]
    if not near:  # no tuple near the best on all three: the best calibration MRR@10 decides
        return max(squad, key=lambda w: squad[w]["mrr@10"])
    return max(near, key=lambda w: (round(article[w]["mrr@10"], 6), squad[w]["mrr@10"]))


def abstain_rates(answers: list[tuple[bool, dict[float, bool]]], threshold: float) -> dict[str, float]:
    """answers: (answerable, {threshold: abstained}) per question."""
    answerable = [a[1][threshold] for a in answers if a[0]]
    unanswerable = [a[1][threshold] for a in answers if not a[0]]
    return {"abstain": float(np.mean(unanswerable)) if unanswerable else float("nan"),
            "false_abstain": float(np.mean(answerable))}


def choose_threshold(squad: dict[float, dict], article: dict[float, dict]) -> float:
    ok = [t for t in ABSTAIN_GRID
          if squad[t]["false_abstain"] <= MAX_FALSE_ABSTAIN and article[t]["false_abstain"] <= MAX_FALSE_ABSTAIN]
    if not ok:
        raise CitedError("No abstention threshold meets the false-abstention limit; widen ABSTAIN_GRID.")
    return max(ok)


# --- recording --------------------------------------------------------------------------------


def record(answerer, questions: list[EvalQuestion], answers_count: bool,
           thresholds: tuple[float, ...] = ()) -> tuple[list[Scored], list]:
    """Each question's signals (for the weight grid) and, for each threshold, whether the answerer
    (with the retriever's current weights) abstains: the whole answerer runs, since some answers
    (a whole-article question's outline) never meet the threshold."""
    from retrieval.answer.answerer import Answerer
    from retrieval.search.fusion import zscore

    retriever = answerer.retriever
    variants = {t: Answerer(retriever, replace(answerer.settings, abstain_below=t)) for t in thresholds}
    scored, answers = [], []
    for q in questions:
        query = retriever.prepare(q.question)
        signals = retriever.signals(query)
        rows = retriever.rows_for(q.doc)
        relevant = relevant_passages(answerer, q, answers_count) if q.answerable else set()
        ids = np.array([passage_id(c.doc, c.start, c.end) in relevant for c in (retriever.chunks[i] for i in rows)])
        scored.append(Scored(q.answerable, np.vstack([zscore(col) for col in signals.columns(rows)]), ids))
        if variants:
            ranked = retriever.rank(query, signals, None, "hybrid", q.doc)
            answers.append((q.answerable, {t: a.compose(query, signals, ranked).abstained for t, a in variants.items()}))
    return scored, answers


def calibration_questions(articles: list[dict], i: int, text: str, doc_id: str) -> list[EvalQuestion]:
    from eval.squad import cross_questions, own_questions

    own = own_questions(articles[i], text, doc_id)
    own = random.Random(SEED + i).sample(own, min(QUESTIONS_PER_ARTICLE, len(own)))
    return own + cross_questions(articles, i, doc_id)


def record_squad(articles: list[dict], settings: Settings, weights: tuple | None, progress: bool):
    from eval.reading import each_article_indexed

    run_settings = replace(settings, reader="", **({"weights": by_name(weights)} if weights else {}))
    thresholds = ABSTAIN_GRID if weights else ()
    scored, answers = [], []
    for i, (article, answerer) in enumerate(each_article_indexed(articles, run_settings)):
        doc = answerer.retriever.index.documents[0]
        questions = calibration_questions(articles, i, doc.text, doc.id)
        if progress:
            print(f"[{i + 1}/{len(articles)}] {article['title']}: {len(questions)} questions", file=sys.stderr)
        s, a = record(answerer, questions, True, thresholds)
        scored += s
        answers += a
    return scored, answers


def record_article(eval_set: Path, settings: Settings, weights: tuple | None):
    from cited.library import Library
    from eval.gold import load_eval_set

    run_settings = replace(settings, reader="", **({"weights": by_name(weights)} if weights else {}))
    library = Library.with_bundled_article(run_settings, quiet=True)
    return record(library.view().answerer, load_eval_set(eval_set), False, ABSTAIN_GRID if weights else ())


def run_tune(args, settings: Settings) -> int:
    from eval.reading import load_articles, public_titles
    from eval.sets import DEFAULT_SET

    path = Path(args.tune)
    if not path.exists():
        raise CitedError(f"{path}: no such file; give a SQuAD 1.1 development file with --tune PATH.")
    everything = load_articles(path, None)
    titles = calibration_titles(everything, public_titles())
    articles = [a for a in everything if a["title"] in titles]
    progress = not args.json
    squad_scored, _ = record_squad(articles, settings, None, progress)
    article_scored, _ = record_article(Path(args.set or DEFAULT_SET), settings, None)
    grid = weight_grid()
    squad_w = {w: rank_figures(squad_scored, w) for w in grid}
    article_w = {w: rank_figures(article_scored, w) for w in grid}
    weights = choose_weights(squad_w, article_w)
    # The answer's support depends on which passages the weights retrieve: record it again with them.
    _, squad_answers = record_squad(articles, settings, weights, progress)
    _, article_answers = record_article(Path(args.set or DEFAULT_SET), settings, weights)
    squad_t = {t: abstain_rates(squad_answers, t) for t in ABSTAIN_GRID}
    article_t = {t: abstain_rates(article_answers, t) for t in ABSTAIN_GRID}
    threshold = choose_threshold(squad_t, article_t)
    result = {
        "calibration_titles": titles, "weights": by_name(weights), "abstain_below": threshold,
        "weights_grid": [{"weights": by_name(w), "squad": squad_w[w], "article": article_w[w]} for w in grid],
        "abstain_grid": [{"abstain_below": t, "squad": squad_t[t], "article": article_t[t]} for t in ABSTAIN_GRID],
        "current": {"weights": dict(settings.weights), "abstain_below": settings.abstain_below},
    }
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "tune.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Calibration articles (SQuAD 1.1 dev, not the public ones): {', '.join(titles)}")
    print(f"\nweights ({', '.join(NAMES)})   calibration hit@1 hit@3 MRR@10 | article hit@1 hit@3 MRR@10")
    shown = sorted(grid, key=lambda w: -squad_w[w]["mrr@10"])[:8]
    current = tuple(settings.weights[name] for name in NAMES)
    equal, first_only = tuple(1.0 for _ in NAMES), tuple(float(i == 0) for i in range(len(NAMES)))
    for w in dict.fromkeys(x for x in [weights, current, equal, first_only, *shown] if x in squad_w):
        s, a = squad_w[w], article_w[w]
        mark = "  <- chosen" if w == weights else ("  <- current" if w == current else "")
        print(f"  {str(w):<36} {s['hit@1']:.3f} {s['hit@3']:.3f} {s['mrr@10']:.3f} | "
              f"{a['hit@1']:.3f} {a['hit@3']:.3f} {a['mrr@10']:.3f}{mark}")
    print("\nabstain below   calibration abstain, false abstain | article abstain, false abstain")
    for t in ABSTAIN_GRID:
        mark = "  <- chosen" if t == threshold else ""
        print(f"  {t:.2f}          {squad_t[t]['abstain']:.3f}  {squad_t[t]['false_abstain']:.3f}"
              f" | {article_t[t]['abstain']:.3f}  {article_t[t]['false_abstain']:.3f}{mark}")
    return 0
