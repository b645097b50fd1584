"""Questions about a whole section ("What were Iran's motives?") are answered with the section's
outline: the heading of each of its subsections, each cited to the paragraph it opens, rather than
with whichever single paragraph happens to score best. The same outline completes an answer whose
sentence announces a list ("The Iranian motives can be summarized as follows:")."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.search.retriever import Passage, Retriever
from retrieval.search.signals import Signals

# The question must match the heading itself this well, and nearly as well as any sentence.
HEADING_MATCH = 0.75
HEADING_MARGIN = 0.05


@dataclass(frozen=True)
class OutlineItem:
    row: int  # chunk row of the paragraph the subsection opens with
    start: int  # the subsection's heading, as it stands in the text
    end: int


def matching_section(retriever: Retriever, signals: Signals, passages: list[Passage],
                     best_sentence: float) -> list[OutlineItem]:
    """The outline of a top-level section whose heading the question names; [] if none."""
    for p in passages:
        chunk = retriever.chunks[p.chunk]
        if chunk.kind != "heading" or len(chunk.section) != 1:
            continue
        score = float(signals.sentence_dense[retriever.sentence_starts[p.chunk]])
        if score >= HEADING_MATCH and score >= best_sentence - HEADING_MARGIN:
            items = outline(retriever, chunk.doc, chunk.section[0])
            if len(items) >= 2:
                return items
    return []


def announced_list(retriever: Retriever, row: int, sentence: str) -> list[OutlineItem]:
    """The outline that a sentence ending in a colon introduces, when it opens a section."""
    chunk = retriever.chunks[row]
    if not sentence.rstrip().endswith(":") or len(chunk.section) != 1:
        return []
    items = outline(retriever, chunk.doc, chunk.section[0])
    return items if len(items) >= 2 else []


def outline(retriever: Retriever, doc: str, top: str) -> list[OutlineItem]:
    items, seen = [], set()
    for row in map(int, retriever.rows_for(doc)):  # the document's rows only: a library has a million
        c = retriever.chunks[row]
        if len(c.section) < 2 or c.section[0] != top or c.section[1] in seen:
            continue
        seen.add(c.section[1])
        if c.kind == "heading":
            items.append(OutlineItem(row, c.start, c.end))
            continue
        lead = c.text.find(c.section[1])  # an inline lead-in heading: "2. Incapability …: During …"
        if lead >= 0:
            items.append(OutlineItem(row, c.start + lead, c.start + lead + len(c.section[1])))
    return items
