"""Questions about the whole article, answered with the article's own structure.

- "Summarize the article", "What is it about?", "What are the main points?", and a "why"/"what
  led to" question that asks what the article's title asks: the article's lead sentence, the
  sentence announcing its parts (when one ends in a colon), then for each top-level section its
  heading, its lead sentence and its numbered points (subsection headings), and the conclusion
  section's first sentence. An article without sections gives the lead sentence of its
  paragraphs, evenly spread (at most FLAT_PARTS).
- "What does the author conclude?", "What is the conclusion?": the sentences of the section whose
  heading says it concludes (Conclusion, Summary, Final thoughts …), or else of the last paragraph.

Every piece is a span of the article, cited like any answer sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answer.outline import outlines
from retrieval.search.retriever import Retriever
from retrieval.search.signals import Signals

SUMMARY, CONCLUSION = "summary", "conclusion"
_SUMMARY = re.compile(
    r"^\s*(please\s+)?(can you\s+)?("
    r"summari[sz]e|sum\s+up|recap|give\s+(me\s+)?(a\s+|the\s+)?(short\s+|brief\s+|quick\s+)?(summary|gist|overview|tl;?dr|rundown)|"
    r"(a\s+|the\s+)?(short\s+|brief\s+)?(summary|gist|overview|tl;?dr)\b|"
    r"what('s|\s+is|\s+was)\s+(the\s+|this\s+)?(article|piece|text|paper|essay|report|analysis|it|document)\s+(about|saying|arguing)|"
    r"what\s+(are|were)\s+(the\s+)?(main|key|central|most\s+important)\s+(points|takeaways|ideas|arguments|findings|messages|themes)|"
    r"what\s+(is|was)\s+(the\s+)?(main|key|central)\s+(point|idea|argument|message|takeaway|thesis)|"
    r"what('s|\s+is|\s+was)\s+(the\s+)?(author|article|writer|piece|text)['’]s\s+(overall\s+|main\s+|central\s+|key\s+)?"
    r"(argument|point|message|thesis|position|claim|idea)|"
    r"(main|key)\s+(points|takeaways))\b", re.I)
# "Summarize Iran's motives" asks about a section, not the whole article.
_WHOLE = re.compile(r"^\s*(the\s+|this\s+)?(article|piece|text|paper|essay|report|analysis|document|it|story)?"
                    r"\s*(for\s+me|please|briefly|in\s+short)?\s*[?.!]*\s*$", re.I)
_CONCLUDES = re.compile(
    r"\b(conclu\w*|final\s+(thoughts|word|verdict|assessment)|bottom\s+line|closing\s+(thoughts|remarks)|"
    r"end\s+up\s+(saying|arguing)|overall\s+assessment|wraps?\s+(it|things)\s+(all\s+)?up)\b", re.I)
_CONCLUSION_HEADING = re.compile(r"\b(conclu\w*|summary|final\s+thoughts|closing|outlook|wrap[- ]?up|in\s+sum)\b", re.I)
# A question that asks for reasons or causes: it may be the question the title asks.
_ASKS_WHY = re.compile(r"^\s*(why|what\s+(led|leads|caused|causes|drove|prompted|explains)|"
                       r"what\s+(are|were)\s+the\s+(reasons|causes|factors|drivers|motives)|how\s+come)\b", re.I)
TITLE_MATCH = 0.6  # the question must be this close (dense similarity) to the title to ask what it asks
FLAT_PARTS = 6
CONCLUSION_SENTENCES = 4


@dataclass(frozen=True)
class Part:
    """A span of the article in an overview: a prose sentence (level 0), a section heading (1)
    or a numbered point (2)."""

    row: int  # chunk row that holds it
    start: int
    end: int
    level: int = 0


def overview_kind(question: str, retriever: Retriever, signals: Signals, doc: str) -> str | None:
    """SUMMARY or CONCLUSION when the question is about the whole article `doc`, else None."""
    summary = _SUMMARY.match(question)
    if summary and _WHOLE.match(question[summary.end():]):
        return SUMMARY
    if _CONCLUDES.search(question) and len([w for w in question.split() if re.search(r"\w", w)]) <= 12:  # "-" is no word
        return CONCLUSION
    if _ASKS_WHY.match(question):
        title = retriever.title_row(doc)
        if title is not None and signals.sentence_dense[retriever.sentence_starts[title]] >= TITLE_MATCH:
            return SUMMARY
    return None


def _rows(retriever: Retriever, doc: str) -> tuple[list[int], list[int]]:
    """The chunk rows of a document's text, and of its top-level section headings."""
    rows = [int(row) for row in retriever.rows_for(doc)]
    text_rows = [row for row in rows if retriever.chunks[row].kind == "text"]
    tops = [row for row in rows if retriever.chunks[row].kind == "heading" and len(retriever.chunks[row].section) == 1]
    return text_rows, tops


def article_overview(retriever: Retriever, doc: str) -> list[Part]:
    text_rows, tops = _rows(retriever, doc)
    if not text_rows:
        return []
    if not tops:
        return _flat(retriever, text_rows)
    parts = []
    intro = [row for row in text_rows if not retriever.chunks[row].section]
    if intro:
        parts.append(_sentence(retriever, intro[0], 0))
        last = _sentence(retriever, intro[-1], -1)
        if last != parts[0] and _text(retriever, last).rstrip().endswith(":"):
            parts.append(last)
    ending, points = None, outlines(retriever, doc)
    for row in tops:
        heading = retriever.chunks[row]
        name = heading.section[0]
        body = [r for r in text_rows if retriever.chunks[r].section[:1] == (name,)]
        if _CONCLUSION_HEADING.search(name):
            ending = [Part(row, heading.start, heading.end, 1)] + ([_sentence(retriever, body[0], 0)] if body else [])
            continue
        parts.append(Part(row, heading.start, heading.end, 1))
        if body:
            parts.append(_sentence(retriever, body[0], 0))
        parts += [Part(item.row, item.start, item.end, 2) for item in points.get(name, [])]
    return parts + (ending or [])


def conclusion(retriever: Retriever, doc: str) -> list[Part]:
    text_rows, tops = _rows(retriever, doc)
    named = [retriever.chunks[row].section[0] for row in tops
             if _CONCLUSION_HEADING.search(retriever.chunks[row].section[0])]
    if named:
        body = [row for row in text_rows if retriever.chunks[row].section[:1] == (named[-1],)]
    else:
        last = retriever.chunks[text_rows[-1]].paragraph if text_rows else None
        body = [row for row in text_rows if retriever.chunks[row].paragraph == last]
    parts = [Part(row, s, e) for row in body for s, e in retriever.chunks[row].sentences]
    return parts[:CONCLUSION_SENTENCES]


def _flat(retriever: Retriever, text_rows: list[int]) -> list[Part]:
    """The lead sentence of paragraphs spread evenly through an article without sections."""
    firsts: dict[int, int] = {}
    for row in text_rows:
        firsts.setdefault(retriever.chunks[row].paragraph, row)
    leads = list(firsts.values())
    if len(leads) > FLAT_PARTS:
        step = (len(leads) - 1) / (FLAT_PARTS - 1)
        leads = [leads[round(i * step)] for i in range(FLAT_PARTS)]
    return [_sentence(retriever, row, 0) for row in leads]


def _sentence(retriever: Retriever, row: int, which: int) -> Part:
    start, end = retriever.chunks[row].sentences[which]
    return Part(row, start, end, 0)


def _text(retriever: Retriever, part: Part) -> str:
    chunk = retriever.chunks[part.row]
    return chunk.text[part.start - chunk.start : part.end - chunk.start]
