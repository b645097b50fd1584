"""`cited eval --verifier-abstention`: whether the verifier should join the abstention decision —
the article does not say when no candidate sentence settles the question — and at what threshold.

On the verifier's held-out SQuAD 2.0 articles (eval/sets/reader_calibration_titles.txt), each
article and each of its topical halves (eval/calibrate.py: questions on its topic that it does not
answer) is asked its questions with the reader never abstaining; for every question the reader
gives a short answer for, the verifier reads "question + short answer" against the sentence it was
marked in (how the answerer would ask it). Then, with the reader abstaining as shipped
(Settings.reader_abstain_below), each threshold v of VERIFIER_GRID abstains also when that
entailment is below v.

The rule, fixed before any figure was seen: v is the highest threshold whose false abstention on
the held-out articles' answerable questions stays within the reader's own budget
(calibrate.PRODUCT_MAX_FALSE_ABSTAIN); the verifier joins only if, at v, both the SQuAD 2.0
unanswerable questions and the topical ones are abstained on more often than by the reader alone.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from eval.calibrate import PRODUCT_MAX_FALSE_ABSTAIN, Raw, record, whole
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

VERIFIER_GRID = [None] + [round(x, 2) for x in np.arange(0.05, 0.96, 0.05)]
HELD_OUT = Path(__file__).resolve().parent / "sets" / "reader_calibration_titles.txt"


def entailments(rows: list[Raw], verifier) -> dict[str, float]:
    """Per question id: the verifier's entailment of "question short-answer" by its marked sentence."""
    asked = [r for r in rows if r.short and r.marked_sentence]
    judged = verifier.judge([(f"{r.question} {r.short}", r.marked_sentence) for r in asked])
    return {r.id: j.entailment for r, j in zip(asked, judged)}


def abstains(r: Raw, reader_below: float | None, verifier_below: float | None, entailed: dict[str, float]) -> bool:
    if r.abstained or (reader_below is not None and r.best_p is not None and r.best_p < reader_below):
        return True
    return verifier_below is not None and r.id in entailed and entailed[r.id] < verifier_below


def curve(raw: dict[str, list[Raw]], reader_below: float | None, entailed: dict[str, float]) -> list[dict]:
    articles = [r for rs in whole(raw).values() for r in rs]
    halves = [r for title, rs in raw.items() if title not in whole(raw) for r in rs if r.topical]
    out = []
    for v in VERIFIER_GRID:
        def share(rows):
            return float(np.mean([abstains(r, reader_below, v, entailed) for r in rows])) if rows else float("nan")

        out.append({"verifier_abstain_below": v,
                    "false_abstain": share([r for r in articles if r.answerable]),
                    "no_ans_recall": share([r for r in articles if not r.answerable]),
                    "topical_recall": share(halves)})
    return out


def choose(rows: list[dict]) -> dict | None:
    """The rule of the module docstring: the row chosen, or None (the verifier does not join)."""
    alone = next(r for r in rows if r["verifier_abstain_below"] is None)
    allowed = [r for r in rows if r["verifier_abstain_below"] is not None and r["false_abstain"] <= PRODUCT_MAX_FALSE_ABSTAIN]
    if not allowed:
        return None
    best = max(allowed, key=lambda r: r["verifier_abstain_below"])
    if best["no_ans_recall"] > alone["no_ans_recall"] and best["topical_recall"] > alone["topical_recall"]:
        return best
    return None


def run_verifier_abstention(args, settings: Settings, verifier) -> int:
    from eval.reading import load_articles

    path = Path(args.verifier_abstention)
    if not path.exists():
        raise CitedError(f"{path}: no such file; give a SQuAD 2.0 development file with --verifier-abstention PATH.")
    titles = set(HELD_OUT.read_text(encoding="utf-8").split())
    articles = load_articles(path, titles)
    raw = record(articles, replace(settings, llm=""), progress=not args.json)
    entailed = entailments([r for rs in raw.values() for r in rs], verifier)
    rows = curve(raw, settings.reader_abstain_below, entailed)
    chosen = choose(rows)
    result = {"held_out_titles": sorted(titles), "reader_abstain_below": settings.reader_abstain_below,
              "max_false_abstain": PRODUCT_MAX_FALSE_ABSTAIN,
              "chosen": None if chosen is None else chosen["verifier_abstain_below"], "curve": rows}
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "verifier-abstention.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        with open(out / "verifier-abstention-raw.jsonl", "w", encoding="utf-8") as f:
            for title, rs in raw.items():
                for r in rs:
                    f.write(json.dumps({"article": title, **r.__dict__, "entailment": entailed.get(r.id)}) + "\n")
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Held-out articles: {', '.join(sorted(titles))}; the reader abstains below {settings.reader_abstain_below}")
    print("verifier below   false abstain   NoAns recall   topical recall")
    for r in rows:
        v = "(reader alone)" if r["verifier_abstain_below"] is None else f"{r['verifier_abstain_below']:.2f}"
        mark = "  <- chosen" if chosen is r else ""
        print(f"  {v:<14} {r['false_abstain']:.3f}          {r['no_ans_recall']:.3f}          "
              f"{r['topical_recall']:.3f}{mark}", file=sys.stdout)
    print("chosen: " + ("none (the verifier does not join)" if chosen is None else
                        str(chosen["verifier_abstain_below"])))
    return 0
