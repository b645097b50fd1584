"""The reader's figures on held-out training articles, measured through retrieval/search/reader.py (the
product's own loading and span rules): does it pick the answer's sentence, does it find the
answer inside it, and how well does it say "no answer" in the question's own paragraph."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from eval.reading import exact, f1


def held_out_figures(folder: Path, paragraphs: list[dict]) -> dict:
    from sklearn.metrics import roc_auc_score

    from retrieval.search.reader import Reader

    reader = Reader(folder)
    # The model's own spans, as the card records them: the answerer's length penalty
    # (retrieval/search/reader.py) is chosen and measured after training, by eval/calibrate.py.
    unpenalized = {"length_penalty": 0.0}
    labels, reader_scores, cosine_scores = [], [], []
    picked = picked_by_cosine = answerable = 0
    per_question = []  # (impossible, golds, best probability, best span text)
    started = time.perf_counter()
    for p in paragraphs:
        for q in p["qs"]:
            readings = reader.read(q["question"], p["sents"], **unpenalized)
            probabilities = [r.probability for r in readings]
            cosine = p["sent_emb"] @ q["emb"]
            ok = set(q.get("ok_sents", []))
            labels += [int(k in ok) for k in range(len(readings))]
            reader_scores += probabilities
            cosine_scores += [float(c) for c in cosine]
            best = int(np.argmax(probabilities))
            if not q["impossible"]:
                answerable += 1
                picked += best in ok
                picked_by_cosine += int(np.argmax(cosine)) in ok
            r = readings[best]
            per_question.append((q["impossible"], q["golds"], r.probability, p["sents"][best][r.start : r.end]))
    seconds = time.perf_counter() - started
    # The span, given the answer's own sentence(s).
    golden = []
    for p in paragraphs:
        for q in p["qs"]:
            if not q["impossible"]:
                gold = q["gold_sents"]
                sentence = p["context"][p["spans"][gold[0]][0] : p["spans"][gold[-1]][1]]
                (r,) = reader.read(q["question"], [sentence], **unpenalized)
                golden.append((sentence[r.start : r.end], q["golds"]))
    sweep = []
    unanswerable = sum(1 for x in per_question if x[0])
    for t in [round(0.05 * i, 2) for i in range(1, 20)]:
        has_f1 = no_ok = total = 0.0
        for impossible, golds, probability, text in per_question:
            abstain = probability < t
            if impossible:
                no_ok += abstain
                total += float(abstain)
            else:
                score = 0.0 if abstain else max(f1(text, g) for g in golds)
                has_f1 += score
                total += score
        sweep.append({"t": t, "has_ans_f1": has_f1 / max(1, len(per_question) - unanswerable),
                      "no_ans_recall": no_ok / max(1, unanswerable), "f1": total / len(per_question)})
    return {
        "sentence": {"pair_auc_reader": float(roc_auc_score(labels, reader_scores)),
                     "pair_auc_cosine": float(roc_auc_score(labels, cosine_scores)),
                     "answer_sentence_at_1_reader": picked / max(1, answerable),
                     "answer_sentence_at_1_cosine": picked_by_cosine / max(1, answerable)},
        "span_given_its_sentence": {"exact": float(np.mean([max(exact(t, g) for g in gs) for t, gs in golden])),
                                    "f1": float(np.mean([max(f1(t, g) for g in gs) for t, gs in golden])),
                                    "questions": len(golden)},
        "gold_paragraph_sweep": sweep,
        "questions": len(per_question), "unanswerable": unanswerable,
        "ms_per_question_paragraph": 1000 * seconds / max(1, len(per_question)),
    }
