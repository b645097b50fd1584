"""`cited eval --languages [PATH]`: retrieval and answers on non-English pages of the
article-extraction benchmark (PATH), with questions written in each page's own language
(eval/sets/languages.jsonl). The encoder is English-only, so this measures how far BM25 carries
them: each page is ingested alone into a temporary index and every question is asked in the
dense, BM25 and hybrid modes; figures per mode, per language and overall."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from eval.gold import EvalQuestion, read_jsonl
from eval.metrics import Outcome
from eval.runner import figures, run_questions
from eval.squad import per_article_settings
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

LANGUAGE_SET = Path(__file__).resolve().parent / "sets" / "languages.jsonl"
MODES = ("dense", "bm25", "hybrid")
COLUMNS = [("hit@1", "hit@1"), ("hit@3", "hit@3"), ("mrr@10", "MRR@10"), ("answer_accuracy", "answer acc"),
           ("abstain_recall", "abstain"), ("false_abstain_rate", "false abst")]


def load_language_set(path: Path) -> list[tuple[str, str, EvalQuestion]]:
    """(page file relative to the benchmark folder, language, question) per line."""
    def row(r: dict) -> tuple[str, str, EvalQuestion]:
        question = EvalQuestion(id=str(r["id"]), question=r["question"], gold=tuple(r.get("gold", ())),
                                answer=tuple(r.get("answer", ())), answerable=bool(r.get("answerable", True)))
        return str(r["file"]), str(r["language"]), question

    return read_jsonl(path, row, "the language set", "a language question")


def run_language_eval(args, settings: Settings) -> int:
    from cited.library import Library
    from eval.report import print_table
    from eval.sets import DEFAULT_SET
    from retrieval.search.embed import load_embedder

    root = Path(args.languages)
    set_path = LANGUAGE_SET if Path(args.set).resolve() == DEFAULT_SET else Path(args.set)
    rows = load_language_set(set_path)[: args.limit or None]
    if not rows:
        raise CitedError(f"{set_path}: no questions in the language set.")
    pages: dict[str, list[EvalQuestion]] = {}
    for file, _, question in rows:
        pages.setdefault(file, []).append(question)
    missing = [f for f in pages if not (root / f).is_file()]
    if missing:
        raise CitedError(f"{root / missing[0]}: no such page (--languages PATH is the article-extraction benchmark folder).")
    language_of = {q.id: lang for _, lang, q in rows}
    outcomes: dict[str, list[Outcome]] = {mode: [] for mode in MODES}
    embedder = load_embedder(settings.model, settings.batch_size, settings.encoder_runtime)
    with tempfile.TemporaryDirectory(prefix="cited-languages-") as tmp:
        for i, (file, questions) in enumerate(pages.items()):
            library = Library(per_article_settings(settings, Path(tmp), i), embedder)
            report = library.add(root / file, rebuild=True)
            if report.failed:
                raise report.failed[0]
            answerer = library.view().answerer
            for mode in MODES:
                outcomes[mode] += run_questions(answerer, questions, mode, args.k)
            if not args.json:
                print(f"[{i + 1}/{len(pages)}] {file}: {len(questions)} questions", file=sys.stderr)
    languages = sorted(set(language_of.values()))
    table = {mode: {"all": figures(o, mode), **{lang: figures([x for x in o if language_of[x.id] == lang], mode)
                                                for lang in languages}} for mode, o in outcomes.items()}
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    rows_shown = {f"{mode} · {part}": table[mode][part] for part in ["all", *languages] for mode in MODES}
    print_table(rows_shown, title=f"{set_path.name}: {len(rows)} questions on {len(pages)} pages "
                                  f"({', '.join(languages)}), k={args.k}", columns=COLUMNS)
    return 0
