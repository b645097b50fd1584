"""`cited eval --check` with the verifier: how often the check accepts what an article says in
other words, how precise its "supported" is, how well it catches altered sentences, and the
entailment threshold it uses (retrieval/answer/check.py: ENTAIL_ABOVE).

Articles: the verifier's held-out SQuAD articles (eval/sets/reader_calibration_titles.txt; never
trained on by the verifier, nor by the reader it starts from), each ingested alone; and, reported
apart and never used to choose, the 8 calibration articles of `cited eval --tune` (not trained on
by the verifier either) and the bundled article. Claims per article: eval/checking.py's passage
claims (a passage's own sentence and its longest clause; the same sentence citing the other
passage given, with a number changed, a name or a word swapped, its negation flipped; another
passage's sentence), and a question with its answer as a statement (eval/statements.py: a
paraphrase, by construction; true) and with another answer of the same kind (false).

What counts as right: a true claim supported; a false claim not supported; a true sentence citing
the wrong passage either not supported or attributed to its own passage (the check's attribution
gives it the right marker).

The rule for ENTAIL_ABOVE, fixed before any figure of the verifier was seen: the lowest threshold
of ENTAIL_GRID at which the precision of "supported" over every claim of the held-out articles is
at least TARGET_PRECISION (the most true sentences accepted at that precision). Each held-out
article is also left out in turn (the rule applied to the other three, measured on it) and the
left-out figures are reported pooled. CONTRADICT_ABOVE is not chosen here (0.5, fixed).
"""

from __future__ import annotations

import collections
import json
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval.checking import SEED, Claim, answered_questions, claims_of
from eval.statements import statement
from eval.verifier_data import answer_kind
from retrieval.answer.check import ENTAIL_ABOVE
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

ENTAIL_GRID = tuple(round(x, 2) for x in np.arange(0.05, 0.951, 0.05))
TARGET_PRECISION = 0.95
VERIFIER_TITLES = Path(__file__).resolve().parent / "sets" / "reader_calibration_titles.txt"
STATEMENTS_PER_ARTICLE = 60


@dataclass(frozen=True)
class Record:
    kind: str
    label: bool
    own: int | None  # the passage that holds the claim's sentence, for "wrong passage"
    pieces: tuple  # the ClaimReadings of each sentence the claim splits into


def statement_claims(article: dict, retriever, rng: random.Random) -> list[Claim]:
    """Each sampled answerable question as a statement citing the passage of its answer (true),
    and the same question answered with another answer of the same kind (false)."""
    answers = collections.defaultdict(list)
    made = []
    for qa, answer, context, row in answered_questions(article, retriever):
        answer = answer.strip()
        answers[answer_kind(answer)].append(answer)
        if row is not None and statement(qa["question"], answer, context) is not None:
            made.append((qa["question"], answer, context, row))
    out = []
    for question, answer, context, row in rng.sample(made, min(STATEMENTS_PER_ARTICLE, len(made))):
        passage = retriever.passage_at(row)
        out.append(Claim("question as statement", True, f"{statement(question, answer, context)} [1]", (passage,)))
        others = [a for a in answers[answer_kind(answer)] if a.lower() not in passage.text.lower()]
        wrong = statement(question, rng.choice(others), context) if others else None
        if wrong:
            out.append(Claim("question, wrong answer", False, f"{wrong} [1]", (passage,)))
    return out


def records_of(checker, claims: list[Claim]) -> list[Record]:
    from retrieval.answer.claims import markers, split_sentences

    out = []
    for c in claims:
        pieces = []
        for sentence in split_sentences(c.text):
            cited, claim = markers(sentence)
            [vector] = checker.retriever.embedder.encode([claim])
            readings = checker.readings(sentence, cited, claim, vector, list(c.passages))
            readings.other_readings()  # read now: every threshold of the sweep may ask
            pieces.append(readings)
        out.append(Record(c.kind, c.supported, getattr(c, "own", None), tuple(pieces)))
    return out


def right_at(record: Record, threshold: float) -> tuple[bool, bool]:
    """(said supported, right) for a record at this entailment threshold."""
    from retrieval.answer.check import CONTRADICT_ABOVE, verdict

    verdicts = [verdict(p, threshold, CONTRADICT_ABOVE) for p in record.pieces]
    supported = bool(verdicts) and all(v.supported for v in verdicts)
    if record.label:
        return supported, supported
    if record.kind == "wrong passage":  # right when refused, or given its own passage's marker
        own = supported and all(v.attributed and v.cited == (record.own,) for v in verdicts)
        return supported, not supported or own
    return supported, not supported


def figures(records: list[Record], threshold: float) -> dict:
    said_right = [right_at(r, threshold) for r in records]
    said = sum(s for s, _ in said_right)
    right_said = sum(s and ok for s, ok in said_right)
    true = [ok for r, (s, ok) in zip(records, said_right) if r.label]
    kinds = collections.defaultdict(list)
    for r, (_, ok) in zip(records, said_right):
        kinds[r.kind].append(ok)
    return {"precision": right_said / said if said else None, "accepted_true": float(np.mean(true)) if true else None,
            "supported": said, "claims": len(records), "right_by_kind": {k: round(float(np.mean(v)), 4) for k, v in sorted(kinds.items())},
            "count_by_kind": {k: len(v) for k, v in sorted(kinds.items())}}


