"""`cited eval --rankers --store milvus:…`: cited's fusion against Milvus's own hybrid rankers, on
the same Milvus index and the eval set's questions (retrieval figures and time per question).

Three rankings of the same passages:
- cited: what cited answers with on Milvus: its z-score fusion of its four signals over the
  candidates Milvus's dense and BM25 searches propose, with the scores Milvus gives them;
- Milvus RRF: hybrid_search of the dense and BM25 searches with RRFRanker(60);
- Milvus weighted: the same with WeightedRanker(0.5, 0.5).
Nothing here is tuned: the rankers run with Milvus's defaults. With --squad PATH, each article of a
SQuAD (ExpMRC) file is indexed in the store and asked its own questions; the figures are the
articles' means.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from eval.gold import load_eval_set
from eval.metrics import Outcome, retrieval_figures
from eval.runner import RANK_DEPTH, passage_id, relevant_passages
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

RANKERS = ("cited", "Milvus RRF", "Milvus weighted")


def run_rankers(args, settings: Settings) -> int:
    from cited.library import Library

    if not settings.store:
        raise CitedError("--rankers compares with Milvus's own rankers: give a Milvus store, e.g. "
                         "--store milvus:///tmp/cited.db")
    if args.squad:
        rows = _squad_rankings(Path(args.squad), settings, args.limit, progress=not args.json)
        where = f"the {len(rows.pop('articles'))} articles of {args.squad}"
    else:
        library = Library.with_bundled_article(settings, quiet=args.json)
        questions = load_eval_set(Path(args.set))[: args.limit or None]
        rows = _ranked(library.view().answerer, questions, answers_count=False)
        where = f"{len(questions)} questions of {args.set}"
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{where} on {settings.store}\n")
    print("| ranker | hit@1 | hit@3 | hit@5 | MRR@10 | nDCG@10 | p50 ms |\n|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['hit@1']:.3f} | {r['hit@3']:.3f} | {r['hit@5']:.3f} | {r['mrr@10']:.3f} | "
              f"{r['ndcg@10']:.3f} | {r['p50_ms']:.1f} |")
    return 0


def _ranked(answerer, questions, answers_count: bool) -> dict[str, dict]:
    """Each ranker's retrieval figures on the questions, on the answerer's Milvus index."""
    retriever = answerer.retriever
    store = retriever.index.extra["searched_by"]  # the store bound to the rows this retriever read
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
                relevant=relevant_passages(answerer, q, answers_count) if q.answerable else set(), seconds=seconds,
            ))
        rows[name] = {**retrieval_figures(outcomes, name),
                      "p50_ms": float(np.percentile([o.seconds * 1000 for o in outcomes], 50))}
    return rows


def _squad_rankings(path, settings: Settings, limit: int | None, progress: bool) -> dict:
    """The rankers on each article of a SQuAD (ExpMRC) file, its own questions, each article's
    index in the Milvus store (as `cited eval --squad --store` makes them); the mean per ranker,
    and the articles' titles under "articles"."""
    import sys

    from eval.reading import each_article_indexed
    from eval.squad import load_squad, own_questions

    articles = load_squad(path)
    per_article = []
    for i, (article, answerer) in enumerate(each_article_indexed(articles, settings)):
        doc = answerer.retriever.index.documents[0]
        questions = own_questions(article, doc.text, doc.id)[: limit or None]
        if progress:
            print(f"[{i + 1}/{len(articles)}] {article['title']}: {len(questions)} questions", file=sys.stderr)
        per_article.append(_ranked(answerer, questions, answers_count=True))
    means = {name: {key: float(np.nanmean([a[name][key] for a in per_article])) for key in per_article[0][name]}
             for name in RANKERS}
    return {**means, "articles": [a["title"] for a in articles]}
