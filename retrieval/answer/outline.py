"""Questions about a whole section ("What were Iran's motives?") are answered with the section's
outline: the heading of each of its subsections, each cited to the paragraph it opens, rather than
with whichever single paragraph happens to score best. So are questions that ask for a list by
their form ("Give me every reason Iran had to calm things down."), with the outline of the section
the retrieved passages come from, whatever words its heading uses, when the question is about that
section as a whole rather than one of its points. The same outline completes an answer whose
sentence announces a list ("The Iranian motives can be summarized as follows:")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answer.aliases import country_of
from retrieval.answer.candidates import Candidate, span_text
from retrieval.answer.casing import casing_for
from retrieval.answer.phrases import LIST_NOUNS, ORDINAL_WORDS
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


# A question that asks for a list by its form: the reasons, motives or factors of something, all
# or every one of them, or a why-question about what someone did (whose answer, in an article
# that lays it out as numbered points, is those points).
_LIST_WORDS = (rf"\b({'|'.join(LIST_NOUNS)})\b"
               r"|\b(list|enumerate|give me|tell me|name)\b.{0,20}\b(all|every|each|the)\b")
# The list asked for as what the question is about ("What were …", "What reasons does …", "List …",
# "Can you give me …"), not as where something figures ("How does Israel figure in Iran's
# calculations?": one point).
_REQUEST = r"(?:list|give|tell|name|enumerate)\b"
# What a person may say before the question itself: "OK so why did …", "And, what were …".
_OPENING = r"^\s*(?:(?:ok|okay|so|and|but|well|then|now)\b[\s,]*)*"
_ASKS_WHAT_THEY_ARE = re.compile(rf"{_OPENING}(?:(?:what|which)\s+(?:are|were)\b"
                                 rf"|(?:what|which)\s+(?:[\w’'-]+\s+){{0,2}}?(?:{'|'.join(LIST_NOUNS)})\b"
                                 rf"|(?:can|could)\s+you\s+(?:please\s+)?{_REQUEST}|(?:please\s+)?{_REQUEST})", re.I)
_ASKS_FOR_A_LIST = re.compile(
    _LIST_WORDS + "|" + _OPENING + r"why\s+(did|does|do|would|might|was|were|has|have|had)\b"
    r"|" + _OPENING + r"what\s+(made|led|prompted|drove|pushed|caused|motivated|persuaded|convinced)\b", re.I)


# A yes/no question ("Were Iran's reasons less weighty than Pakistan's?") or a comparison ("How do
# Pakistan's reasons compare with Iran's?") names the list without asking for it.
# "Can you list …?" is a request, not a yes/no question.
_NOT_FOR_A_LIST = re.compile(
    _OPENING + r"(is|are|was|were|do|does|did|has|have|had|can|could|would|should|will)\b"
    r"(?!\s+you\s+(please\s+)?(list|tell|give|name|show|break|sum|explain|enumerate|walk|outline))"
    r"|\b(compare[sd]?|(?<!rather\s)than)\b", re.I)  # "rather than keep going" compares nothing


def asks_for_a_list(question: str) -> bool:
    return bool(_ASKS_FOR_A_LIST.search(question)) and not _NOT_FOR_A_LIST.search(question)


# A heading's numbering ("I. ", "2) "), left out when the question names the heading.
_NUMBERING = re.compile(r"^\s*(?:[IVXLC]+|\d+|[A-Z])[.)]\s+")


def named_section(retriever: Retriever, passages: list[Passage], question: str) -> list[OutlineItem]:
    """The outline of a top-level section of the retrieved passages' documents whose heading the
    question says word for word ("Break down Pakistan's motives for me." names "I. Pakistan’s
    Motives"), however much else it says ("… for de-escalating with Iran", which the section about
    Iran's motives matches better by similarity). The longest heading named wins; [] if none."""
    said = " " + _plain(question) + " "
    named = []
    for doc in dict.fromkeys(retriever.chunks[p.chunk].doc for p in passages[:3]):
        for row in map(int, retriever.rows_for(doc)):
            chunk = retriever.chunks[row]
            if chunk.kind != "heading" or len(chunk.section) != 1:
                continue
            heading = _plain(_NUMBERING.sub("", chunk.section[0]))
            if len(heading.split()) >= 2 and f" {heading} " in said:
                named.append((len(heading), doc, chunk.section[0]))
    for _, doc, top in sorted(named, reverse=True):
        items = outline(retriever, doc, top)
        if len(items) >= 2:
            return items
    return []


_PLACES = {w: i for i, w in enumerate(ORDINAL_WORDS)} | {"last": -1, "final": -1}
_NTH = re.compile(r"\b({})\b".format("|".join(_PLACES)), re.I)


def nth_point(retriever: Retriever, passages: list[Passage], question: str) -> OutlineItem | None:
    """The point a question picks by its place in a section it names ("What is the second of
    Pakistan's motives?", "Is the last of Iran's motives about America?"): retrieval cannot count,
    the outline can. None when the question names no place or no section."""
    place = _NTH.search(question)
    if place is None:
        return None
    items = named_section(retriever, passages, question) or _counted_in(retriever, passages, question, place)
    at = _PLACES[place.group(1).lower()]
    return items[at] if items and at < len(items) else None


# How or why something figures: "How does Israel factor into Iran's decision?", "What role does
# India play …?" — asked of the one point whose heading names it.
_HOW_IT_FIGURES = re.compile(r"^\s*(?:(?:ok|okay|so|and|but|well)\b[\s,]*)*(?:why|what\s+role|in\s+what\s+way|how\s+"
                             r"(?:do|does|did|is|are|was|were|has|have|had|can|could|would|might|may|will)\b)", re.I)


def point_by_its_word(retriever: Retriever, passages: list[Passage], question: str) -> OutlineItem | None:
    """The point a how- or why-question names by a name in its heading that no other heading of the
    document has ("How does Israel factor into Iran's decision?": "6. Additional Regional
    Calculations (Israel)"), the one such point retrieval found too; None otherwise. Only a name (a
    word the document writes only capitalized): a common word ("issues", "government") may be
    what the question is about without being what the point is about."""
    if not passages or not _HOW_IT_FIGURES.match(question):
        return None
    doc = retriever.chunks[passages[0].chunk].doc
    points = [item for items in outlines(retriever, doc).values() for item in items]
    headings = [c.section[0] for c in map(retriever.chunks.__getitem__, map(int, retriever.rows_for(doc)))
                if c.kind == "heading" and len(c.section) == 1]
    words = [set(_names(_NUMBERING.sub("", span_text(retriever, p.row, p.start, p.end)))) for p in points]
    seen = [w for own in words for w in own] + [w for h in dict.fromkeys(headings) for w in _names(h)]
    names = casing_for(retriever, doc)
    asked = {w for w in _names(question) if w in names}
    retrieved = {p.chunk for p in passages}
    named = [p for p, own in zip(points, words)
             if any(w in asked and seen.count(w) == 1 and len(w) > 3 for w in own)
             and retrieved & set(point_rows(retriever, p))]
    return named[0] if len(named) == 1 else None


def point_rows(retriever: Retriever, point: OutlineItem) -> list[int]:
    """The rows of what a point says: the paragraph it opens and those after it, up to the next point."""
    chunk = retriever.chunks[point.row]
    return [row for row in map(int, retriever.rows_for(chunk.doc))
            if row >= point.row and tuple(retriever.chunks[row].section[:2]) == tuple(chunk.section[:2])]


def _counted_in(retriever: Retriever, passages: list[Passage], question: str, place: re.Match) -> list[OutlineItem]:
    """The list an ordinal counts in by the noun it qualifies ("Pakistan's third motive", "the fourth
    motive the article lists for Pakistan's de-escalation"): a section whose heading ends in that
    noun ("I. Pakistan’s Motives"); of two such, the one whose owner the question names first. []
    when no heading ends in it."""
    noun = re.match(r"\s+([\w’'-]+)", question[place.end():])
    if noun is None:
        return []
    said = _plain(noun.group(1)).rstrip("s")
    for doc in dict.fromkeys(retriever.chunks[p.chunk].doc for p in passages[:3]):
        points = outlines(retriever, doc)
        lists = [h for h, items in points.items() if len(items) >= 2
                 and _plain(heading_name(h)).split()[-1:] == [said + "s"]]
        if len(lists) == 1:
            return points[lists[0]]
        named = sibling_named_first(retriever, doc, question, lists[0], capitals=True) if lists else None
        if named in lists:
            return points[named]
    return []


def heading_name(heading: str) -> str:
    """A heading without its numbering: "II. Iran’s Motives" → "Iran’s Motives"."""
    return _NUMBERING.sub("", heading).strip()


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower().replace("’", "'")))


