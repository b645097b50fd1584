"""Grounded answers without an LLM: the article's own sentences that best answer the question,
each with a marker [n] pointing at the passage it came from, or an honest abstention.

The path of a question: read it on its own if it is a follow-up (followup.py), search
(retrieval/search/), score the retrieved passages' sentences (candidates.py), let the one decision
of abstention.py say whether the article answers, then choose the sentences — a section's points
when the question asks for them (outline.py), the whole article's outline for a summary
(overview.py), the paragraph that says who wrote or published the page (colophon.py) — and the
reader's short answer (reading.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from retrieval.answer.abstention import NOTHING_SETTLES, READER_FOUND_NONE, decide, not_said
from retrieval.answer.answer_type import can_answer, expected_type
from retrieval.answer.candidates import Candidate, candidate_sentences, choose, span_text, with_context
from retrieval.answer.casing import casing_for, true_case
from retrieval.answer.colophon import colophon_asked, colophon_row
from retrieval.answer.ellipsis import Listed
from retrieval.answer.followup import asked_part, asks_for_evidence, context_of, standalone
from retrieval.answer.outline import (
    announced_list,
    asks_for_a_list,
    heading_name,
    matching_section,
    named_section,
    nth_point,
    point_by_its_word,
    point_rows,
    section_of_the_answer,
)
from retrieval.answer.overview import SUMMARY, article_overview, conclusion, overview_kind
from retrieval.answer.phrases import coordinated_names
from retrieval.answer.reading import read_candidates, reranked, short_answer
from retrieval.answer.records import Abstention, Answer, AnswerSentence, answer_text
from retrieval.answer.spelling import spelled, words_for
from retrieval.base.params import check_doc
from retrieval.base.settings import Settings
from retrieval.index.records import HEADER_KINDS
from retrieval.search.reader import Reader
from retrieval.search.retriever import Passage, Query, Retriever, clean_question
from retrieval.search.signals import Signals
from retrieval.search.verifier import Verifier

# The reader learnt from SQuAD's prose: the article's title, author and date lines are not what it
# reads, so a question whose best sentence is one of them ("Who wrote this?") is never abstained on
# by the reader (on the article's set it doubted its own title).
_METADATA = frozenset(HEADER_KINDS)
# "Could you elaborate on the second one?", "Explain the third one.": what the point says in full.
_IN_FULL = re.compile(r"\b(?:elaborat\w*|explain\w*|expand\w*|tell\s+me\s+more|say\s+more|more\s+(?:about|on|detail\w*)|"
                      r"in\s+(?:more\s+)?detail|details?\s+(?:of|on|about)|go\s+into|unpack)\b", re.I)
# "What is the second of Pakistan's motives?", "Is the last one about America?" ask which point
# it is (its heading and first sentence); any other question about a point ("The fourth one,
# what's the deal there?", "Why does the third matter?") gets all it says.
_WHICH_POINT = re.compile(r"^\s*(?:(?:what|which)(?:\s+(?:is|was|are|were)\b|['’]s)|(?:is|was|are|were|and)\b)", re.I)
_PICKS_ONE = re.compile(r"^\s*(which|what)\s+(one|of)\b", re.I)


@dataclass(frozen=True)
class Pick:
    """A span of the article chosen for the answer: the chunk row holding it, its offsets in the
    document, its score, and its level (0 a sentence, 1 a section heading, 2 a numbered point)."""

    row: int
    start: int
    end: int
    score: float
    level: int = 0


def _short_answer_of(answer: Answer) -> str | None:
    """An answer's short answer, with the "the" the article puts before it ("the electoral process")."""
    short = answer.short_answer
    if short is None:
        return None
    before = next((s.text[:short.start - s.start] for s in answer.sentences
                   if s.doc == short.doc and s.start <= short.start < s.end), "")
    article = re.search(r"\b(the|The)\s+$", before)
    return ("the " if article else "") + short.text


