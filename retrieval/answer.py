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

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from cited.settings import Settings
from retrieval.answer_type import can_answer, expected_type
from retrieval.followup import standalone
from retrieval.outline import announced_list, matching_section
from retrieval.overview import SUMMARY, article_overview, conclusion, overview_kind
from retrieval.reader import Reader, SpanReading
from retrieval.search import Passage, Query, Retriever, Signals, clean_question
from retrieval.vector_rows import rows_of
from retrieval.writer import Written

ABSTAIN_TEXT = "The article does not say."
_ASKS_FOR_TITLE = re.compile(r"\b(title|titled|called|named|headline|about)\b", re.I)
LEXICAL_WEIGHT = 0.25
JOIN_MARGIN = 0.06  # a further sentence joins the answer if it scores within this of the best
# A sentence opening with a pronoun leans on the one before it ("They chose Braddock to lead the
# expedition." says nothing of why without "…decided to send an army expedition to dislodge the
# French."), so the answer brings that sentence along. And a sentence that opens by pointing back
# ("Two of these groups are …") continues the one before it, so it follows the best sentence.
# eval/README.md has the effect of both.
_LEANS_BACK = re.compile(r"^(It|Its|They|Their|Them|He|His|She|Her|This|These|Those|That|Such|The latter|The former)\b")
# Questions answered by a reason, a manner or a list: whole sentences, never a short answer. So
# are yes/no questions ("Has India admitted …?"): the reader learnt from SQuAD, which has none, so
# it has no span to mark and its "no answer" means nothing there.
_WANTS_SENTENCES = re.compile(r"^\s*(why|how(?!\s+(many|much|long|old|far|large|big|often|tall))|explain|describe|"
                              r"summari[sz]e|in (a nutshell|short|brief)|"
                              r"what (\S+\s+){0,3}?(reasons|motives|motivations|factors|main points)|"
                              r"(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|might|may|must)"
                              r"(n[’']t)?\s)\b", re.I)
# The reader learnt from SQuAD's prose: the article's title, author and date lines are not what it
# reads, so a question whose best sentence is one of them ("Who wrote this?") is never abstained on
# by the reader (on the article's set it doubted its own title, 0.04).
_METADATA = frozenset({"title", "author", "date"})
_PICKS_ONE = re.compile(r"^\s*(which|what)\s+(one|of)\b", re.I)
_POINTS_BACK = re.compile(r"^(\S+\s+){0,2}(this|these|those|that|such)\b", re.I)


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
    short_answer: ShortAnswer | None = None
    no_answer_score: float | None = None  # 1 - the reader's best probability; None without a reader
    interpreted_as: str | None = None  # a follow-up question as read on its own, when it leaned on earlier ones
    closest: list[AnswerSentence] = field(default_factory=list)  # an abstention's nearest sentence: not an answer
    written: Written | None = None  # what an LLM wrote from the passages, checked (retrieval/writer.py)
    notice: str = ""  # why an LLM's answer is not the one shown, when one was asked for

    @property
    def writer(self) -> str:
        """Whose answer is shown: "llm" when the LLM wrote one with at least one checked sentence,
        else "extractive" (cited's own, from the article's sentences)."""
        return "llm" if self.written is not None and any(s.supported for s in self.written.sentences) else "extractive"

    def shown_citations(self) -> list[tuple[int, Passage]]:
        """The passages the shown answer cites, with their markers: the extractive answer's own,
        or, for an LLM's, the given passages its sentences name ([n] is passages[n - 1])."""
        if self.writer != "llm":
            return self.citations
        named = sorted({n for s in self.written.sentences for n in s.cited if 1 <= n <= len(self.passages)})
        return [(n, self.passages[n - 1]) for n in named]

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "interpreted_as": self.interpreted_as,
            "answer": self.text,
            "abstained": self.abstained,
            "support": round(self.support, 4),
            "mode": self.mode,
            "citations": [p.citation(n) for n, p in self.citations],
            "sentences": [
                {"text": s.text, "doc": s.doc, "start": s.start, "end": s.end, "citation": s.citation,
                 "paragraph": s.paragraph, "level": s.level}
                for s in self.sentences
            ],
            "closest": [
                {"text": s.text, "doc": s.doc, "start": s.start, "end": s.end, "paragraph": s.paragraph}
                for s in self.closest
            ],
            "passages": [p.citation() for p in self.passages],
            "short_answer": None if self.short_answer is None else {
                "text": self.short_answer.text, "doc": self.short_answer.doc, "start": self.short_answer.start,
                "end": self.short_answer.end, "citation": self.short_answer.citation,
            },
            "no_answer_score": None if self.no_answer_score is None else round(self.no_answer_score, 4),
            "seconds": round(self.seconds, 4),
            "writer": self.writer,
            "written": None if self.written is None else self.written.to_json(),
            "notice": self.notice or None,
        }