def section_of_the_answer(retriever: Retriever, passages: list[Passage], candidates: list[Candidate],
                          question: str = "") -> list[OutlineItem]:
    """The outline of the top-level section the retrieved passages mostly come from (each passage
    counting 1/rank), when that section lays out two or more numbered points and the question is
    about the section as a whole: its best sentence there is in the section's introduction, before
    the points ("Why did Iran back down?"), not inside one point ("Why does Iran's air force
    struggle?", answered with that point's sentence). Of sibling sections told apart by a name,
    the one the question names first is taken (sibling_named_first). [] otherwise."""
    weights: dict[tuple[str, str], float] = {}
    for p in passages:
        chunk = retriever.chunks[p.chunk]
        if chunk.section:
            key = (chunk.doc, chunk.section[0])
            weights[key] = weights.get(key, 0.0) + 1.0 / max(p.rank, 1)
    if not weights:
        return []
    doc, top = max(weights, key=lambda key: weights[key])  # only the section most passages are in
    # "What were Iran's reasons …?" asks for the list by its words and its owner, wherever the best
    # sentence is; "Why did Iran …?" only when its best sentence is not inside one point.
    asks_by_words = any(_ASKS_WHAT_THEY_ARE.match(part) and re.search(_LIST_WORDS, part, re.I)
                        for part in re.split(r"(?<=[?!.])\s+", question))  # "Why …? What were its reasons?"
    named = sibling_named_first(retriever, doc, question, top, capitals=asks_by_words)
    top = named or top
    inside = [c for c in candidates if retriever.chunks[c.passage.chunk].doc == doc
              and list(retriever.chunks[c.passage.chunk].section[:1]) == [top]]
    best = max(inside, key=lambda c: c.score, default=None)
    by_words = bool(named and asks_by_words)
    if best is not None and len(retriever.chunks[best.passage.chunk].section) != 1 and not by_words:
        return []  # about one of its points
    if best is None and named is None:
        return []
    items = outline(retriever, doc, top)
    return items if len(items) >= 2 else []


