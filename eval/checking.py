"""`cited eval --check`: how well retrieval/answer/check.py tells a supported sentence from one that is
not, on sentences built from SQuAD articles with known labels, and the threshold it uses.

Each article (the calibration articles of `cited eval --tune`, never the public ones; and the
bundled article, reported apart and never used to choose) is ingested alone. For sampled passages,
a sentence S of the passage is given to the check with two passages: its own and the passage most
like it (the wrong one retrieval would also show). The claims and their labels:
- supported: S citing its passage; S's longest clause citing its passage;
- unsupported: S citing the other passage; S with a number changed; with a name swapped for one
  from elsewhere in the article; with its negation flipped; with one content word swapped for one
  from elsewhere in the article; another passage's sentence citing S's passage.
And, since an LLM paraphrases rather than quotes, statements made from SQuAD's own questions
(written by people to paraphrase the paragraph) and their answers: a question whose wh-word is its
subject ("Who leads the government?" + "Kakar") becomes "Kakar leads the government." citing the
answer's passage (supported); with another question's answer in its place, it is not.
The rule for SUPPORT_ABOVE and WORD_ABOVE, fixed before any figure was seen: among the pairs of
the two grids at which at least 95% of the calibration sentences the check calls supported are
labelled supported, the best recall; ties go to the lower word threshold, then the lower sentence
threshold (the most lenient to a paraphrase). The true sentences here are the passage's own words,
so the figures say nothing of how often a real paraphrase is flagged: the real LLM's sentences,
labelled by hand, measure that (`cited eval --check --llm URL`)."""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval.claim_edits import (
    CONTENT,
    NAME,
    NOT_NAMES,
    changed_number,
    clause,
    flipped_negation,
    swapped_name,
    swapped_word,
)
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

PASSAGES_PER_ARTICLE = 30
SEED = 13
GRID = tuple(round(x, 2) for x in np.arange(0.40, 0.951, 0.05))  # sentence similarity
WORD_GRID = tuple(round(x, 2) for x in np.arange(0.30, 0.701, 0.05))  # a new word's closeness to the passage's
TARGET_PRECISION = 0.95


@dataclass(frozen=True)
class Claim:
    kind: str
    supported: bool
    text: str  # with its marker
    passages: tuple  # the two Passage objects given to the check
    own: int | None = None  # n of the passage that holds the claim's sentence


def claims_of(retriever, rng: random.Random) -> list[Claim]:
    chunks = retriever.chunks
    index = retriever.index
    texts = [(row, s) for row, c in enumerate(chunks) if c.kind == "text"
             for s in c.sentence_texts() if len(s.split()) >= 8]
    if len(texts) < 4:
        return []
    article_names = sorted({m.group(0) for _, s in texts for m in NAME.finditer(s)} - NOT_NAMES)
    article_words = sorted({w for _, s in texts for w in CONTENT.findall(s)})
    out: list[Claim] = []
    rows = sorted({row for row, _ in texts})
    for row in rng.sample(rows, min(PASSAGES_PER_ARTICLE, len(rows))):
        chunk = chunks[row]
        options = [s for r, s in texts if r == row]
        sentence = rng.choice(options)
        i = chunk.sentence_texts().index(sentence)
        vector = index.sentence_vectors[int(retriever.sentence_starts[row]) + i]
        similar = index.chunk_vectors @ vector
        similar[row] = -2
        other = int(np.argmax(similar))
        own, wrong = retriever.passage_at(row), retriever.passage_at(other)
        pair = (own, wrong) if rng.random() < 0.5 else (wrong, own)
        n_own, n_wrong = (1, 2) if pair[0] is own else (2, 1)

        def add(kind, supported, text, n):
            out.append(Claim(kind, supported, f"{text.rstrip()} [{n}]", pair, n_own))

        add("true sentence", True, sentence, n_own)
        if (c := clause(sentence)) is not None:
            add("true clause", True, c, n_own)
        add("wrong passage", False, sentence, n_wrong)
        if (changed := changed_number(sentence, rng)) is not None:
            add("changed number", False, changed, n_own)
        if (swapped := swapped_name(sentence, [n for n in article_names if n not in chunk.text], rng)) is not None:
            add("swapped name", False, swapped, n_own)
        if (negated := flipped_negation(sentence)) is not None:
            add("flipped negation", False, negated, n_own)
        foreign = [w for w in article_words if w not in chunk.text.lower()]
        if (swapped := swapped_word(sentence, "", foreign, rng)) is not None:
            add("swapped word", False, swapped, n_own)
        stranger = rng.choice([s for r, s in texts if r not in (row, other)] or [sentence])
        if stranger != sentence:
            add("unrelated sentence", False, stranger, n_own)
    return out


