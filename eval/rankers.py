"""`cited eval --rankers --store milvus:…`: cited's fusion against Milvus's own hybrid rankers, on
the same Milvus index and the eval set's questions (retrieval figures and time per question).

Three rankings of the same passages:
- cited: what cited answers with on Milvus: its z-score fusion of its four signals over the
  candidates Milvus's dense and BM25 searches propose, with the scores Milvus gives them;
- Milvus RRF: hybrid_search of the dense and BM25 searches with RRFRanker(60);
- Milvus weighted: the same with WeightedRanker(0.5, 0.5).
Nothing here is tuned: the rankers run with Milvus's defaults.
"""

from __future__ import annotations

import json
import time

import numpy as np

from eval.gold import load_eval_set
from eval.metrics import Outcome, retrieval_figures
from eval.runner import RANK_DEPTH, passage_id, relevant_passages
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

RANKERS = ("cited", "Milvus RRF", "Milvus weighted")


def run_rankers(args, settings: Settings) -> int:
    from pathlib import Path

    from cited.library import Library

    if not settings.store:
        raise CitedError("--rankers compares with Milvus's own rankers: give a Milvus store, e.g. "
                         "--store milvus:///tmp/cited.db")
    library = Library.with_bundled_article(settings, quiet=args.json)
    answerer = library.view().answerer
    retriever, store = answerer.retriever, library.store  # the store's last read is the retriever's
    questions = load_eval_set(Path(args.set))[: args.limit or None]
    rows = {}
    for name in RANKERS:
        outcomes = []
        for q in questions:
            started = time.perf_counter()
            if name == "cited":
                passages = retriever.search(q.question, k=RANK_DEPTH)
            else:
                query = retriever.prepare(q.question)
                found = store.hybrid(query.vector, query.text, RANK_DEPTH, "rrf" if name.endswith("RRF") else "weighted")
                passages = [retriever.passage_at(int(row)) for row in found]
            seconds = time.perf_counter() - started
            outcomes.append(Outcome(
                id=q.id, question=q.question, answerable=q.answerable,
                ranking=[passage_id(p.doc, p.start, p.end) for p in passages],
                relevant=relevant_passages(answerer, q) if q.answerable else set(), seconds=seconds,
            ))
        rows[name] = {**retrieval_figures(outcomes, name),
                      "p50_ms": float(np.percentile([o.seconds * 1000 for o in outcomes], 50))}
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{len(questions)} questions of {args.set} on {settings.store}\n")
    print("| ranker | hit@1 | hit@3 | hit@5 | MRR@10 | nDCG@10 | p50 ms |\n|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['hit@1']:.3f} | {r['hit@3']:.3f} | {r['hit@5']:.3f} | {r['mrr@10']:.3f} | "
              f"{r['ndcg@10']:.3f} | {r['p50_ms']:.1f} |")
    return 0