def sibling_named_first(retriever: Retriever, doc: str, question: str, top: str,
                        capitals: bool = False) -> str | None:
    """Of the document's top-level sections that list points and whose headings differ by a name
    ("I. Pakistan’s Motives", "II. Iran’s Motives"), the one whose name the question says first
    ("the reasons Pakistan had for cooling things off with Iran": Pakistan's, the subject, comes
    before the object), when `top` is one of them; None when the question names none of them.
    `capitals`: a capital names its country ("Tehran's reasons": Iran's) — only for a question that
    asks for the list by its words: a why-question about what "Islamabad" did may be answered by
    the article's opening, which the section would push aside."""
    listing = [c.section[0] for c in map(retriever.chunks.__getitem__, map(int, retriever.rows_for(doc)))
               if c.kind == "heading" and len(c.section) == 1]
    points = outlines(retriever, doc)
    listing = [h for h in dict.fromkeys(listing) if len(points.get(h, [])) >= 2]
    if top not in listing or len(listing) < 2:
        return None
    words = {h: set(_names(_NUMBERING.sub("", h))) for h in listing}
    said = [(capitals and country_of(w)) or w for w in _names(question)]
    first: dict[str, int] = {}
    for heading, own in words.items():
        names = own - set.intersection(*(w for h, w in words.items() if h != heading))
        places = [i for i, w in enumerate(said) if w in names]
        if places:
            first[heading] = min(places)
    return min(first, key=first.get) if first else None


_FUNCTION_WORDS = {"the", "a", "an", "of", "and", "or", "in", "on", "at", "for", "to", "with", "by", "from", "its",
                   "their", "his", "her", "our", "this", "that"}


def _names(text: str) -> list[str]:
    """The words a heading or question may tell its owner by, possessives dropped, function words not."""
    return [w.strip("'") for w in _plain(re.sub(r"['’]s\b", "", text)).split() if w not in _FUNCTION_WORDS]


def announced_list(retriever: Retriever, row: int, sentence: str) -> list[OutlineItem]:
    """The outline that a sentence ending in a colon introduces, when it opens a section."""
    chunk = retriever.chunks[row]
    if not sentence.rstrip().endswith(":") or len(chunk.section) != 1:
        return []
    items = outline(retriever, chunk.doc, chunk.section[0])
    return items if len(items) >= 2 else []


def outline(retriever: Retriever, doc: str, top: str) -> list[OutlineItem]:
    return outlines(retriever, doc).get(top, [])


def outlines(retriever: Retriever, doc: str) -> dict[str, list[OutlineItem]]:
    """Each top-level section of a document → its subsections' headings, in one pass over its rows."""
    items: dict[str, list[OutlineItem]] = {}
    seen = set()
    for row in map(int, retriever.rows_for(doc)):  # the document's rows only: a library has a million
        c = retriever.chunks[row]
        if len(c.section) < 2 or tuple(c.section[:2]) in seen:
            continue
        seen.add(tuple(c.section[:2]))
        if c.kind == "heading":
            items.setdefault(c.section[0], []).append(OutlineItem(row, c.start, c.end))
            continue
        lead = c.text.find(c.section[1])  # an inline lead-in heading: "2. Incapability …: During …"
        if lead >= 0:
            items.setdefault(c.section[0], []).append(
                OutlineItem(row, c.start + lead, c.start + lead + len(c.section[1])))
    return items
