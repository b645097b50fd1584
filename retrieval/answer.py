"""Grounded answers without an LLM: the article's own sentences that best answer the question,
each with a marker [n] pointing at the passage it came from, or an honest abstention.

Each candidate sentence (the sentences of the retrieved passages) is scored by its dense
similarity to the question plus a lexical term (its BM25 score relative to the best sentence's).
The best sentence opens the answer; other sentences join it when they score nearly as well.
When even the best sentence is weakly related (dense similarity below Settings.abstain_below),
the answer is "The article does not say". The threshold is calibrated on the article's eval set
and the SQuAD benchmark (eval/README.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from cited.settings import Settings
from retrieval.search import Passage, Query, Retriever

ABSTAIN_TEXT = "The article does not say."
LEXICAL_WEIGHT = 0.25
JOIN_MARGIN = 0.06  # a further sentence joins the answer if it scores within this of the best


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    doc: str
    start: int
    end: int
    citation: int  # n of the passage it is cited to
    score: float


@dataclass
class Answer:
    question: str
    text: str
    abstained: bool
    citations: list[tuple[int, Passage]]
    passages: list[Passage]
    sentences: list[AnswerSentence] = field(default_factory=list)
    support: float = 0.0  # dense similarity of the best sentence: how well the article answers
    mode: str = "hybrid"
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "support": round(self.support, 4),
            "mode": self.mode,
            "citations": [p.citation(n) for n, p in self.citations],
            "sentences": [
                {"text": s.text, "doc": s.doc, "start": s.start, "end": s.end, "citation": s.citation}
                for s in self.sentences
            ],
            "passages": [p.citation() for p in self.passages],
            "seconds": round(self.seconds, 4),
        }


class Answerer:
    def __init__(self, retriever: Retriever, settings: Settings | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or retriever.settings

    def ask(self, question: str, k: int | None = None, mode: str | None = None, doc: str | None = None) -> Answer:
        started = time.perf_counter()
        query = self.retriever.prepare(question)
        signals = self.retriever.signals(query)
        passages = self.retriever.rank(query, signals, k, mode, doc)
        answer = self.compose(query, signals, passages)
        answer.mode = mode or self.settings.mode
        answer.seconds = time.perf_counter() - started
        return answer

    def compose(self, query: Query, signals: dict[str, np.ndarray], passages: list[Passage]) -> Answer:
        candidates = self._candidates(signals, passages)
        if not candidates:
            return Answer(query.text, ABSTAIN_TEXT, True, [], passages)
        candidates.sort(key=lambda c: -c[0])
        best_score, best_dense = candidates[0][0], candidates[0][1]
        if best_dense < self.settings.abstain_below:
            return Answer(query.text, ABSTAIN_TEXT, True, [], passages, support=best_dense)
        chosen = [c for c in candidates if c[0] >= best_score - JOIN_MARGIN][: self.settings.max_answer_sentences]
        # Reading order within the article, so the answer reads as the article does.
        chosen.sort(key=lambda c: (c[2].rank, c[3]))
        numbers: dict[int, int] = {}
        sentences: list[AnswerSentence] = []
        for score, _, passage, start, end in chosen:
            n = numbers.setdefault(passage.chunk, len(numbers) + 1)
            chunk = self.retriever.chunks[passage.chunk]
            text = chunk.text[start - chunk.start : end - chunk.start]
            sentences.append(AnswerSentence(text, passage.doc, start, end, n, score))
        by_chunk = {p.chunk: p for p in passages}
        citations = [(n, by_chunk[row]) for row, n in numbers.items()]
        text = " ".join(f"{s.text} [{s.citation}]" for s in sentences)
        return Answer(query.text, text, False, citations, passages, sentences, support=best_dense)

    def _candidates(self, signals, passages):
        """(score, dense, passage, start, end) for every sentence of the retrieved passages."""
        dense = signals["sentences_dense"]
        lexical = signals["sentences_bm25"]
        rows = [self.retriever.sentence_starts[p.chunk] + i for p in passages
                for i in range(len(self.retriever.chunks[p.chunk].sentences))]
        top_lexical = float(lexical[rows].max()) if rows and len(lexical) else 0.0
        out = []
        for p in passages:
            chunk = self.retriever.chunks[p.chunk]
            if chunk.kind == "heading":  # a heading names a topic; it answers nothing by itself
                continue
            first = self.retriever.sentence_starts[p.chunk]
            for i, (start, end) in enumerate(chunk.sentences):
                d = float(dense[first + i])
                lex = float(lexical[first + i]) / top_lexical if top_lexical > 0 else 0.0
                out.append((d + LEXICAL_WEIGHT * lex, d, p, start, end))
        return out
