"""Run eval questions through an Answerer in each retrieval mode and score what comes back."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from eval.gold import EvalQuestion, answer_is_correct, find_spans, load_eval_set, overlaps
from eval.metrics import Outcome, answer_figures, compare_modes, retrieval_figures
from retrieval.answer.answerer import Answerer
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

RANK_DEPTH = 10  # MRR@10 and nDCG@10 look this deep; answers use the first k


def passage_id(doc: str, start: int, end: int) -> str:
    return f"{doc}#{start}-{end}"


def relevant_passages(answerer: Answerer, q: EvalQuestion, answers_count: bool = False) -> set[str]:
    """Every chunk of the index that overlaps a gold span (or, for SQuAD, holds a gold answer)."""
    index = answerer.retriever.index
    spans: dict[str, list[tuple[int, int]]] = {}
    for doc in index.documents:
        if q.doc and doc.id != q.doc:
            continue
        found = list(q.gold_spans) if q.gold_spans else [s for quote in q.gold for s in find_spans(doc.text, quote)]
        spans[doc.id] = found
    out = set()
    for c in index.chunks:
        if c.doc not in spans:
            continue
        if any(overlaps((c.start, c.end), s) for s in spans[c.doc]) or (
            answers_count and any(a.lower() in c.text.lower() for a in q.answer)
        ):
            out.add(passage_id(c.doc, c.start, c.end))
    return out


def run_questions(answerer: Answerer, questions: list[EvalQuestion], mode: str, k: int,
                  answers_count: bool = False, progress: bool = False) -> list[Outcome]:
    retriever = answerer.retriever
    outcomes = []
    iterator = questions
    if progress:
        from tqdm import tqdm

        iterator = tqdm(questions, desc=f"{mode:>8}", unit="q", leave=False, file=sys.stderr)
    for q in iterator:
        started = time.perf_counter()
        query = retriever.prepare(q.question)
        signals = retriever.signals(query, q.doc or None)
        ranked = retriever.rank(query, signals, max(k, RANK_DEPTH), mode, q.doc)
        answer = answerer.compose(query, signals, ranked[:k])
        seconds = time.perf_counter() - started
        relevant = relevant_passages(answerer, q, answers_count) if q.answerable else set()
        text = "" if answer.abstained else answer.text
        outcomes.append(Outcome(
            id=q.id, question=q.question, answerable=q.answerable,
            ranking=[passage_id(p.doc, p.start, p.end) for p in ranked[:RANK_DEPTH]],
            relevant=relevant, answer=answer.text, abstained=answer.abstained,
            correct=(not answer.abstained) and answer_is_correct(text, q.answer),
            evidence_hit=(not answer.abstained) and _evidence_hit(text, q),
            cited=[passage_id(p.doc, p.start, p.end) for _, p in answer.citations], seconds=seconds,
            short=None if answer.short_answer is None else answer.short_answer.text,
            short_correct=answer.short_answer is not None and answer_is_correct(answer.short_answer.text, q.answer),
        ))
    return outcomes


def _evidence_hit(answer: str, q: EvalQuestion) -> bool:
    """ExpMRC: the answer holds the gold evidence sentence, or at least the answer span."""
    norm = " ".join(answer.split()).lower()
    return any(" ".join(e.split()).lower() in norm for e in q.evidence) or answer_is_correct(answer, q.answer)


def figures(outcomes: list[Outcome], name: str) -> dict:
    return {**retrieval_figures(outcomes, name), **answer_figures(outcomes)}


# --- `cited eval` on an eval set ---------------------------------------------------------------


def run_article_eval(args, settings: Settings) -> int:
    from cited.library import Library
    from eval.report import print_table, write_report
    from eval.tutorial import tutorial_answerer

    questions = load_eval_set(Path(args.set))[: args.limit or None]
    if not questions:
        raise CitedError(f"{args.set}: no questions in the eval set.")
    library = Library.with_bundled_article(settings, quiet=args.json)
    answerer = library.view().answerer
    modes = ("tutorial", "dense", "bm25", "hybrid") if args.eval_mode == "all" else (args.eval_mode,)
    if answerer.reader is not None and args.eval_mode in ("all", "hybrid"):
        modes += ("hybrid, no reader",)  # today's sentence answers, beside the reader's
    outcomes_by_mode: dict[str, list[Outcome]] = {}
    for mode in modes:
        if mode == "hybrid, no reader":
            plain = Answerer(answerer.retriever, answerer.settings)
            outcomes_by_mode[mode] = run_questions(plain, questions, "hybrid", args.k, progress=not args.json)
        elif mode == "tutorial":
            tutorial = tutorial_answerer(answerer)
            outcomes_by_mode[mode] = run_questions(tutorial, questions, "dense", args.k, progress=not args.json)
        else:
            outcomes_by_mode[mode] = run_questions(answerer, questions, mode, args.k, progress=not args.json)
    table = {mode: figures(o, mode) for mode, o in outcomes_by_mode.items()}
    comparison = compare_modes(outcomes_by_mode) if len(modes) > 1 else ""
    if not args.json:
        print_table(table, title=f"{Path(args.set).name}: {len(questions)} questions, k={args.k}")
        if comparison:
            print("\nSignificance (paired t-test, p < 0.05; superscripts name the modes beaten):")
            print(comparison)
    conversations = _conversations(args, library)
    if args.json:
        out = dict(table if len(modes) > 1 else table[modes[0]])
        if conversations:
            out["conversations"] = conversations["table"]
        print(json.dumps(out, indent=2))
    if args.out:
        write_report(Path(args.out), table, outcomes_by_mode, comparison, title=f"Eval set {Path(args.set).name}")
        if conversations:
            write_conversation_records(Path(args.out), conversations)
        if not args.json:
            print(f"\nreport: {Path(args.out) / 'report.md'}")
    return 0


def _conversations(args, library) -> dict | None:
    """The conversation set, when the eval is on the bundled article's own set."""
    from eval.conversations import run_conversation_eval
    from eval.sets import DEFAULT_SET

    if args.no_conversations or Path(args.set).resolve() != DEFAULT_SET or args.limit:
        return None
    return run_conversation_eval(library, Path(args.conversations), args.k, args.json)


def write_conversation_records(out: Path, conversations: dict) -> None:
    (out / "conversations.json").write_text(json.dumps(conversations["table"], indent=2), encoding="utf-8")
    with open(out / "conversations.jsonl", "w", encoding="utf-8") as f:
        for setting, rows in conversations["records"].items():
            for row in rows:
                f.write(json.dumps({"setting": setting, **row}, ensure_ascii=False) + "\n")