class Answerer:
    def __init__(self, retriever: Retriever, settings: Settings | None = None, reader: Reader | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or retriever.settings
        self.reader = reader

    def ask(self, question: str, k: int | None = None, mode: str | None = None, doc: str | None = None,
            history: Sequence[str] = ()) -> Answer:
        """The answer to `question`; `history` holds the conversation's earlier questions, oldest
        first, so that a follow-up ("And Iran's?") is read as the question it stands for."""
        started = time.perf_counter()
        limit = self.settings.max_question_chars
        asked = clean_question(question, limit)
        reading = standalone(asked, [clean_question(h, limit) for h in history if h and h.strip()])
        query = self.retriever.prepare(reading)
        signals = self.retriever.signals(query, doc or None)
        passages = self.retriever.rank(query, signals, k, mode, doc)
        answer = self.compose(query, signals, passages)
        if reading != asked:
            answer.question, answer.interpreted_as = asked, query.text
        answer.mode = mode or self.settings.mode
        answer.seconds = time.perf_counter() - started
        return answer

    def compose(self, query: Query, signals: Signals, passages: list[Passage]) -> Answer:
        everything = self._sentences(query.text, signals, passages)
        overview = self._overview(query, signals, passages, everything)
        if overview is not None:
            return overview
        kind = expected_type(query.text)
        singles = [c for c in everything if can_answer(self._text(c), kind, query.text)]
        if not singles:
            return self._abstain(query, passages, everything, 0.0)
        support = max(c.dense for c in singles)
        if support < self.settings.abstain_below:
            return self._abstain(query, passages, everything, support)
        reads = self._read_candidates(query.text, singles)
        best_p = max((r.probability for r in reads.values()), default=None) if reads else None
        if best_p is not None and self.settings.reader_abstain_below is not None \
                and best_p < self.settings.reader_abstain_below and not self._about_the_article(singles):
            answer = self._abstain(query, passages, everything, support)
            answer.no_answer_score = 1.0 - best_p
            return answer
        # "Which one …" wants one of a section's points, not all of them.
        section = matching_section(self.retriever, signals, passages, support) \
            if kind is None and not _PICKS_ONE.match(query.text) else []
        listed, joined = [], None
        if section:
            picks = [(item.row, item.start, item.end, support, 2) for item in section]
        else:
            chosen = self._choose(query, singles)
            if reads and self.settings.reader_rerank:
                chosen, joined = self._reranked(chosen, singles, reads)
            chosen = self._with_context(chosen)
            # Reading order within each passage, passages by rank: the answer reads as the article does.
            chosen.sort(key=lambda c: (c.passage.rank, c.start))
            # A sentence announcing a list ("… can be summarized as follows:") says nothing unless
            # its list follows, which only the last one's can (announced_list below).
            chosen = [c for c in chosen[:-1] if not self._text(c).rstrip().endswith(":")] + chosen[-1:]
            picks = [(c.passage.chunk, c.start, c.end, c.score) for c in chosen]
            last = chosen[-1]
            listed = announced_list(self.retriever, last.passage.chunk, self._text(last))
            picks += [(item.row, item.start, item.end, last.score, 2) for item in listed]
        answer = self._answer(query, picks, passages, support)
        if reads is not None and not section and not listed:
            self._read_short_answer(answer, reads, kind, joined,
                                    show=self.settings.short_answers_for == "all" or kind is not None)
        return answer

    def _overview(self, query: Query, signals: Signals, passages: list[Passage],
                  everything: list["_Candidate"]) -> Answer | None:
        """A question about the whole article, answered with its structure (retrieval/overview.py)."""
        if not passages:
            return None
        doc = passages[0].doc
        asked = overview_kind(query.text, self.retriever, signals, doc)
        if asked is None:
            return None
        parts = article_overview(self.retriever, doc) if asked == SUMMARY else conclusion(self.retriever, doc)
        if not parts:
            return None
        support = max((c.dense for c in everything), default=0.0)
        return self._answer(query, [(p.row, p.start, p.end, support, p.level) for p in parts], passages, support)

    def _abstain(self, query: Query, passages: list[Passage], everything: list["_Candidate"],
                 support: float) -> Answer:
        """The article does not say: which question it leaves open, and where it comes closest
        (its best sentence, shown as not an answer)."""
        answer = Answer(query.text, ABSTAIN_TEXT, True, [], passages, support=support)
        if everything:
            best = max(everything, key=lambda c: c.score)
            where = best.passage
            answer.closest = [AnswerSentence(self._text(best), where.doc, best.start, best.end, 0, best.score,
                                             where.paragraph)]
            answer.text = f"{not_said(query.text)} Closest: ¶{where.paragraph} — “{answer.closest[0].text}”"
        return answer

    def _read_candidates(self, question: str,
                         singles: list["_Candidate"]) -> dict[tuple[str, int], SpanReading] | None:
        """The reader's reading of the best candidate sentences, in one batch, keyed by (document,
        start). None without a reader, or for a question that wants whole sentences; {} when only
        the answer's own sentences need reading (no abstention or reranking by the reader)."""
        if self.reader is None or _WANTS_SENTENCES.match(question):
            return None
        if self.settings.reader_abstain_below is None and not self.settings.reader_rerank:
            return {}
        top = sorted(singles, key=lambda c: -c.score)[: self.settings.reader_candidates]
        readings = self.reader.read(question, [self._text(c) for c in top])
        return {(c.passage.doc, c.start): r for c, r in zip(top, readings)}

    def _about_the_article(self, singles: list["_Candidate"]) -> bool:
        """Whether retrieval's best sentence is the article's title, author or date line."""
        best = max(singles, key=lambda c: c.score)
        return self.retriever.chunks[best.passage.chunk].kind in _METADATA

    def _reranked(self, chosen: list["_Candidate"], singles: list["_Candidate"],
                  reads: dict[tuple[str, int], SpanReading]) -> tuple[list["_Candidate"], tuple[str, int] | None]:
        """The sentence the reader is surest answers joins the answer, when it is sure enough; and
        its key (document, start) when it was not already there."""
        key, reading = max(reads.items(), key=lambda kv: kv[1].probability)
        if reading.probability < self.settings.short_answer_above:
            return chosen, None
        if any((c.passage.doc, c.start) == key for c in chosen):
            return chosen, None
        best = next(c for c in singles if (c.passage.doc, c.start) == key)
        return [best] + chosen[: self.settings.max_answer_sentences - 1], key

    def _read_short_answer(self, answer: Answer, reads: dict[tuple[str, int], SpanReading], kind: str | None,
                           joined: tuple[str, int] | None, show: bool) -> None:
        """Of the answer's sentences, the one the reader is surest answers gives its best span of
        the kind the question wants (a number for "how many" …; retrieval/answer_type.py) as the
        short answer, when the reader is sure enough (Settings.short_answer_above) and `show`
        (the question is of a kind Settings.short_answers_for names); no_answer_score either way.
        The sentence the reader `joined` to the answer is marked only when it is the answer's only
        one: the reader's pick over the candidates gave worse spans than its pick over retrieval's
        sentences on held-out articles (eval/README.md)."""
        unread = [s for s in answer.sentences if (s.doc, s.start) not in reads]
        if unread:  # sentences not among the candidates read (or none were read)
            for s, r in zip(unread, self.reader.read(answer.question, [s.text for s in unread])):
                reads[(s.doc, s.start)] = r
        markable = [s for s in answer.sentences if (s.doc, s.start) != joined] or answer.sentences
        scored = [(reads[(s.doc, s.start)], s) for s in markable]
        reading, sentence = max(scored, key=lambda rs: rs[0].probability)
        answer.no_answer_score = 1.0 - max(r.probability for r in reads.values())  # of all it read
        if not show or reading.probability < self.settings.short_answer_above:
            return
        span = marked_span(sentence.text, reading, kind, answer.question)
        if span is None:
            return
        start, end = span
        answer.short_answer = ShortAnswer(sentence.text[start:end], sentence.doc, sentence.start + start,
                                          sentence.start + end, sentence.citation, reading.probability)

    def _answer(self, query: Query, picks: list[tuple], passages: list[Passage], support: float) -> Answer:
        """Spans of the article (chunk row, start, end, score[, level]) → the answer, each cited [n]."""
        by_chunk = {p.chunk: p for p in passages}
        numbers: dict[int, int] = {}
        sentences: list[AnswerSentence] = []
        for row, start, end, score, *level in picks:
            n = numbers.setdefault(row, len(numbers) + 1)
            text = self._span_text(row, start, end)
            chunk = self.retriever.chunks[row]
            sentences.append(AnswerSentence(text, chunk.doc, start, end, n, score, chunk.paragraph,
                                            level[0] if level else 0))
        citations = [(n, by_chunk.get(row) or self.retriever.passage_at(row)) for row, n in numbers.items()]
        return Answer(query.text, answer_text(sentences), False, citations, passages, sentences, support=support)

    def _span_text(self, row: int, start: int, end: int) -> str:
        """The words at [start, end) of the document, read from the chunk at `row` that holds them."""
        chunk = self.retriever.chunks[row]
        return chunk.text[start - chunk.start : end - chunk.start]

    def _text(self, c: "_Candidate") -> str:
        return self._span_text(c.passage.chunk, c.start, c.end)

    def _choose(self, query: Query, singles: list["_Candidate"]) -> list["_Candidate"]:
        """The best single sentence or pair of consecutive sentences (an answer often sits in the
        sentence after the one that names the question's topic), then any other sentence scoring
        nearly as well as the best one chosen, up to Settings.max_answer_sentences."""
        paired = [i for i in range(len(singles) - 1) if singles[i + 1].passage.chunk == singles[i].passage.chunk]
        needed = sorted({singles[j].row for i in paired for j in (i, i + 1)})
        vectors = dict(zip(needed, rows_of(self.retriever.index.sentence_vectors, needed)))
        best_score, best = -np.inf, [singles[0]]
        for i, c in enumerate(singles):
            if c.score > best_score:
                best_score, best = c.score, [c]
            following = singles[i + 1] if i + 1 < len(singles) else None
            if following is not None and following.passage.chunk == c.passage.chunk:
                pair = vectors[c.row] + vectors[following.row]
                dense = float(pair @ query.vector) / max(float(np.linalg.norm(pair)), 1e-9)
                score = dense + LEXICAL_WEIGHT * max(c.lexical, following.lexical)
                if score > best_score:
                    best_score, best = score, [c, following]
        chosen = list(best)
        floor = max(c.score for c in chosen) - JOIN_MARGIN
        for c in sorted(singles, key=lambda c: -c.score):
            if len(chosen) >= self.settings.max_answer_sentences or c.score < floor:
                break
            if c not in chosen:
                chosen.append(c)
        return chosen

    def _with_context(self, chosen: list["_Candidate"]) -> list["_Candidate"]:
        """The chosen sentences, each that opens with a pronoun preceded by the sentence before it
        in its passage, and the best one followed by the next when that one points back at it."""
        out: list[_Candidate] = []
        taken = {(c.passage.chunk, c.start) for c in chosen}

        def neighbour(c: _Candidate, step: int) -> _Candidate | None:
            sentences = self.retriever.chunks[c.passage.chunk].sentences
            i = sentences.index((c.start, c.end)) + step
            if not 0 <= i < len(sentences) or (c.passage.chunk, sentences[i][0]) in taken:
                return None
            return replace(c, start=sentences[i][0], end=sentences[i][1], row=c.row + step)

        for c in chosen:
            before = neighbour(c, -1) if _LEANS_BACK.match(self._text(c)) else None
            if before is not None:
                taken.add((before.passage.chunk, before.start))
                out.append(before)
            out.append(c)
        after = neighbour(chosen[0], +1)
        if after is not None and _POINTS_BACK.match(self._text(after)):
            out.append(after)
        return out

    def _sentences(self, question: str, signals: Signals, passages: list[Passage]) -> list["_Candidate"]:
        """Every sentence of the retrieved passages, in passage order, with its scores."""
        dense = signals.sentence_dense
        lexical = signals.sentence_bm25
        starts = self.retriever.sentence_starts
        rows = [starts[p.chunk] + i for p in passages for i in range(len(self.retriever.chunks[p.chunk].sentences))]
        top_lexical = float(lexical[rows].max()) if rows and len(lexical) else 0.0
        out = []
        for p in passages:
            chunk = self.retriever.chunks[p.chunk]
            if chunk.kind == "heading":  # a heading names a topic; it answers nothing by itself
                continue
            if chunk.kind == "title" and not _ASKS_FOR_TITLE.search(question):
                continue  # nor does the title, unless the question asks what the article is
            for i, (start, end) in enumerate(chunk.sentences):
                row = int(starts[p.chunk] + i)
                lex = float(lexical[row]) / top_lexical if top_lexical > 0 else 0.0
                d = float(dense[row])
                out.append(_Candidate(d + LEXICAL_WEIGHT * lex, d, lex, p, start, end, row))
        return out


def marked_span(sentence: str, reading: SpanReading, kind: str | None, question: str) -> tuple[int, int] | None:
    """Where the short answer is marked in `sentence` (offsets into it): the reader's best span of
    the kind the question wants, else its next best that is; None when none is, or when that span
    is the whole sentence (nothing shorter to show)."""
    span = next(((a, b) for a, b in ((reading.start, reading.end), *reading.others)
                 if b > a and can_answer(sentence[a:b], kind, question)), None)
    if span is None or sentence[span[0]:span[1]].strip() == sentence.strip():
        return None
    return span


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


_WH_FIRST = re.compile(r"^(what|which|who|whom|whose|when|where|why|how)\b", re.I)
_INVERTED = re.compile(r"^(?:\S+\s+){0,3}?(do|does|did|can|could|will|would|should|has|have|had|is|are|was|were)\b",
                       re.I)
_BE = re.compile(r"^(what|who|where|when)\s+(is|are|was|were)\s+(.+)$", re.I)


_PLAIN_QUESTION = re.compile(r"^[\w\s'’,-]+[?.!]?$")


def not_said(question: str) -> str:
    """"The article does not say how many people died." — what the article leaves open, said
    as an indirect question where the question's word order allows it. Only a plain question
    (words, at most 20) is repeated: an answer never carries markup or instructions it was sent."""
    q = question.strip().rstrip("?!. ")
    if not _PLAIN_QUESTION.match(question.strip()) or len(q.split()) > 20:
        return ABSTAIN_TEXT
    be = _BE.match(q)
    if be:  # "What is the population of Iran" → "what the population of Iran is"
        return f"The article does not say {be.group(1).lower()} {be.group(3)} {be.group(2).lower()}."
    if _WH_FIRST.match(q) and not _INVERTED.match(q.split(" ", 1)[1] if " " in q else ""):
        return f"The article does not say {q[:1].lower()}{q[1:]}."
    return ABSTAIN_TEXT


@dataclass(frozen=True)
class _Candidate:
    score: float
    dense: float
    lexical: float  # BM25 relative to the best sentence among the passages
    passage: Passage
    start: int
    end: int
    row: int  # in the index's sentence table
