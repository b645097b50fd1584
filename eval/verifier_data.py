"""The verifier's training data: (claim, premise) pairs labelled entailment, neutral or
contradiction, from natural-language-inference files and from SQuAD development articles.

- NLI: SNLI dev and test, MultiNLI dev matched and counterfactually revised SNLI (all_combined),
  as their authors labelled them; MultiNLI dev mismatched is never trained on (the held-out NLI
  test). Pairs without a gold label ("-") are left out.
- SQuAD, per answerable question, with its answer's sentence (two when the answer crosses them)
  as the premise:
  * the question and its answer as a statement (eval/statements.py: a paraphrase of the
    sentence, by construction) — entailment; the same with the next or previous sentence added
    (a premise of two sentences) — entailment;
  * the statement with another answer of the same kind from the article (a number for a number,
    a date for a date, a name for a name), or one of its numbers changed, or negated —
    contradiction; with one of its words (not the answer's) swapped for a word of the article the
    paragraph lacks — neutral;
  * the statement against a sentence of the paragraph that does not hold the answer, and
    against the most similar sentence of another paragraph — neutral (not settled);
  * the question followed by its answer ("When did …? June 3, 1963"), which is how the answerer
    asks whether a sentence settles a question: entailment, with another answer contradiction,
    against a neighbouring sentence neutral.
  Per unanswerable SQuAD 2.0 question: the question with the reader's best span of the
  paragraph's most similar sentence, against that sentence — neutral (it looks answered, it is
  not: what the answerer must abstain on).
  Per paragraph, edits of two of its sentences, as `cited eval --check` makes them: the sentence
  and its longest clause (entailment); a number changed, a name swapped for one from elsewhere in
  the article, negation flipped (contradiction); a content word swapped (neutral).
Every kind is counted in the card (`examples.by_kind`)."""

from __future__ import annotations

import collections
import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.claim_edits import CONTENT, changed_number, clause, flipped_negation, names_of, swapped_name, swapped_word
from eval.reading import normalize
from eval.statements import statement

NLI_FILES = ("snli/snli_1.0_dev.csv", "snli/snli_1.0_test.csv", "mnli/multinli_1.0_dev_matched.csv",
             "snli_counterfactual/all_combined/train.tsv", "snli_counterfactual/all_combined/dev.tsv",
             "snli_counterfactual/all_combined/test.tsv")
HELD_OUT_NLI = "mnli/multinli_1.0_dev_mismatched.csv"
LABELS = ("entailment", "neutral", "contradiction")
ENTAIL, NEUTRAL, CONTRADICT = 0, 1, 2
SENTENCES_EDITED = 2  # per paragraph: the quote, its clause, and their altered versions
_DATE = re.compile(r"\b(1[0-9]|20)\d\d\b|\b(January|February|March|April|May|June|July|August|September|October|"
                   r"November|December)\b")


@dataclass(frozen=True)
class Pair:
    claim: str
    premise: str
    label: int  # ENTAIL, NEUTRAL or CONTRADICT
    kind: str


def read_nli(path: Path, kind: str) -> list[Pair]:
    """An SNLI / MultiNLI CSV (pairID, sentence1, sentence2, label) or the counterfactual TSV
    (sentence1, sentence2, gold_label)."""
    delimiter = "\t" if path.suffix == ".tsv" else ","
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=delimiter):
            label = (row.get("label") or row.get("gold_label") or "").strip()
            premise, claim = (row.get("sentence1") or "").strip(), (row.get("sentence2") or "").strip()
            if label in LABELS and premise and claim:
                out.append(Pair(claim, premise, LABELS.index(label), kind))
    return out


def answer_kind(text: str) -> str:
    if _DATE.search(text):
        return "date"
    if re.search(r"\d", text):
        return "number"
    if text[:1].isupper():
        return "name"
    return "other"