# A question whose wh-word is its subject: "Who edited …", "What causes the …", "What was the …".
_SUBJECT_QUESTION = re.compile(r"^(?i:who|what|which \w+)\s+((?:(?:is|was|are|were)\s+(?:the|a|an)\b|\w+ed\b|"
                               r"\w+s\s+(?:the|a|an|his|her|its|their|[A-Z]))\b.*?)\?*\s*$")


def statement(question: str, answer: str) -> str | None:
    """"Who leads the government?" + "Kakar" → "Kakar leads the government.", or None when the
    wh-word is not the question's subject."""
    m = _SUBJECT_QUESTION.match(question.strip())
    if not m or not answer.strip():
        return None
    answer = answer.strip().rstrip(".")
    return f"{answer[0].upper()}{answer[1:]} {m.group(1).strip().rstrip('.')}."


def answered_questions(article: dict, retriever):
    """Each answerable question of an article ingested alone, with its answer, its paragraph's
    text and the chunk row that holds the answer (None when the answer is not found there)."""
    doc = retriever.index.documents[0]
    for p in article["paragraphs"]:
        context = " ".join(p["context"].split())
        start = doc.text.find(context)
        for qa in p["qas"]:
            if not qa.get("answers") or start < 0:
                continue
            answer = qa["answers"][0]["text"]
            at = doc.text.find(answer, start, start + len(context))
            row = next((i for i, c in enumerate(retriever.chunks) if c.start <= at < c.end), None) if at >= 0 else None
            yield qa, answer, context, row


def claims_from_questions(article: dict, retriever, rng: random.Random, limit: int = 40) -> list[Claim]:
    answers = [qa["answers"][0]["text"] for p in article["paragraphs"] for qa in p["qas"] if qa.get("answers")]
    made = []
    for qa, answer, _, row in answered_questions(article, retriever):
        said = statement(qa["question"], answer)
        if said is not None and row is not None:
            made.append((said, answer, row))
    out = []
    for said, answer, row in rng.sample(made, min(limit, len(made))):
        passage = retriever.passage_at(row)
        out.append(Claim("question as statement", True, f"{said} [1]", (passage,)))
        others = [a for a in answers if a.lower() not in passage.text.lower() and a.lower() != answer.lower()]
        if others:
            other = rng.choice(others).strip().rstrip(".")
            out.append(Claim("wrong answer", False, f"{other[0].upper()}{other[1:]}{said[len(answer.rstrip('.')):]} [1]",
                             (passage,)))
    return out


def verdicts(retriever, claims: list[Claim]) -> list[dict]:
    """Each claim checked twice: with no similarity threshold (which rules it passes) and with an
    impossible one (whether it is supported as a quote); any threshold's verdict follows."""
    from retrieval.answer.check_by_similarity import SimilarityChecker

    loose, strict = SimilarityChecker(retriever, -2.0, -2.0), SimilarityChecker(retriever, 2.0, -2.0)
    out = []
    for c in claims:
        # The splitter may cut a claim in two (an abbreviation): it holds when every piece does.
        a = loose.check(c.text, list(c.passages))
        b = strict.check(c.text, list(c.passages))
        out.append({"kind": c.kind, "label": c.supported, "text": c.text, "rules": all(s.supported for s in a),
                    "quoted": all(s.supported for s in b), "similarity": min(s.similarity for s in a),
                    "word_match": min(s.word_match for s in a),
                    "reason": "; ".join(s.reason for s in b if s.reason)})
    return out


def supported_at(record: dict, threshold: float, word: float) -> bool:
    return record["rules"] and record["word_match"] >= word and (record["quoted"] or record["similarity"] >= threshold)


