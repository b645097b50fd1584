"""The verifier's figures on data it never saw, measured through retrieval/search/verifier.py (the
product's own loading): the held-out SQuAD articles' pairs, built as the training pairs are, and
the held-out NLI file (MultiNLI dev mismatched) beside two trivial baselines — the majority class,
and the bundled encoder's cosine with its threshold chosen on MultiNLI dev matched (a training
file)."""

from __future__ import annotations

import collections
import time
from pathlib import Path

import numpy as np

from eval.verifier_data import ENTAIL, LABELS, NLI_FILES, Pair, read_nli, squad_training_pairs


def judged(verifier, pairs: list[Pair]) -> np.ndarray:
    """(pairs, 3) probabilities."""
    out = verifier.judge([(p.claim, p.premise) for p in pairs])
    return np.array([[j.entailment, j.neutral, j.contradiction] for j in out], dtype=np.float32)


def pair_figures(pairs: list[Pair], probabilities: np.ndarray) -> dict:
    from sklearn.metrics import roc_auc_score

    labels = np.array([p.label for p in pairs])
    entailed = labels == ENTAIL
    said = probabilities.argmax(axis=1)
    kinds = collections.defaultdict(list)
    for p, s in zip(pairs, said):
        kinds[p.kind].append((s == ENTAIL) == (p.label == ENTAIL))
    return {"pairs": len(pairs), "three_way_accuracy": float(np.mean(said == labels)),
            "entailment_vs_not_accuracy": float(np.mean((said == ENTAIL) == entailed)),
            "entailment_auc": float(roc_auc_score(entailed, probabilities[:, ENTAIL])) if 0 < entailed.sum() < len(
                entailed) else None,
            "right_by_kind": {k: round(float(np.mean(v)), 4) for k, v in sorted(kinds.items())},
            "count_by_kind": {k: len(v) for k, v in sorted(kinds.items())}}


def cosine_baseline(train: list[Pair], test: list[Pair]) -> dict:
    """Entailment when the bundled encoder's cosine of claim and premise reaches a threshold, the
    one most accurate on `train`; its accuracy on `test`."""
    from retrieval.search.embed import load_embedder

    embedder = load_embedder("all-MiniLM-L6-v2")

    def cosines(pairs: list[Pair]) -> np.ndarray:
        claims = np.asarray(embedder.encode([p.claim for p in pairs]))
        premises = np.asarray(embedder.encode([p.premise for p in pairs]))
        return (claims * premises).sum(axis=1)

    train_cos, test_cos = cosines(train), cosines(test)
    train_y = np.array([p.label == ENTAIL for p in train])
    test_y = np.array([p.label == ENTAIL for p in test])
    grid = np.round(np.arange(0.0, 1.0001, 0.01), 2)
    best = max(grid, key=lambda t: (float(np.mean((train_cos >= t) == train_y)), -t))
    return {"threshold_chosen_on_train_file": float(best), "accuracy": float(np.mean((test_cos >= best) == test_y))}


def held_out_figures(folder: Path, articles: dict, held: list[str], nli_test: Path, seed: int, log=print) -> dict:
    from retrieval.search.embed import bundled_model_dir
    from retrieval.search.verifier import Verifier

    verifier = Verifier(folder)
    squad = squad_training_pairs(articles, held, seed, bundled_model_dir(), log)
    started = time.perf_counter()
    squad_probabilities = judged(verifier, squad)
    ms_per_pair = 1000 * (time.perf_counter() - started) / max(1, len(squad))
    nli = read_nli(nli_test, "mnli mismatched")
    nli_probabilities = judged(verifier, nli)
    matched = next(f for f in NLI_FILES if "matched" in f)
    entailed = np.array([p.label == ENTAIL for p in nli])
    majority = max(float(entailed.mean()), 1 - float(entailed.mean()))
    log(f"figures: {len(squad)} held-out SQuAD pairs, {len(nli)} MultiNLI mismatched pairs")
    return {
        "held_out_squad": {"articles": held, **pair_figures(squad, squad_probabilities)},
        "held_out_nli": {"file": nli_test.name, **pair_figures(nli, nli_probabilities),
                         "baseline_majority_entailment_vs_not": majority,
                         "baseline_cosine_entailment_vs_not": cosine_baseline(
                             read_nli(nli_test.parent / Path(matched).name, "mnli matched"), nli),
                         "label_counts": dict(collections.Counter(LABELS[p.label] for p in nli))},
        "ms_per_pair": round(ms_per_pair, 2),
    }
