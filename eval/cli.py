"""`cited eval` arguments and entry point (kept light: --help must not load the model)."""

from __future__ import annotations

import argparse

from eval.sets import (
    DEFAULT_CANARD,
    DEFAULT_CONVERSATIONS,
    DEFAULT_EXTRACTION,
    DEFAULT_SET,
    DEFAULT_SQUAD,
    DEFAULT_SQUAD2,
    DEFAULT_SQUAD11,
)
from retrieval.base.errors import CitedError

EVAL_MODES = ("dense", "bm25", "hybrid", "tutorial")


def add_eval_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", metavar="FILE.jsonl", default=str(DEFAULT_SET), help="eval set (default: the bundled article's)")
    p.add_argument("--conversations", metavar="FILE.jsonl", default=str(DEFAULT_CONVERSATIONS),
                   help="conversation set asked with and without history (default: the bundled article's; "
                        "run with the default --set)")
    p.add_argument("--no-conversations", action="store_true", help="skip the conversation set")
    p.add_argument("--squad", metavar="PATH", nargs="?", const=str(DEFAULT_SQUAD),
                   help="run the SQuAD (ExpMRC) benchmark instead; PATH defaults to ../shared/benchmarks/squad-expmrc")
    p.add_argument("--reading", metavar="PATH", nargs="?", const=str(DEFAULT_SQUAD2),
                   help="short answers and abstention on SQuAD 2.0 (open book and gold paragraph); PATH "
                        "defaults to ../shared/benchmarks/squad-dev/squad2-dev.public.json")
    p.add_argument("--extraction", metavar="PATH", nargs="?", const=str(DEFAULT_EXTRACTION),
                   help="score cited's page cleaning on an article-extraction benchmark folder (word 4-shingles); "
                        "PATH defaults to ../shared/benchmarks/article-extraction")
    p.add_argument("--languages", metavar="PATH", nargs="?", const=str(DEFAULT_EXTRACTION),
                   help="retrieval and answers on non-English pages of the article-extraction benchmark with "
                        "questions in their languages (eval/sets/languages.jsonl), per mode and language; PATH "
                        "defaults to ../shared/benchmarks/article-extraction (--set FILE for another set)")
    p.add_argument("--tune", metavar="PATH", nargs="?", const=str(DEFAULT_SQUAD11),
                   help="choose the hybrid weights and the abstention threshold on calibration articles of a SQuAD "
                        "1.1 file (never the public ones) and the eval set; PATH defaults to squad-dev's squad11")
    p.add_argument("--check", metavar="PATH", nargs="?", const=str(DEFAULT_SQUAD11),
                   help="how well the LLM answer check tells supported sentences from altered ones, on sentences "
                        "built from calibration articles of a SQuAD 1.1 file and the bundled article")
    p.add_argument("--verifier-abstention", metavar="PATH", nargs="?", const=str(DEFAULT_SQUAD2),
                   help="whether the verifier should join the abstention decision, and its threshold, on the "
                        "verifier's held-out SQuAD 2.0 articles (default ../shared/benchmarks/squad-dev)")
    p.add_argument("--llm", metavar="URL", help="with --check: run the eval set through this OpenAI-compatible "
                   "server's LLM and measure the check on what it writes (against eval/sets/llm_check_labels.jsonl)")
    p.add_argument("--llm-model", metavar="NAME", help="with --llm: the server's model (default: the first it lists)")
    p.add_argument("--canard", metavar="PATH", nargs="?", const=str(DEFAULT_CANARD),
                   help="how cited reads follow-ups against people's rewrites on CANARD's test part, beside the "
                        "question as written; PATH defaults to ../shared/training/canard/test.txt")
    p.add_argument("--rankers", action="store_true",
                   help="with --store (a Milvus): cited's fusion against Milvus's own RRF and weighted hybrid rankers "
                        "on the eval set (--set), or with --squad on each SQuAD article's own questions")
    p.add_argument("--articles", metavar="public|all|FILE", default="public",
                   help="with --reading: the public evaluation articles (default), all, or titles listed in FILE")
    p.add_argument("--calibrate", action="store_true",
                   help="with --reading: sweep the reader's thresholds (on held-out training articles: --articles FILE)")
    p.add_argument("--no-reader-baseline", action="store_true", help="with --reading: skip the run without a reader")
    p.add_argument("--mode", choices=EVAL_MODES + ("all",), default="hybrid", dest="eval_mode",
                   help="retrieval mode to evaluate, or all of them with significance tests (default hybrid)")
    p.add_argument("-k", type=int, default=5, help="passages retrieved per question (default 5)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions (--extraction: pages) (quick runs)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the figures")
    p.add_argument("--out", metavar="DIR", help="write report.md, hit@k plot and per-question JSONL here "
                   "(--extraction: extraction.json, pages.jsonl and worst.md)")


def run_eval(args, settings) -> int:
    if args.extraction:
        from eval.extraction import run_extraction

        return run_extraction(args, settings)
    if args.languages:
        from eval.languages import run_language_eval

        return run_language_eval(args, settings)
    if args.check and settings.llm:
        from eval.checking import run_llm_check

        return run_llm_check(args, settings)
    if args.verifier_abstention:
        from eval.verifier_abstention import run_verifier_abstention
        from retrieval.search.verifier import verifier_for

        if not settings.verifier:
            raise CitedError("--verifier-abstention measures the verifier: leave out --no-verifier.")
        return run_verifier_abstention(args, settings, verifier_for(settings.verifier, settings.encoder_runtime))
    if args.check and settings.verifier:
        from eval.check_calibration import run_verifier_calibration
        from retrieval.search.verifier import verifier_for

        return run_verifier_calibration(args, settings, verifier_for(settings.verifier, settings.encoder_runtime))
    if args.check:  # --no-verifier: the similarity check's own calibration
        from eval.checking import run_check_eval

        return run_check_eval(args, settings)
    if args.canard:
        from eval.canard import run_canard

        return run_canard(args, settings)
    if args.rankers:
        from eval.rankers import run_rankers

        return run_rankers(args, settings)
    if args.tune:
        from eval.tune import run_tune

        return run_tune(args, settings)
    if args.reading and args.calibrate:
        from eval.calibrate import run_calibration
        from eval.reading import reading_articles

        return run_calibration(args, settings, reading_articles(args))
    if args.reading:
        from eval.reading import run_reading

        return run_reading(args, settings)
    if args.squad:
        from eval.squad import run_squad

        return run_squad(args, settings)
    from eval.runner import run_article_eval

    return run_article_eval(args, settings)