def figures(records: list[dict], threshold: float, word: float) -> dict:
    said = [supported_at(r, threshold, word) for r in records]
    labels = [r["label"] for r in records]
    tp = sum(s and y for s, y in zip(said, labels))
    precision = tp / max(1, sum(said))
    recall = tp / max(1, sum(labels))
    kinds = sorted({r["kind"] for r in records})
    caught = {k: float(np.mean([supported_at(r, threshold, word) == r["label"] for r in records if r["kind"] == k]))
              for k in kinds}
    return {"precision": precision, "recall": recall, "sentences": len(records), "right_by_kind": caught}


def choose(records: list[dict]) -> tuple[float, float]:
    scored = {(t, w): figures(records, t, w) for t in GRID for w in WORD_GRID}
    ok = [pair for pair, f in scored.items() if f["precision"] >= TARGET_PRECISION]
    if not ok:
        raise CitedError(f"No thresholds of the grids reach precision {TARGET_PRECISION}; widen eval/checking's grids.")
    return max(ok, key=lambda pair: (round(scored[pair]["recall"], 6), -pair[1], -pair[0]))


def run_check_eval(args, settings: Settings) -> int:
    from cited.library import Library
    from eval.reading import each_article_indexed, load_articles, public_titles
    from eval.tune import calibration_titles

    path = Path(args.check)
    if not path.exists():
        raise CitedError(f"{path}: no such file; give a SQuAD 1.1 development file with --check PATH.")
    everything = load_articles(path, None)
    titles = calibration_titles(everything, public_titles())
    rng = random.Random(SEED)
    squad: list[dict] = []
    plain = replace(settings, reader="", llm="")
    for article, answerer in each_article_indexed([a for a in everything if a["title"] in titles], plain):
        claims = claims_of(answerer.retriever, rng) + claims_from_questions(article, answerer.retriever, rng)
        squad += verdicts(answerer.retriever, claims)
        if not args.json:
            print(f"{article['title']}: {len(squad)} sentences so far", file=sys.stderr)
    retriever = Library.with_bundled_article(plain, quiet=True).view().retriever
    article_records = verdicts(retriever, claims_of(retriever, random.Random(SEED)))
    threshold, word = choose(squad)
    result = {"calibration_titles": titles, "threshold": threshold, "word_threshold": word,
              "calibration": figures(squad, threshold, word), "article": figures(article_records, threshold, word),
              "curve": [{"threshold": t, "calibration": figures(squad, t, word),
                         "article": figures(article_records, t, word)} for t in GRID],
              "word_curve": [{"word_threshold": w, "calibration": figures(squad, threshold, w),
                              "article": figures(article_records, threshold, w)} for w in WORD_GRID]}
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "check.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        with open(out / "check-sentences.jsonl", "w", encoding="utf-8") as f:
            for where, records in (("calibration", squad), ("article", article_records)):
                for r in records:
                    f.write(json.dumps({"set": where, **r}, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Calibration articles: {', '.join(titles)}; {len(squad)} sentences there, "
          f"{len(article_records)} from the bundled article.")
    for key, chosen, label in (("curve", threshold, f"sentence similarity (word threshold {word:.2f})"),
                               ("word_curve", word, f"new word's closeness (sentence threshold {threshold:.2f})")):
        print(f"\n{label}:  calibration precision recall | article precision recall")
        for row in result[key]:
            t = row.get("threshold", row.get("word_threshold"))
            c, a = row["calibration"], row["article"]
            mark = "  <- chosen" if t == chosen else ""
            print(f"  {t:.2f}      {c['precision']:.3f}  {c['recall']:.3f} | {a['precision']:.3f}  {a['recall']:.3f}{mark}")
    print("\nright, by kind of sentence (at the chosen threshold): calibration | article")
    for kind, share in result["calibration"]["right_by_kind"].items():
        print(f"  {kind:<20} {share:.3f} | {result['article']['right_by_kind'].get(kind, float('nan')):.3f}")
    return 0


# --- a real LLM on the article's eval set: `cited eval --check --llm URL` ---------------------------

LABELS = Path(__file__).resolve().parent / "sets" / "llm_check_labels.jsonl"


def run_llm_check(args, settings: Settings) -> int:
    """Every question of the eval set through the LLM writer; each sentence it wrote, with the
    check's verdict, to --out DIR/llm-sentences.jsonl; figures, and the check's precision and
    recall against the hand labels of eval/sets/llm_check_labels.jsonl where they match."""
    import time

    from cited.library import Library
    from eval.gold import load_eval_set
    from eval.sets import DEFAULT_SET

    questions = load_eval_set(Path(args.set or DEFAULT_SET))[: args.limit or None]
    library = Library.with_bundled_article(replace(settings, reader=""), quiet=True)
    checker = checker_for(library)
    rows, answers = [], []
    for q in questions:
        started = time.perf_counter()
        answer = library.ask(q.question, k=args.k)
        answers.append({"id": q.id, "writer": answer.writer, "abstained": answer.abstained,
                        "notice": answer.notice, "seconds": time.perf_counter() - started})
        if answer.written is None:
            continue
        rows += sentence_rows(q, answer, checker)
        if not args.json:
            print(f"{q.id}: {answer.written.text[:100]!r} → {[s.verdict for s in answer.written.sentences]}",
                  file=sys.stderr)
    asked = [a for a in answers if not a["abstained"]]
    result = {
        "model": library.llm_writer().model if asked else "", "questions": len(questions),
        "sent_to_llm": len(asked), "llm_shown": sum(a["writer"] == "llm" for a in asked),
        "fell_back": sum(a["writer"] != "llm" for a in asked), "sentences": len(rows),
        "verdicts": {v: sum(r["verdict"] == v for r in rows) for v in ("supported", "contradicted", "unsupported",
                                                                       "invalid citation", "no answer")},
        "attributed": sum(bool(r.get("attributed")) for r in rows),
        "seconds_p50": float(np.median([a["seconds"] for a in asked])) if asked else float("nan"),
        "against_labels": _against_labels(rows),
    }
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "llm-sentences.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        (out / "llm-check.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


def checker_for(library):

    return library.view().checker()


def sentence_rows(q, answer, checker) -> list[dict]:
    """One record per sentence the LLM wrote: its verdict, and its "content verdict": the check
    of what it says as if it cited every passage it was given (a small model seldom writes
    markers, and the content rules are what a label can judge)."""
    rows = []
    everything = "".join(f"[{n}]" for n in range(1, len(answer.passages) + 1))
    for s in answer.written.sentences:
        [content] = checker.check(f"{s.claim.rstrip('.')} {everything}.", answer.passages)[:1] or [s]
        rows.append({"id": q.id, "question": q.question, "answerable": q.answerable, **s.to_json(),
                     "content_verdict": content.verdict, "content_reason": content.reason,
                     "passages": {n: answer.passages[n - 1].text for n in s.cited if 1 <= n <= len(answer.passages)}})
    return rows


def _against_labels(rows: list[dict]) -> dict | None:
    """Precision and recall of "supported" against a person's label of each sentence (is what it
    says stated by the article?), over the sentences that have a label: of the check as shown, and
    of its content rules alone (the sentence as if it cited every passage it was given)."""
    if not LABELS.exists():
        return None
    labels = {}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            labels[(item["id"], item["text"])] = bool(item["supported"])
    judged = [(r["supported"], labels[(r["id"], r["text"])]) for r in rows if (r["id"], r["text"]) in labels]
    if not judged:
        return {"labelled": 0}
    content = [(r["content_verdict"] == "supported", labels[(r["id"], r["text"])]) for r in rows
               if (r["id"], r["text"]) in labels and r["verdict"] != "no answer"]
    return {"labelled": len(judged), "labelled_supported": sum(y for _, y in judged),
            "check": _precision_recall(judged), "content_check": _precision_recall(content)}


def _precision_recall(pairs: list[tuple[bool, bool]]) -> dict:
    said = sum(s for s, _ in pairs)
    true = sum(y for _, y in pairs)
    both = sum(s and y for s, y in pairs)
    return {"said_supported": said, "precision": both / said if said else None, "recall": both / true if true else None}