def squad_pairs(paragraphs: list[dict], seed: int, spans_of_unanswerable: dict[str, str] | None = None) -> list[Pair]:
    """Pairs from prepared SQuAD paragraphs (eval.reader_data.prepare: sentences, their vectors,
    the questions with their gold sentences). `spans_of_unanswerable`: question id → the reader's
    span in the paragraph's sentence most similar to the question (eval.train_verifier makes it)."""
    rng = random.Random(seed)
    by_title: dict[str, list[int]] = collections.defaultdict(list)
    for i, p in enumerate(paragraphs):
        by_title[p["title"]].append(i)
    answers_by_kind: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    names_by_title: dict[str, list[str]] = collections.defaultdict(list)
    words_by_title: dict[str, list[str]] = collections.defaultdict(list)
    for p in paragraphs:
        for q in p["qs"]:
            if not q["impossible"]:
                answers_by_kind[(p["title"], answer_kind(q["golds"][0]))].append(q["golds"][0].strip())
        for s in p["sents"]:
            names_by_title[p["title"]] += names_of(s)
            words_by_title[p["title"]] += CONTENT.findall(s)
    out: list[Pair] = []
    for pi, p in enumerate(paragraphs):
        sents = p["sents"]
        others = [(pj, k) for pj in by_title[p["title"]] if pj != pi for k in range(len(paragraphs[pj]["sents"]))]
        other_vectors = np.stack([paragraphs[pj]["sent_emb"][k] for pj, k in others]) if others else None
        lowered = p["context"].lower()
        foreign = sorted(w for w in set(words_by_title[p["title"]]) if w not in lowered)  # the article's, not here
        for q in p["qs"]:
            if q["impossible"]:
                span = (spans_of_unanswerable or {}).get(q["id"])
                if span:
                    best = int(np.argmax(p["sent_emb"] @ q["emb"]))
                    out.append(Pair(f"{q['question']} {span}", sents[best], NEUTRAL, "unanswerable question"))
                    said = statement(q["question"], span, p["context"])
                    if said:
                        out.append(Pair(said, sents[best], NEUTRAL, "unanswerable statement"))
                continue
            out += _question_pairs(p, q, rng, answers_by_kind, other_vectors, others, paragraphs, foreign)
        out += _sentence_edits(p, rng, names_by_title[p["title"]], foreign)
    return out


def _question_pairs(p: dict, q: dict, rng: random.Random, answers_by_kind: dict, other_vectors, others: list,
                    paragraphs: list[dict], foreign: list[str]) -> list[Pair]:
    sents, spans, context = p["sents"], p["spans"], p["context"]
    gold = q["gold_sents"]
    premise = context[spans[gold[0]][0]:spans[gold[-1]][1]]
    answer = q["golds"][0].strip()
    golds = [normalize(g) for g in q["golds"]]
    wrong = [a for a in answers_by_kind[(p["title"], answer_kind(answer))]
             if normalize(a) and normalize(a) not in normalize(premise) and all(g not in normalize(a) for g in golds)]
    other_answer = rng.choice(wrong) if wrong else None
    outside = [k for k in range(len(sents)) if k not in gold and not any(g and g in normalize(sents[k]) for g in golds)]
    neighbour = sents[rng.choice(outside)] if outside else None
    far = None
    if other_vectors is not None:
        for index in np.argsort(-(other_vectors @ q["emb"]), kind="stable")[:5]:
            pj, k = others[index]
            if not any(g and g in normalize(paragraphs[pj]["sents"][k]) for g in golds):
                far = paragraphs[pj]["sents"][k]
                break
    out = []
    asked = f"{q['question'].strip()} {answer}"
    out.append(Pair(asked, premise, ENTAIL, "question and answer"))
    if other_answer:
        out.append(Pair(f"{q['question'].strip()} {other_answer}", premise, CONTRADICT, "question, wrong answer"))
    if neighbour:
        out.append(Pair(asked, neighbour, NEUTRAL, "question and answer, other sentence"))
    said = statement(q["question"], answer, context)
    if said is None:
        return out
    out.append(Pair(said, premise, ENTAIL, "statement"))
    around = [k for k in (gold[0] - 1, gold[-1] + 1) if 0 <= k < len(sents)]
    if around and rng.random() < 0.5:
        k = rng.choice(around)
        first, last = min(k, gold[0]), max(k, gold[-1])
        out.append(Pair(said, context[spans[first][0]:spans[last][1]], ENTAIL, "statement, two sentences"))
    if other_answer:
        swapped = statement(q["question"], other_answer, context)
        if swapped:
            out.append(Pair(swapped, premise, CONTRADICT, "statement, wrong answer"))
    if (changed := changed_number(said, rng)) is not None and changed != said:
        out.append(Pair(changed, premise, CONTRADICT, "statement, changed number"))
    if (negated := flipped_negation(said)) is not None:
        out.append(Pair(negated, premise, CONTRADICT, "statement, negated"))
    if (swapped := swapped_word(said, answer, foreign, rng)) is not None:
        out.append(Pair(swapped, premise, NEUTRAL, "statement, swapped word"))
    if neighbour:
        out.append(Pair(said, neighbour, NEUTRAL, "statement, other sentence"))
    if far:
        out.append(Pair(said, far, NEUTRAL, "statement, other paragraph"))
    return out


