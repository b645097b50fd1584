"""The candidate sentences of an answer — every sentence of the retrieved passages — scored, and
the ones chosen to answer.

Each candidate is scored by its dense similarity to the question plus a lexical term (its BM25
score relative to the best candidate's). The best sentence, or pair of consecutive sentences,
opens the answer; other sentences join it when they score nearly as well; a chosen sentence that
leans on the one before it brings that one along (docs/evaluation.md has the effect of each).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from retrieval.answer.colophon import COLOPHON_KINDS
from retrieval.index.vector_rows import rows_of
from retrieval.search.retriever import Passage, Query, Retriever
from retrieval.search.signals import Signals

LEXICAL_WEIGHT = 0.25
JOIN_MARGIN = 0.06  # a further sentence joins the answer if it scores within this of the best
# A heading answers nothing by itself; nor does the colophon, which answers only the questions
# colophon.py routes to it.
_NOT_AN_ANSWER = frozenset({"heading", *COLOPHON_KINDS})
_ASKS_FOR_TITLE = re.compile(r"\b(title|titled|called|named|headline|about)\b", re.I)
# A sentence opening with a pronoun leans on the one before it ("They chose Braddock to lead the
# expedition." says nothing of why without "…decided to send an army expedition to dislodge the
# French."), so the answer brings that sentence along. And a sentence that opens by pointing back
# ("Two of these groups are …") continues the one before it, so it follows the best sentence.
_LEANS_BACK = re.compile(r"^(It|Its|They|Their|Them|He|His|She|Her|This|These|Those|That|Such|The latter|The former)\b")
# "… engaged in a telephone consultation …" → "They also agreed on …": the same actors go on.
_POINTS_BACK = re.compile(r"^(\S+\s+){0,2}(this|these|those|that|such)\b|^(they|it|he|she)\s+also\b", re.I)


@dataclass(frozen=True)
class Candidate:
    score: float
    dense: float
    lexical: float  # BM25 relative to the best sentence among the passages
    passage: Passage
    start: int
    end: int
    row: int  # in the index's sentence table

    @property
    def key(self) -> tuple[str, int]:
        """(document, start): how readings and answer sentences find it."""
        return self.passage.doc, self.start


def span_text(retriever: Retriever, row: int, start: int, end: int) -> str:
    """The words at [start, end) of the document, read from the chunk at `row` that holds them."""
    chunk = retriever.chunks[row]
    return chunk.text[start - chunk.start : end - chunk.start]


def text_of(retriever: Retriever, c: Candidate) -> str:
    return span_text(retriever, c.passage.chunk, c.start, c.end)


def candidate_sentences(retriever: Retriever, question: str, signals: Signals,
                        passages: list[Passage]) -> list[Candidate]:
    """Every sentence of the retrieved passages, in passage order, with its scores; headings, the
    colophon and (unless the question asks what the article is) the title answer nothing by themselves."""
    dense, lexical, starts = signals.sentence_dense, signals.sentence_bm25, retriever.sentence_starts
    rows = [starts[p.chunk] + i for p in passages for i in range(len(retriever.chunks[p.chunk].sentences))]
    top_lexical = float(lexical[rows].max()) if rows and len(lexical) else 0.0
    out = []
    for p in passages:
        chunk = retriever.chunks[p.chunk]
        if chunk.kind in _NOT_AN_ANSWER or (chunk.kind == "title" and not _ASKS_FOR_TITLE.search(question)):
            continue
        for i, (start, end) in enumerate(chunk.sentences):
            row = int(starts[p.chunk] + i)
            lex = float(lexical[row]) / top_lexical if top_lexical > 0 else 0.0
            d = float(dense[row])
            out.append(Candidate(d + LEXICAL_WEIGHT * lex, d, lex, p, start, end, row))
    return out


def choose(retriever: Retriever, query: Query, fitting: list[Candidate], most: int) -> list[Candidate]:
    """The best single sentence or pair of consecutive sentences (an answer often sits in the
    sentence after the one that names the question's topic), then any other sentence scoring
    nearly as well as the best one chosen, up to `most`."""
    paired = [i for i in range(len(fitting) - 1) if fitting[i + 1].passage.chunk == fitting[i].passage.chunk]
    needed = sorted({fitting[j].row for i in paired for j in (i, i + 1)})
    vectors = dict(zip(needed, rows_of(retriever.index.sentence_vectors, needed)))
    best_score, best = -np.inf, [fitting[0]]
    for i, c in enumerate(fitting):
        if c.score > best_score:
            best_score, best = c.score, [c]
        following = fitting[i + 1] if i + 1 < len(fitting) else None
        if following is not None and following.passage.chunk == c.passage.chunk:
            pair = vectors[c.row] + vectors[following.row]
            dense = float(pair @ query.vector) / max(float(np.linalg.norm(pair)), 1e-9)
            score = dense + LEXICAL_WEIGHT * max(c.lexical, following.lexical)
            if score > best_score:
                best_score, best = score, [c, following]
    chosen = list(best)
    floor = max(c.score for c in chosen) - JOIN_MARGIN
    for c in sorted(fitting, key=lambda c: -c.score):
        if len(chosen) >= most or c.score < floor:
            break
        if c not in chosen:
            chosen.append(c)
    return chosen


def with_context(retriever: Retriever, chosen: list[Candidate]) -> list[Candidate]:
    """The chosen sentences, each that opens with a pronoun preceded by the sentence before it
    in its passage, and the best one followed by the next when that one points back at it."""
    out: list[Candidate] = []
    taken = {(c.passage.chunk, c.start) for c in chosen}

    def neighbour(c: Candidate, step: int) -> Candidate | None:
        sentences = retriever.chunks[c.passage.chunk].sentences
        i = sentences.index((c.start, c.end)) + step
        if not 0 <= i < len(sentences) or (c.passage.chunk, sentences[i][0]) in taken:
            return None
        return replace(c, start=sentences[i][0], end=sentences[i][1], row=c.row + step)

    for c in chosen:
        before = neighbour(c, -1) if _LEANS_BACK.match(text_of(retriever, c)) else None
        if before is not None:
            taken.add((before.passage.chunk, before.start))
            out.append(before)
        out.append(c)
    after = neighbour(chosen[0], +1)
    if after is not None and _POINTS_BACK.match(text_of(retriever, after)):
        out.append(after)
    return out
