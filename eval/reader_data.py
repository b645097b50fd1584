"""The reader's training data: SQuAD 1.1 and 2.0 development articles → (question, sentence)
pairs, labelled "answers" (with the answer's characters in the sentence) or "does not answer".

- An article title is the unit: the evaluation articles (those of the ExpMRC file) are left out
  entirely, a few more (drawn with the seed) are held out for calibration, the rest train.
- Questions are deduplicated by id (SQuAD 2.0 first: most of its answerable questions are 1.1's).
- Per answerable question: its answer's sentence (two merged when the answer crosses their
  boundary) is the positive; the other sentences of its paragraph, and the two sentences of the
  article's other paragraphs most similar to it (the bundled encoder's cosine: what retrieval
  would rank high, and that hold no gold answer), are negatives — the open-book case.
- Per unanswerable SQuAD 2.0 question: up to 4 sentences of its paragraph, most similar first.
- Negatives are subsampled so about 30% of the examples are positives.
"""

from __future__ import annotations

import collections
import json
import random
from pathlib import Path

import numpy as np

from eval.reading import normalize

MAX_LEN = 96  # question + sentence tokens


def load_articles(squad2: Path, squad11: Path) -> tuple[dict[str, list[dict]], set[str]]:
    """title → [{context, qas}], questions deduplicated by id; and the titles in SQuAD 2.0."""
    articles: dict[str, dict[str, list]] = collections.OrderedDict()
    seen: set[str] = set()
    in_v2: set[str] = set()
    for source in (squad2, squad11):
        for a in json.loads(Path(source).read_text(encoding="utf-8"))["data"]:
            if source == squad2:
                in_v2.add(a["title"])
            paragraphs = articles.setdefault(a["title"], collections.OrderedDict())
            for p in a["paragraphs"]:
                questions = paragraphs.setdefault(p["context"], [])
                for q in p["qas"]:
                    if q["id"] not in seen:
                        seen.add(q["id"])
                        questions.append(q)
    out = collections.OrderedDict()
    for title, paragraphs in articles.items():
        out[title] = [{"context": c, "qas": q} for c, q in paragraphs.items()]
    return out, in_v2


def split_sentences(context: str, segmenter) -> list[tuple[int, int]]:
    """Contiguous sentence spans covering the paragraph, whitespace stripped."""
    starts, cursor = [], 0
    for piece in segmenter.segment(context):
        text = piece.sent.strip()
        if not text:
            continue
        at = context.find(text, cursor)
        if at < 0:
            at = max(piece.start, cursor)
        starts.append(at)
        cursor = at + len(text)
    if not starts or starts[0] != 0:
        starts = [0] + starts
    starts = sorted(set(starts))
    spans = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(context)
        piece = context[start:end]
        left, right = len(piece) - len(piece.lstrip()), len(piece.rstrip())
        if right > left:
            spans.append((start + left, start + right))
    return spans


def sentence_at(spans: list[tuple[int, int]], position: int) -> int:
    for i, (_, end) in enumerate(spans):
        if position < end:
            return i
    return len(spans) - 1


