"""What the reader (retrieval/search/reader.py) adds to an answer: it reads the best candidate
sentences, the one it is surest answers joins the answer, and its best span of the kind asked for
becomes the short answer. Each use was chosen on held-out calibration articles (docs/evaluation.md).
"""

from __future__ import annotations

import re

from retrieval.answer.answer_type import can_answer, without_point_number
from retrieval.answer.candidates import Candidate
from retrieval.answer.records import AnswerSentence, ShortAnswer
from retrieval.base.settings import Settings
from retrieval.search.reader import Reader, SpanReading

Readings = dict[tuple[str, int], SpanReading]  # by (document, start) of the sentence read

# Questions answered by a reason, a manner or a list: whole sentences, never a short answer. So
# are yes/no questions ("Has India admitted …?"): the reader learnt from SQuAD, which has none, so
# it has no span to mark and its "no answer" means nothing there.
WANTS_SENTENCES = re.compile(r"^\s*(why|how(?!\s+(many|much|long|old|far|large|big|often|tall))|explain|describe|"
                             r"summari[sz]e|in (a nutshell|short|brief)|"
                             r"what (\S+\s+){0,3}?(reasons|motives|motivations|factors|main points)|"
                             r"(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|might|may|must)"
                             r"(n[’']t)?\s)\b", re.I)


def read_candidates(reader: Reader | None, settings: Settings, question: str, fitting: list[Candidate],
                    texts: dict[tuple[str, int], str]) -> Readings | None:
    """The reader's reading of the best candidate sentences, in one batch. None without a reader,
    or for a question that wants whole sentences; {} when only the answer's own sentences need
    reading (no abstention or reranking by the reader)."""
    if reader is None or WANTS_SENTENCES.match(question):
        return None
    if settings.reader_abstain_below is None and not settings.reader_rerank:
        return {}
    top = sorted(fitting, key=lambda c: -c.score)[: settings.reader_candidates]
    readings = reader.read(question, [texts[c.key] for c in top])
    return {c.key: r for c, r in zip(top, readings)}


def reranked(settings: Settings, chosen: list[Candidate], fitting: list[Candidate],
             reads: Readings) -> tuple[list[Candidate], tuple[str, int] | None]:
    """The sentence the reader is surest answers joins the answer, when it is sure enough; and
    its key (document, start) when it was not already there."""
    key, reading = max(reads.items(), key=lambda kv: kv[1].probability)
    if reading.probability < settings.short_answer_above or any(c.key == key for c in chosen):
        return chosen, None
    best = next(c for c in fitting if c.key == key)
    return [best] + chosen[: settings.max_answer_sentences - 1], key


def short_answer(reader: Reader, settings: Settings, question: str, sentences: tuple[AnswerSentence, ...],
                 reads: Readings, kind: str | None, joined: tuple[str, int] | None,
                 show: bool) -> tuple[ShortAnswer | None, float]:
    """Of the answer's sentences, the one the reader is surest answers gives its best span of the
    kind the question wants (a number for "how many" …; retrieval/answer/answer_type.py) as the
    short answer, when the reader is sure enough (Settings.short_answer_above) and `show`; and
    the no-answer score (1 - its best probability over all it read) either way. The sentence the
    reader `joined` to the answer is marked only when it is the answer's only one: the reader's
    pick over the candidates gave worse spans than its pick over retrieval's sentences on
    held-out articles (docs/evaluation.md)."""
    reads = dict(reads)
    unread = [s for s in sentences if (s.doc, s.start) not in reads]
    if unread:  # sentences not among the candidates read (or none were read)
        for s, r in zip(unread, reader.read(question, [s.text for s in unread])):
            reads[(s.doc, s.start)] = r
    markable = [s for s in sentences if (s.doc, s.start) != joined] or list(sentences)
    reading, sentence = max(((reads[(s.doc, s.start)], s) for s in markable), key=lambda rs: rs[0].probability)
    no_answer_score = 1.0 - max(r.probability for r in reads.values())
    if not show or reading.probability < settings.short_answer_above:
        return None, no_answer_score
    span = marked_span(sentence.text, reading, kind, question)
    if span is None:
        return None, no_answer_score
    start, end = span
    return ShortAnswer(sentence.text[start:end], sentence.doc, sentence.start + start, sentence.start + end,
                       sentence.citation, reading.probability), no_answer_score


def marked_span(sentence: str, reading: SpanReading, kind: str | None, question: str) -> tuple[int, int] | None:
    """Where the short answer is marked in `sentence` (offsets into it): the reader's best span of
    the kind the question wants, else its next best that is; None when none is, or when that span
    is the whole sentence (nothing shorter to show)."""
    blanked = without_point_number(sentence)  # "6" of "6. Preparing for …" answers no "how many"
    span = next(((a, b) for a, b in ((reading.start, reading.end), *reading.others)
                 if blanked[a:b].strip() and can_answer(blanked[a:b], kind, question)), None)
    if span is None or sentence[span[0]:span[1]].strip() == sentence.strip():
        return None
    return span