def _sentence_edits(p: dict, rng: random.Random, article_names: list[str], foreign: list[str]) -> list[Pair]:
    """Edits of up to SENTENCES_EDITED sentences of the paragraph."""
    options = [s for s in p["sents"] if len(s.split()) >= 8]
    out = []
    for sentence in rng.sample(options, min(SENTENCES_EDITED, len(options))):
        out += _edits(sentence, p, rng, article_names, foreign)
    return out


def _edits(sentence: str, p: dict, rng: random.Random, article_names: list[str], foreign: list[str]) -> list[Pair]:
    out = [Pair(sentence, sentence, ENTAIL, "quote")]
    if (c := clause(sentence)) is not None:
        out.append(Pair(c, sentence, ENTAIL, "clause"))
    if (changed := changed_number(sentence, rng)) is not None:
        out.append(Pair(changed, sentence, CONTRADICT, "changed number"))
    elsewhere = sorted({n for n in article_names if n not in p["context"]})
    if (swapped := swapped_name(sentence, elsewhere, rng)) is not None:
        out.append(Pair(swapped, sentence, CONTRADICT, "swapped name"))
    if (negated := flipped_negation(sentence)) is not None:
        out.append(Pair(negated, sentence, CONTRADICT, "flipped negation"))
    if (swapped := swapped_word(sentence, "", foreign, rng)) is not None:
        out.append(Pair(swapped, sentence, NEUTRAL, "swapped word"))
    return out


def squad_training_pairs(articles: dict, titles: list[str], seed: int, base: Path, log) -> list[Pair]:
    """SQuAD pairs of these articles; an unanswerable question's span is the shipped reader's."""
    import pysbd
    from sentence_transformers import SentenceTransformer

    from eval.reader_data import prepare
    from retrieval.search.reader import BUNDLED_READER, Reader

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    encoder = SentenceTransformer(str(base), device="cpu")
    paragraphs = prepare(articles, titles, segmenter, encoder)
    reader = Reader(BUNDLED_READER, runtime="torch")
    spans = {}
    for p in paragraphs:
        for q in p["qs"]:
            if q["impossible"]:
                sentence = p["sents"][int(np.argmax(p["sent_emb"] @ q["emb"]))]
                (r,) = reader.read(q["question"], [sentence])
                if r.end > r.start:
                    spans[q["id"]] = sentence[r.start:r.end]
    log(f"{len(paragraphs)} paragraphs; {len(spans)} unanswerable questions with the reader's span")
    return squad_pairs(paragraphs, seed, spans)