def choose(records: list[Record]) -> float | None:
    """The rule of the module docstring; None when no threshold of the grid reaches the precision."""
    for t in ENTAIL_GRID:
        precision = figures(records, t)["precision"]
        if precision is not None and precision >= TARGET_PRECISION:
            return t
    return None


def article_records(articles: list[dict], settings: Settings, verifier, progress: bool) -> dict[str, list[Record]]:
    from eval.reading import each_article_indexed
    from retrieval.answer.check import Checker

    out = {}
    rng = random.Random(SEED)
    for article, answerer in each_article_indexed(articles, replace(settings, reader="", llm="")):
        checker = Checker(answerer.retriever, verifier)
        claims = claims_of(answerer.retriever, rng) + statement_claims(article, answerer.retriever, rng)
        out[article["title"]] = records_of(checker, claims)
        if progress:
            print(f"{article['title']}: {len(claims)} claims", file=sys.stderr)
    return out


def run_verifier_calibration(args, settings: Settings, verifier) -> int:
    from cited.library import Library
    from eval.reading import load_articles
    from eval.train_verifier import TUNE_TITLES
    from retrieval.answer.check import Checker

    path = Path(args.check)
    if not path.exists():
        raise CitedError(f"{path}: no such file; give a SQuAD 1.1 development file with --check PATH.")
    everything = load_articles(path, None)
    held = VERIFIER_TITLES.read_text(encoding="utf-8").split()
    progress = not args.json
    by_article = article_records([a for a in everything if a["title"] in held], settings, verifier, progress)
    pooled = [r for rs in by_article.values() for r in rs]
    threshold = choose(pooled)
    shown = threshold if threshold is not None else ENTAIL_ABOVE  # the shipped one, when the rule finds none
    left_out = []
    for title, records in by_article.items() if len(by_article) > 1 else ():
        chosen = choose([r for t, rs in by_article.items() if t != title for r in rs])
        left_out += [(r, chosen) for r in records] if chosen is not None else []
    out_of_fold = _pooled_figures(left_out) if left_out else None
    tune = article_records([a for a in everything if a["title"] in TUNE_TITLES and a["title"] not in held], settings,
                           verifier, progress)
    library = Library.with_bundled_article(replace(settings, reader="", llm=""), quiet=True)
    bundled = records_of(Checker(library.view().retriever, verifier), claims_of(library.view().retriever,
                                                                                  random.Random(SEED)))
    result = {"held_out_titles": held, "entail_above": threshold, "figures_at": shown,
              "held_out": figures(pooled, shown), "held_out_each_left_out": out_of_fold,
              "tune_titles": sorted(tune), "tune_articles": figures([r for rs in tune.values() for r in rs], shown),
              "bundled_article": figures(bundled, shown),
              "curve": [{"entail_above": t, "held_out": figures(pooled, t)} for t in ENTAIL_GRID]}
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "check-verifier.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2) if args.json else _table(result))
    return 0


def _pooled_figures(pairs: list[tuple[Record, float]]) -> dict:
    """Figures of records each judged at its own threshold (the one chosen without its article)."""
    by_threshold = collections.defaultdict(list)
    for r, t in pairs:
        by_threshold[t].append(r)
    said = right_said = 0
    true, kinds = [], collections.defaultdict(list)
    for t, records in by_threshold.items():
        for r in records:
            s, ok = right_at(r, t)
            said += s
            right_said += s and ok
            kinds[r.kind].append(ok)
            if r.label:
                true.append(ok)
    return {"precision": right_said / said if said else None, "accepted_true": float(np.mean(true)) if true else None,
            "thresholds": sorted(by_threshold), "right_by_kind": {k: round(float(np.mean(v)), 4)
                                                                  for k, v in sorted(kinds.items())}}


def _table(result: dict) -> str:
    lines = [f"Held-out articles: {', '.join(result['held_out_titles'])}; chosen ENTAIL_ABOVE = "
             f"{result['entail_above']} (None: no threshold reaches precision {TARGET_PRECISION})", "",
             "entail above   precision  true accepted (held-out articles)"]
    for row in result["curve"]:
        f = row["held_out"]
        mark = "  <- chosen" if row["entail_above"] == result["entail_above"] else (
            "  <- figures below" if row["entail_above"] == result["figures_at"] else "")
        lines.append(f"  {row['entail_above']:.2f}        {_f(f['precision'])}      {_f(f['accepted_true'])}{mark}")
    lines.append("\nright, by kind: held-out | each left out | tune articles | bundled article")
    h, o, t, b = ((result[k] or {}).get("right_by_kind", {}) for k in ("held_out", "held_out_each_left_out",
                                                                       "tune_articles", "bundled_article"))
    for kind in h:
        lines.append(f"  {kind:<26} {_f(h[kind])} | {_f(o.get(kind))} | {_f(t.get(kind))} | {_f(b.get(kind))}")
    return "\n".join(lines)


def _f(x) -> str:
    return "  —  " if x is None else f"{x:.3f}"
