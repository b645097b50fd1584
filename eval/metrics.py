"""Per-question outcomes → the figures of a report. IR metrics come from ranx, not by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RETRIEVAL_METRICS = {"hit@1": "hit_rate@1", "hit@3": "hit_rate@3", "hit@5": "hit_rate@5",
                     "mrr@10": "mrr@10", "ndcg@10": "ndcg@10"}


@dataclass
class Outcome:
    """What happened to one question in one mode."""

    id: str
    question: str
    answerable: bool
    ranking: list[str]  # passage ids, best first
    relevant: set[str]  # every passage id in the index judged relevant
    answer: str = ""
    abstained: bool = False
    correct: bool = False
    evidence_hit: bool = False
    cited: list[str] = field(default_factory=list)
    seconds: float = 0.0
    short: str | None = None  # the reader's short answer, if it marked one
    short_correct: bool = False  # it holds an acceptable answer

    def first_relevant_rank(self) -> int | None:
        return next((i + 1 for i, p in enumerate(self.ranking) if p in self.relevant), None)

    def to_json(self) -> dict:
        return {
            "id": self.id, "question": self.question, "answerable": self.answerable, "answer": self.answer,
            "abstained": self.abstained, "correct": self.correct, "short": self.short,
            "short_correct": self.short_correct, "first_relevant_rank": self.first_relevant_rank(),
            "cited": self.cited, "cited_relevant": [c in self.relevant for c in self.cited],
            "ranking": self.ranking[:10], "seconds": round(self.seconds, 4),
        }


def ranx_run(outcomes: list[Outcome], name: str):
    """Qrels and Run for the answerable questions; scores encode our own order exactly."""
    from ranx import Qrels, Run

    judged = [o for o in outcomes if o.answerable and o.relevant]
    qrels = Qrels({o.id: {p: 1 for p in o.relevant} for o in judged})
    run = Run({o.id: {p: float(len(o.ranking) - i) for i, p in enumerate(o.ranking)} or {"-": 0.0}
               for o in judged}, name=name)
    return qrels, run


def retrieval_figures(outcomes: list[Outcome], name: str) -> dict[str, float]:
    import warnings

    from ranx import evaluate

    warnings.filterwarnings("ignore", module="ranx")  # numba's cast warnings say nothing to a reader

    qrels, run = ranx_run(outcomes, name)
    if not len(qrels.keys()):
        return {k: float("nan") for k in RETRIEVAL_METRICS}
    scores = evaluate(qrels, run, list(RETRIEVAL_METRICS.values()), make_comparable=True)
    return {k: float(scores[v]) for k, v in RETRIEVAL_METRICS.items()}


def hit_curve(outcomes: list[Outcome], max_k: int = 10) -> list[float]:
    judged = [o for o in outcomes if o.answerable and o.relevant]
    ranks = [o.first_relevant_rank() for o in judged]
    return [float(np.mean([r is not None and r <= k for r in ranks])) if ranks else float("nan")
            for k in range(1, max_k + 1)]


def answer_figures(outcomes: list[Outcome]) -> dict[str, float]:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    answered = [o for o in answerable if not o.abstained]
    cited = [c in o.relevant for o in answered for c in o.cited]
    latencies = [o.seconds * 1000 for o in outcomes]
    with_short = any(o.short for o in outcomes)
    return {
        "answer_accuracy": _mean([o.correct for o in answerable]),
        "evidence_accuracy": _mean([o.evidence_hit for o in answerable]),
        "citation_precision": _mean(cited),
        "citation_recall": _mean([any(c in o.relevant for c in o.cited) for o in answerable]),
        "abstain_recall": _mean([o.abstained for o in unanswerable]),
        "false_abstain_rate": _mean([o.abstained for o in answerable]),
        # Short answers (with a reader): the share of answerable questions given a correct one,
        # and the share of short answers given that are correct.
        "short_answer_accuracy": _mean([o.short_correct for o in answerable]) if with_short else float("nan"),
        "short_answer_precision": _mean([o.short_correct for o in outcomes if o.short]) if with_short else float("nan"),
        "latency_p50_ms": float(np.percentile(latencies, 50)) if latencies else float("nan"),
        "latency_p95_ms": float(np.percentile(latencies, 95)) if latencies else float("nan"),
        "questions": len(outcomes),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
    }


def compare_modes(outcomes_by_mode: dict[str, list[Outcome]]) -> str:
    """ranx's paired significance tests between the modes that share one index (and so one set
    of relevance judgements); the tutorial baseline chunks differently, so it is compared to
    hybrid per question instead (paired t-test on reciprocal rank)."""
    from ranx import compare

    shared = {m: o for m, o in outcomes_by_mode.items() if m != "tutorial"}
    lines = []
    if len(shared) >= 2:
        runs, qrels = [], None
        for name, outcomes in shared.items():
            q, run = ranx_run(outcomes, name)
            qrels = qrels or q
            runs.append(run)
        lines.append(str(compare(qrels, runs, metrics=["hit_rate@1", "mrr@10", "ndcg@10"], max_p=0.05,
                                 stat_test="student", make_comparable=True)))
    if "tutorial" in outcomes_by_mode and "hybrid" in outcomes_by_mode:
        from scipy.stats import ttest_rel

        ours = _reciprocal_ranks(outcomes_by_mode["hybrid"])
        theirs = _reciprocal_ranks(outcomes_by_mode["tutorial"])
        if len(ours) == len(theirs) and len(ours) > 1 and ours != theirs:
            p = float(ttest_rel(ours, theirs).pvalue)
            lines.append(f"hybrid vs tutorial, MRR {np.mean(ours):.3f} vs {np.mean(theirs):.3f}: "
                         f"paired t-test p = {p:.2g} over {len(ours)} questions")
    return "\n\n".join(lines)


def _reciprocal_ranks(outcomes: list[Outcome]) -> list[float]:
    ranks = [o.first_relevant_rank() for o in outcomes if o.answerable and o.relevant]
    return [1.0 / r if r else 0.0 for r in ranks]


def _mean(values) -> float:
    values = list(values)
    return float(np.mean(values)) if values else float("nan")