def prepare(articles: dict, titles: list[str], segmenter, encoder) -> list[dict]:
    """Sentences and their vectors for every paragraph of the titles, with each question's gold."""
    paragraphs = []
    for title in titles:
        for p in articles[title]:
            spans = split_sentences(p["context"], segmenter)
            questions = []
            for q in p["qas"]:
                impossible = bool(q.get("is_impossible", False)) or not q["answers"]
                item = {"id": q["id"], "question": q["question"], "impossible": impossible,
                        "golds": [a["text"] for a in q["answers"]]}
                if not impossible:
                    a = q["answers"][0]
                    s0, e0 = a["answer_start"], a["answer_start"] + len(a["text"])
                    item["gold_sents"] = list(range(sentence_at(spans, s0), sentence_at(spans, max(s0, e0 - 1)) + 1))
                    item["ans_char"] = (s0, e0)
                    ok = set()  # sentences holding any gold answer: positives when scoring
                    for answer in q["answers"]:
                        s, e = answer["answer_start"], answer["answer_start"] + len(answer["text"])
                        ok.update(range(sentence_at(spans, s), sentence_at(spans, max(s, e - 1)) + 1))
                    item["ok_sents"] = sorted(ok)
                questions.append(item)
            paragraphs.append({"title": title, "context": p["context"], "spans": spans,
                               "sents": [p["context"][s:e] for s, e in spans], "qs": questions})
    sentences = encoder.encode([s for p in paragraphs for s in p["sents"]], batch_size=64, convert_to_numpy=True,
                               normalize_embeddings=True, show_progress_bar=False)
    questions = encoder.encode([q["question"] for p in paragraphs for q in p["qs"]], batch_size=64,
                               convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    i = j = 0
    for p in paragraphs:
        p["sent_emb"] = sentences[i : i + len(p["sents"])]
        i += len(p["sents"])
        for q in p["qs"]:
            q["emb"] = questions[j]
            j += 1
    return paragraphs


def build_examples(paragraphs: list[dict], seed: int, positive_share: float = 0.30):
    """(question, sentence, label, answer's (start, end) in the sentence or None, kind) examples."""
    rng = random.Random(seed)
    by_title = collections.defaultdict(list)
    for i, p in enumerate(paragraphs):
        by_title[p["title"]].append(i)
    positives, negatives = [], {"in_para": [], "hard": [], "unans": []}
    skipped = 0
    for pi, p in enumerate(paragraphs):
        others = [(pj, k) for pj in by_title[p["title"]] if pj != pi for k in range(len(paragraphs[pj]["sents"]))]
        other_vectors = np.stack([paragraphs[pj]["sent_emb"][k] for pj, k in others]) if others else None
        for q in p["qs"]:
            similarity = p["sent_emb"] @ q["emb"]
            if q["impossible"]:
                for k in np.argsort(-similarity, kind="stable")[:4]:
                    negatives["unans"].append((q["question"], p["sents"][k], 0, None, "unans"))
                continue
            gold = q["gold_sents"]
            start, end = p["spans"][gold[0]][0], p["spans"][gold[-1]][1]
            a0, a1 = q["ans_char"]
            positives.append((q["question"], p["context"][start:end], 1, (a0 - start, a1 - start), "pos"))
            for k in range(len(p["sents"])):
                if k not in gold:
                    negatives["in_para"].append((q["question"], p["sents"][k], 0, None, "in_para"))
            if other_vectors is None:
                continue
            golds = [normalize(g) for g in q["golds"]]
            taken = 0
            for index in np.argsort(-(other_vectors @ q["emb"]), kind="stable"):
                pj, k = others[index]
                if any(g and g in normalize(paragraphs[pj]["sents"][k]) for g in golds):
                    skipped += 1  # holds a gold answer: not a safe negative
                    continue
                negatives["hard"].append((q["question"], paragraphs[pj]["sents"][k], 0, None, "hard"))
                taken += 1
                if taken == 2:
                    break
    pools = {k: len(v) for k, v in negatives.items()}
    wanted = int(round(len(positives) * (1 - positive_share) / positive_share))
    # A third of the negatives of each kind (as far as each pool goes), the rest from the others.
    share = {k: wanted // 3 for k in negatives}
    for _ in range(3):
        spare = wanted - sum(min(share[k], len(negatives[k])) for k in negatives)
        room = [k for k in negatives if len(negatives[k]) > share[k]]
        if spare <= 0 or not room:
            break
        for k in room:
            share[k] += spare // len(room)
    chosen = []
    for kind, pool in negatives.items():
        pool = list(pool)
        rng.shuffle(pool)
        chosen += pool[: min(share[kind], len(pool))]
    examples = positives + chosen
    rng.shuffle(examples)
    stats = {"positives": len(positives), "negative_pools": pools, "hard_neg_skipped_contains_answer": skipped,
             "negatives_kept": dict(collections.Counter(e[4] for e in chosen))}
    return examples, stats


def encode_examples(tokenizer, examples: list) -> tuple[list, int]:
    """Token ids, type ids, the sentence's token mask, the label and the answer's token span
    (-100 when none, or when truncation cut the answer away)."""
    encoded = tokenizer([e[0] for e in examples], [e[1] for e in examples], truncation="only_second",
                        max_length=MAX_LEN, return_offsets_mapping=True)
    out, lost = [], 0
    for i, e in enumerate(examples):
        sequence, offsets = encoded.sequence_ids(i), encoded["offset_mapping"][i]
        start_token = end_token = -100
        if e[2] == 1:
            a0, a1 = e[3]
            for t, (sid, (o0, o1)) in enumerate(zip(sequence, offsets)):
                if sid != 1:
                    continue
                if start_token < 0 and o1 > a0:
                    start_token = t
                if o0 < a1:
                    end_token = t
            if start_token < 0 or end_token < start_token or offsets[end_token][1] < a1:
                start_token = end_token = -100
                lost += 1
        mask = [1 if s == 1 else 0 for s in sequence]
        out.append((encoded["input_ids"][i], encoded["token_type_ids"][i], mask, e[2], start_token, end_token))
    return out, lost


def collate(items: list, batch: list[int]):
    import torch

    length = max(len(items[i][0]) for i in batch)
    n = len(batch)
    ids = torch.zeros(n, length, dtype=torch.long)
    types = torch.zeros(n, length, dtype=torch.long)
    attention = torch.zeros(n, length, dtype=torch.long)
    in_sentence = torch.zeros(n, length, dtype=torch.bool)
    for row, i in enumerate(batch):
        x = items[i]
        size = len(x[0])
        ids[row, :size] = torch.tensor(x[0])
        types[row, :size] = torch.tensor(x[1])
        attention[row, :size] = 1
        in_sentence[row, :size] = torch.tensor(x[2], dtype=torch.bool)
    labels = torch.tensor([float(items[i][3]) for i in batch])
    starts = torch.tensor([items[i][4] for i in batch])
    ends = torch.tensor([items[i][5] for i in batch])
    return ids, types, attention, in_sentence, labels, starts, ends
