"""`cited eval --squad`: the SQuAD (ExpMRC) benchmark. Each article is ingested alone, through the
real pipeline, and asked its own questions (gold: the question's paragraph, its answers and its
evidence sentences) and a sample of other articles' questions (which it should abstain on)."""

from __future__ import annotations

import json
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from eval.gold import EvalQuestion, find_spans
from eval.metrics import Outcome
from eval.runner import figures, run_questions
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

CROSS_PER_ARTICLE = 5  # questions taken from each other article as unanswerable ones
SEED = 13


def load_squad(path: Path) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        articles = data["data"]
        for a in articles:
            a["title"], a["paragraphs"][0]["context"]  # noqa: B018 — shape check
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, IndexError, TypeError) as e:
        raise CitedError(f"{path}: not a SQuAD-format JSON file ({type(e).__name__}).") from None
    return articles


def article_text(article: dict) -> str:
    return "\n\n".join(" ".join(p["context"].split()) for p in article["paragraphs"])


def own_questions(article: dict, text: str, doc_id: str) -> list[EvalQuestion]:
    out = []
    for p in article["paragraphs"]:
        spans = tuple(find_spans(text, " ".join(p["context"].split())))
        for qa in p["qas"]:
            answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
            out.append(EvalQuestion(
                id=qa["id"], question=qa["question"], answer=answers, answerable=True, doc=doc_id,
                evidence=tuple(qa.get("evidences", ())), gold_spans=spans,
            ))
    return out


def cross_questions(articles: list[dict], own_index: int, doc_id: str) -> list[EvalQuestion]:
    rng = random.Random(SEED + own_index)
    out = []
    for i, other in enumerate(articles):
        if i == own_index:
            continue
        pool = [qa for p in other["paragraphs"] for qa in p["qas"]]
        for qa in rng.sample(pool, min(CROSS_PER_ARTICLE, len(pool))):
            out.append(EvalQuestion(id="x-" + qa["id"], question=qa["question"], answerable=False, doc=doc_id))
    return out


def evaluate_squad(path: Path, settings: Settings, modes: tuple[str, ...], k: int, limit: int | None = None,
                   progress: bool = True) -> dict:
    """{article title: {mode: figures}} plus per-question outcomes, for every article in the file."""
    from cited.library import Library
    from eval.tutorial import tutorial_answerer
    from retrieval.search.embed import load_embedder

    articles = load_squad(path)
    embedder = load_embedder(settings.model, settings.batch_size, settings.encoder_runtime)
    results: dict[str, dict] = {}
    outcomes: dict[str, dict[str, list[Outcome]]] = {}
    with tempfile.TemporaryDirectory(prefix="cited-squad-") as tmp:
        for i, article in enumerate(articles):
            title = article["title"]
            source = Path(tmp) / f"{i:02d}.txt"
            text = article_text(article)
            source.write_text(text, encoding="utf-8")
            article_settings = per_article_settings(settings, Path(tmp), i)
            library = Library(article_settings, embedder)
            report = library.add(source, rebuild=True)
            if report.failed:
                raise report.failed[0]
            answerer = library.view().answerer
            doc = answerer.retriever.index.documents[0]
            questions = own_questions(article, doc.text, doc.id)[: limit or None]
            questions += cross_questions(articles, i, doc.id)[: limit or None]
            results[title], outcomes[title] = {}, {}
            if progress:
                print(f"[{i + 1}/{len(articles)}] {title}: {len(doc.paragraphs)} paragraphs, "
                      f"{len(questions)} questions", file=sys.stderr)
            for mode in modes:
                if mode == "tutorial":
                    run = run_questions(tutorial_answerer(answerer), questions, "dense", k, answers_count=True)
                else:
                    run = run_questions(answerer, questions, mode, k, answers_count=True)
                outcomes[title][mode] = run
                results[title][mode] = figures(run, mode)
    return {"articles": results, "outcomes": outcomes}


def mean_figures(results: dict[str, dict], mode: str) -> dict:
    per_article = [r[mode] for r in results.values()]
    keys = per_article[0].keys()
    return {k: float(np.nanmean([f[k] for f in per_article])) for k in keys}


def per_article_settings(settings, folder: Path, i: int):
    """Settings for the i-th article's own index: a folder in `folder`, or, on a Milvus store, the
    index named eval in it, which each article's ingest rebuilds (an article is done with before
    the next is ingested), so one eval leaves one index behind, not one per article."""
    store = f"{settings.store.partition('#')[0]}#eval" if settings.store else ""
    return replace(settings, index_dir=folder / f"index-{i:02d}", store=store)


def run_squad(args, settings: Settings) -> int:
    from eval.report import print_table, write_report

    path = Path(args.squad)
    if not path.exists():
        raise CitedError(f"{path}: no such file; give the SQuAD JSON with --squad PATH.")
    modes = ("tutorial", "dense", "bm25", "hybrid") if args.eval_mode == "all" else (args.eval_mode,)
    result = evaluate_squad(path, settings, modes, args.k, args.limit, progress=not args.json)
    articles = result["articles"]
    means = {mode: mean_figures(articles, mode) for mode in modes}
    if args.json:
        print(json.dumps({"mean": means, "articles": articles}, indent=2))
    else:
        for mode in modes:
            print_table({title: r[mode] for title, r in articles.items()}, title=f"\nSQuAD (ExpMRC), mode {mode}, k={args.k}")
        print_table(means, title="\nMean over articles")
        evidence = {m: f"{means[m]['evidence_accuracy']:.3f}" for m in modes}
        print(f"evidence accuracy (answer holds the gold evidence sentence or answer span): {evidence}")
    if args.out:
        pooled = {m: [o for per in result["outcomes"].values() for o in per[m]] for m in modes}
        write_report(Path(args.out), means, pooled, "", title=f"SQuAD (ExpMRC): {len(articles)} articles, pooled over questions")
    return 0
