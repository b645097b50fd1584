"""What an answer is: its sentences (each cited [n] to a retrieved passage), its short answer, or
its abstention, and what an LLM wrote from the same passages. Built once, immutable: each step
that adds to an answer makes a new one (dataclasses.replace)."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.answer.writer import Written
from retrieval.search.retriever import Passage


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    doc: str
    start: int
    end: int
    citation: int  # n of the passage it is cited to
    score: float
    paragraph: int = 0
    level: int = 0  # in an overview: 0 a sentence, 1 a section heading, 2 a numbered point

    def to_json(self) -> dict:
        return {"text": self.text, "doc": self.doc, "start": self.start, "end": self.end, "citation": self.citation,
                "paragraph": self.paragraph, "level": self.level}


@dataclass(frozen=True)
class ShortAnswer:
    """The words inside a cited sentence that answer the question, as the reader marks them:
    text == document text[start:end]."""

    text: str
    doc: str
    start: int
    end: int
    citation: int  # n of the passage it is cited to
    probability: float  # the reader's, that its sentence answers the question


@dataclass(frozen=True)
class Abstention:
    """Why the article gives no answer (retrieval/answer/abstention.py decides), the sentence that
    says so ("The article does not say how many people died."), and where the article comes
    closest: its best sentence, shown as not an answer (None when no sentence was retrieved)."""

    reason: str
    not_said: str
    closest: AnswerSentence | None = None

    def to_json(self) -> dict:
        c = self.closest
        return {"reason": self.reason, "not_said": self.not_said,
                "closest": None if c is None else {"text": c.text, "doc": c.doc, "start": c.start, "end": c.end,
                                                   "paragraph": c.paragraph}}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[tuple[int, Passage], ...]
    passages: tuple[Passage, ...]
    sentences: tuple[AnswerSentence, ...] = ()
    support: float = 0.0  # dense similarity of the best sentence: how well the article answers
    mode: str = "hybrid"
    seconds: float = 0.0
    short_answer: ShortAnswer | None = None
    no_answer_score: float | None = None  # 1 - the reader's best probability; None without a reader
    interpreted_as: str | None = None  # a follow-up question as read on its own, when it leaned on earlier ones
    abstention: Abstention | None = None  # why the article gives no answer; None when it answers
    written: Written | None = None  # what an LLM wrote from the passages, checked (retrieval/answer/writer.py)
    notice: str = ""  # why an LLM's answer is not the one shown, when one was asked for

    @property
    def abstained(self) -> bool:
        return self.abstention is not None

    @property
    def closest(self) -> list[AnswerSentence]:
        """An abstention's nearest sentence ([] when it answers, or nothing was retrieved)."""
        return [self.abstention.closest] if self.abstention is not None and self.abstention.closest else []

    @property
    def writer(self) -> str:
        """Whose answer is shown: "llm" when the LLM wrote one with at least one checked sentence,
        else "extractive" (cited's own, from the article's sentences)."""
        return "llm" if self.written is not None and any(s.supported for s in self.written.sentences) else "extractive"

    def shown_citations(self) -> list[tuple[int, Passage]]:
        """The passages the shown answer cites, with their markers: the extractive answer's own,
        or, for an LLM's, the given passages its sentences name ([n] is passages[n - 1])."""
        if self.writer != "llm":
            return list(self.citations)
        named = sorted({n for s in self.written.sentences for n in s.cited if 1 <= n <= len(self.passages)})
        return [(n, self.passages[n - 1]) for n in named]

    def to_json(self) -> dict:
        s = self.short_answer
        return {
            "question": self.question,
            "interpreted_as": self.interpreted_as,
            "answer": self.text,
            "abstained": self.abstained,
            "abstention": None if self.abstention is None else self.abstention.to_json(),
            "support": round(self.support, 4),
            "mode": self.mode,
            "citations": [p.citation(n) for n, p in self.citations],
            "sentences": [x.to_json() for x in self.sentences],
            "closest": [{k: v for k, v in x.to_json().items() if k not in ("citation", "level")} for x in self.closest],
            "passages": [p.citation() for p in self.passages],
            "short_answer": None if s is None else {"text": s.text, "doc": s.doc, "start": s.start, "end": s.end,
                                                    "citation": s.citation},
            "no_answer_score": None if self.no_answer_score is None else round(self.no_answer_score, 4),
            "seconds": round(self.seconds, 4),
            "writer": self.writer,
            "written": None if self.written is None else self.written.to_json(),
            "notice": self.notice or None,
        }


def answer_text(sentences: list[AnswerSentence]) -> str:
    """The answer as text: sentences in a paragraph; an overview or a list one part per line."""
    if all(s.level == 0 for s in sentences):
        return " ".join(f"{s.text} [{s.citation}]" for s in sentences)
    lines: list[str] = []
    for i, s in enumerate(sentences):
        piece = f"{s.text} [{s.citation}]"
        if s.level == 2:
            lines.append("  " + piece)
        elif s.level == 1 or not lines or sentences[i - 1].level != 0:
            lines.append(piece)
        else:
            lines[-1] += " " + piece
    return "\n".join(lines)