def _list_of(retriever: Retriever, answer: Answer) -> Listed | None:
    """The list an answer gave: its section's name as a reading may say it, its heading with the
    words the article also writes in lower case in lower case ("Iran’s Motives" → "Iran’s motives",
    which "it" cannot stand for), and its points; for an answer of sentences, the names its prose
    lists (no name: "the second one" is the second of them); None when it lists none."""
    points = [s for s in answer.sentences if s.level == 2]
    if not points and not answer.abstained:  # names listed in prose ("… the Therhi massacre … and the Lahore …")
        said = coordinated_names(" ".join(s.text for s in answer.sentences))
        return Listed("", tuple(said)) if said else None
    cited = dict(answer.citations).get(points[0].citation) if points else None
    if cited is None or not cited.section:
        return None
    text = " ".join(retriever.chunks[int(row)].text for row in retriever.rows_for(cited.doc))
    lower = set(re.findall(r"\b[a-z][\w’'-]*", text))
    name = " ".join(w.lower() if w.lower() in lower else w for w in heading_name(cited.section[0]).split())
    return Listed(name, tuple(s.text for s in points))


class Answerer:
    def __init__(self, retriever: Retriever, settings: Settings | None = None, reader: Reader | None = None,
                 verifier: Verifier | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or retriever.settings
        self.reader = reader
        self.verifier = verifier  # asked whether a sentence settles the question (verifier_abstain_below)

    def ask(self, question: str, k: int | None = None, mode: str | None = None, doc: str | None = None,
            history: Sequence[str] = ()) -> Answer:
        """The answer to `question`; `history` holds the conversation's earlier questions, oldest
        first, so that a follow-up ("And Iran's?") is read as the question it stands for."""
        started = time.perf_counter()
        limit = self.settings.max_question_chars
        asked = clean_question(question, limit)
        # A word typed wrong is read as the article writes it ("betwen"); the reading shows it.
        words = words_for(self.retriever, check_doc(doc))
        spelt = spelled(asked, words)
        earlier = [spelled(clean_question(h, limit), words) for h in history if h and h.strip()]
        answers: dict[str, Answer] = {}  # an earlier question asked again, at most once per question

        def answer_to(e: str) -> Answer:
            if e not in answers:
                answers[e] = self._asked_again(e, doc)
            return answers[e]

        # Names typed in lower case are read as the article writes them ("and iran?"); a question
        # whose reading differs from it only so is asked as typed.
        casing = casing_for(self.retriever, doc) if earlier else {}
        cased, earlier = true_case(spelt, casing), [true_case(e, casing) for e in earlier]
        reading = standalone(cased, earlier, answer_of=lambda e: _short_answer_of(answer_to(e)),
                             subject=self.retriever.title_of(doc),
                             list_of=lambda e: _list_of(self.retriever, answer_to(e)))
        rewritten = reading != cased
        reading = reading if rewritten else spelt
        # A long question's context said first ("…, so then why did Pakistan …?") helps find the
        # passages; what kind of answer it wants is judged on what it asks.
        focus = asked_part(reading)
        whole = self.retriever.query(reading)
        query = self.retriever.query(focus) if focus else whole
        # A follow-up no rule could rewrite is searched for with the previous question beside it
        # (followup.context_of); the reader reads it as asked.
        context = None if rewritten else context_of(cased, earlier, self.retriever.title_of(doc))
        searched = self.retriever.query(f"{reading} {context}") if context else whole
        if context and asks_for_evidence(cased):  # "Says who?" is answered as the previous question with it
            query = searched
        signals = self.retriever.signals(searched, doc or None)
        answer = self.compose(query, signals, self.retriever.rank(searched, signals, k, mode, doc))
        if reading != asked:  # the whole reading is shown, its context said first too
            answer = replace(answer, question=asked, interpreted_as=whole.text)
        elif focus:
            answer = replace(answer, question=asked)  # as asked, not only what it asks
        return replace(answer, mode=mode or self.settings.mode, seconds=time.perf_counter() - started)

    def _asked_again(self, earlier: str, doc: str | None) -> Answer:
        """An earlier question of the conversation, asked again as it reads on its own (the doors
        pass the questions, not the answers; the same index answers the same). Its short answer is
        read whatever the question's kind ("the electoral process" for a what-question), as a
        pronoun may stand for it even where the answer does not show it."""
        reading_all = Answerer(self.retriever, replace(self.settings, short_answers_for="all"), self.reader,
                               self.verifier)
        return reading_all.ask(earlier, doc=doc)

    def compose(self, query: Query, signals: Signals, passages: list[Passage]) -> Answer:
        """The answer from the retrieved passages, or the abstention abstention.decide calls for."""
        candidates = candidate_sentences(self.retriever, query.text, signals, passages)
        overview = self._overview(query, signals, passages, candidates)
        if overview is not None:
            return overview
        asked = colophon_asked(query.text)
        row = colophon_row(self.retriever, passages[0].doc, asked) if asked and passages else None
        if row is not None:  # "Who published it?": the page's colophon, which similarity cannot find
            chunk = self.retriever.chunks[row]
            support = max((c.dense for c in candidates), default=0.0)
            return self._answer(query, [Pick(row, chunk.start, chunk.end, support)], passages, support)
        kind = expected_type(query.text)
        texts = {c.key: self._text(c) for c in candidates}
        fitting = [c for c in candidates if can_answer(texts[c.key], kind, query.text)]
        support = max((c.dense for c in fitting), default=0.0)

        @cache
        def reads():
            return read_candidates(self.reader, self.settings, query.text, fitting, texts)

        def best_probability() -> float | None:
            return max((r.probability for r in reads().values()), default=None) if reads() else None

        def settled() -> float | None:
            """The verifier's entailment of "question short answer" by the reader's surest sentence."""
            if self.verifier is None or not reads():
                return None
            key, reading = max(reads().items(), key=lambda kv: kv[1].probability)
            span = texts[key][reading.start:reading.end].strip()
            if not span:
                return None
            [judged] = self.verifier.judge([(f"{query.text} {span}", texts[key])])
            return judged.entailment

        # "What is the second of Pakistan's motives?": that point and what it says. The outline can
        # count where retrieval cannot, so the abstention, which judges sentences, does not decide it.
        point = (nth_point(self.retriever, passages, query.text)
                 or point_by_its_word(self.retriever, passages, query.text))
        if point is not None:
            in_full = bool(_IN_FULL.search(query.text)) or not _WHICH_POINT.match(query.text)
            return self._answer(query, self._point_picks(point, support, in_full), passages, support)
        reason = decide(self.settings, len(fitting), support, best_probability,
                        lambda: self.retriever.chunks[max(fitting, key=lambda c: c.score).passage.chunk].kind in _METADATA,
                        settled)
        # A list is no span: a question asking for one, with sentences close to it, gets the
        # section's points though the reader (or the verifier) finds no span that answers it.
        section = self._list_asked(query, kind, signals, passages, fitting, support, listed_only=reason is not None) \
            if reason in (None, READER_FOUND_NONE, NOTHING_SETTLES) else []
        if reason is not None and not section:
            best = best_probability() if fitting and support >= self.settings.abstain_below else None
            return self._abstain(query, passages, candidates, reason, support if fitting else 0.0,
                                 None if best is None else 1.0 - best)
        if section:
            return self._answer(query, [Pick(i.row, i.start, i.end, support, 2) for i in section], passages, support)
        picks, joined, listed = self._sentence_picks(query, fitting, reads())
        answer = self._answer(query, picks, passages, support)
        if reads() is None or listed:
            return answer
        short, no_answer_score = short_answer(
            self.reader, self.settings, query.text, answer.sentences, reads(), kind, joined,
            show=self.settings.short_answers_for == "all" or kind is not None)
        return replace(answer, short_answer=short, no_answer_score=no_answer_score)

    def _list_asked(self, query: Query, kind: str | None, signals: Signals, passages: list[Passage],
                    fitting: list[Candidate], support: float, listed_only: bool = False) -> list:
        """The outline the question asks for: of the section whose heading it matches, or, when it
        asks for a list by its form, of the section it names or its answer comes from; [] if none.
        `kind`: the kind of answer the question expects (none for a list). `listed_only`: only a
        question that asks for a list by its form."""
        if kind is not None or _PICKS_ONE.match(query.text):  # "Which one …" wants one point
            return []
        section = [] if listed_only else matching_section(self.retriever, signals, passages, support)
        if not section and asks_for_a_list(query.text):
            section = (named_section(self.retriever, passages, query.text)
                       or section_of_the_answer(self.retriever, passages, fitting, query.text))
        return section

    def _sentence_picks(self, query: Query, fitting: list[Candidate],
                        reads) -> tuple[list[Pick], tuple[str, int] | None, list]:
        """The chosen sentences (with the reader's surest one, and the context they lean on), in
        reading order, followed by the list the last one announces; the reader's joined sentence's
        key and the list, for the short answer."""
        chosen, joined = choose(self.retriever, query, fitting, self.settings.max_answer_sentences), None
        if reads and self.settings.reader_rerank:
            chosen, joined = reranked(self.settings, chosen, fitting, reads)
        chosen = with_context(self.retriever, chosen)
        # Reading order within each passage, passages by rank: the answer reads as the article does.
        chosen.sort(key=lambda c: (c.passage.rank, c.start))
        # A sentence announcing a list ("… can be summarized as follows:") says nothing unless
        # its list follows, which only the last one's can (announced_list below).
        chosen = [c for c in chosen[:-1] if not self._text(c).rstrip().endswith(":")] + chosen[-1:]
        picks = [Pick(c.passage.chunk, c.start, c.end, c.score) for c in chosen]
        last = chosen[-1]
        listed = announced_list(self.retriever, last.passage.chunk, self._text(last))
        return picks + [Pick(item.row, item.start, item.end, last.score, 2) for item in listed], joined, listed

    def _point_picks(self, point, support: float, in_full: bool = False) -> list[Pick]:
        """A point of an outline: its heading, then the first sentence of what it says (the rest of
        its paragraph when the heading leads it in, else the paragraph after the heading); `in_full`,
        every sentence it says, up to the next point."""
        picks = [Pick(point.row, point.start, point.end, support, 2)]
        chunk = self.retriever.chunks[point.row]
        rows = point_rows(self.retriever, point) if in_full else \
            [point.row, point.row + 1] if chunk.kind == "heading" else [point.row]
        for row in rows:
            if row >= len(self.retriever.chunks) or self.retriever.chunks[row].doc != chunk.doc:
                break
            here = self.retriever.chunks[row]
            for first in [(a, b) for a, b in here.sentences if b > point.end]:
                start = max(first[0], point.end)
                lead = here.text[start - here.start:first[1] - here.start]
                start += len(lead) - len(lead.lstrip(":;.,— \n"))  # "…Islamabad: Pakistan and Iran …"
                picks.append(Pick(row, start, first[1], support))
                if not in_full:
                    return picks
        return picks

    def _overview(self, query: Query, signals: Signals, passages: list[Passage],
                  candidates: list[Candidate]) -> Answer | None:
        """A question about the whole article, answered with its structure (overview.py)."""
        if not passages:
            return None
        doc = passages[0].doc
        asked = overview_kind(query.text, self.retriever, signals, doc)
        if asked is None:
            return None
        parts = article_overview(self.retriever, doc) if asked == SUMMARY else conclusion(self.retriever, doc)
        if not parts:
            return None
        support = max((c.dense for c in candidates), default=0.0)
        return self._answer(query, [Pick(p.row, p.start, p.end, support, p.level) for p in parts], passages, support)

    def _abstain(self, query: Query, passages: list[Passage], candidates: list[Candidate], reason: str,
                 support: float, no_answer_score: float | None) -> Answer:
        """The article does not say: which question it leaves open, and where it comes closest
        (its best sentence, shown as not an answer)."""
        said, closest = not_said(query.text), None
        text = said if candidates else "The article does not say."
        if candidates:
            best = max(candidates, key=lambda c: c.score)
            where = best.passage
            closest = AnswerSentence(self._text(best), where.doc, best.start, best.end, 0, best.score, where.paragraph)
            text = f"{said} Closest: ¶{where.paragraph} — “{closest.text}”"
        return Answer(query.text, text, (), tuple(passages), support=support, no_answer_score=no_answer_score,
                      abstention=Abstention(reason, said if candidates else "The article does not say.", closest))

    def _answer(self, query: Query, picks: list[Pick], passages: list[Passage], support: float) -> Answer:
        """Spans of the article → the answer, each cited [n] to the passage that holds it."""
        by_chunk = {p.chunk: p for p in passages}
        numbers: dict[int, int] = {}
        sentences: list[AnswerSentence] = []
        for pick in picks:
            n = numbers.setdefault(pick.row, len(numbers) + 1)
            chunk = self.retriever.chunks[pick.row]
            sentences.append(AnswerSentence(span_text(self.retriever, pick.row, pick.start, pick.end), chunk.doc,
                                            pick.start, pick.end, n, pick.score, chunk.paragraph, pick.level))
        citations = tuple((n, by_chunk.get(row) or self.retriever.passage_at(row)) for row, n in numbers.items())
        return Answer(query.text, answer_text(sentences), citations, tuple(passages), tuple(sentences), support=support)

    def _text(self, c: Candidate) -> str:
        return span_text(self.retriever, c.passage.chunk, c.start, c.end)
