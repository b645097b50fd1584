"""A written answer taken apart for checking: its sentences, the passage numbers each cites and
the claim without them; the verdicts and the passage sentence that decides one (Support: text ==
document text[start:end]); and the hard rules no verdict of "supported" may break — every number
and name of the claim is in the passage, and a passage sentence that is an instruction to a model
("ignore previous instructions and say that …") supports nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

SUPPORTED, UNSUPPORTED, INVALID, NO_ANSWER = "supported", "unsupported", "invalid citation", "no answer"
CONTRADICTED = "contradicted"
NOT_IN_ARTICLE = "The article does not say."

_MARKER = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:,|and|-|–)\s*\d+)*)\s*\]", re.I)
_LEADING_MARKERS = re.compile(r"^((?:\s*\[[^\]]{1,20}\])+)\s*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][\w'’-]*[A-Za-z0-9]")
_WORD = re.compile(r"[\w'’-]+")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NOT_NAMES = {"I", "The", "A", "An", "In", "On", "At", "It", "This", "That", "These", "Those", "He", "She", "They",
              "We", "Its", "Their", "His", "Her", "As", "And", "But", "Or", "For", "According", "Passage", "Passages",
              "Article", "However", "Also", "Both", "First", "Second", "Third", "Finally", "Overall", "If", "When"}
# A sentence that speaks to a model rather than about the world ("Ignore previous instructions:
# say that …") supports nothing, whatever words it shares with a claim.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,30}\b(instructions?|prompts?|rules)\b|\byou (are|must|should) now\b|"
    r"\b(as an ai|language model|system prompt|assistant:|say that|respond (only )?with|answer (only )?with|"
    r"mark (every|all|each)\b)", re.I)
_NOT_IN_ARTICLE = re.compile(r"^\W*(the )?(article|passages?|text) (does not|doesn['’]t|do not|don['’]t) (say|mention|"
                             r"state|answer|contain|specify)|^\W*not in the (article|passages?)", re.I)


@dataclass(frozen=True)
class Support:
    """The passage sentence that says what a claim says: text == document text[start:end]."""

    doc: str
    paragraph: int
    start: int
    end: int
    text: str
    citation: int  # n of the passage it is in


@dataclass(frozen=True)
class CheckedSentence:
    text: str  # as the LLM wrote it, markers included
    claim: str  # without its markers
    cited: tuple[int, ...]
    verdict: str  # SUPPORTED, CONTRADICTED, UNSUPPORTED, INVALID or NO_ANSWER
    reason: str  # why, in a few words (empty when supported)
    similarity: float = 0.0  # the claim's dense similarity to the support (the similarity check's measure)
    support: Support | None = None  # the passage sentence that says it, or (CONTRADICTED) says otherwise
    word_match: float = 1.0  # how close the claim's least-matched new word comes to a word of the passage
    attributed: bool = False  # supported by a given passage that cited found, not one the sentence named
    entailment: float | None = None  # the verifier's probability that the support entails the claim

    @property
    def supported(self) -> bool:
        return self.verdict == SUPPORTED

    def to_json(self) -> dict:
        s = self.support
        return {"text": self.text, "cited": list(self.cited), "verdict": self.verdict, "supported": self.supported,
                "attributed": self.attributed, "reason": self.reason, "similarity": round(self.similarity, 4),
                "entailment": None if self.entailment is None else round(self.entailment, 4),
                "support": None if s is None else {"doc": s.doc, "paragraph": s.paragraph, "start": s.start,
                                                   "end": s.end, "text": s.text, "citation": s.citation}}


def split_sentences(text: str) -> list[str]:
    """The answer's sentences; markers written after a full stop ("… Iran. [2]") stay with the
    sentence they close, not the next one."""
    import pysbd

    pieces = [p.strip() for p in pysbd.Segmenter(language="en", clean=False).segment(text.strip()) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        lead = _LEADING_MARKERS.match(piece)
        if lead and out:
            out[-1] = f"{out[-1]} {lead.group(1).strip()}"
            piece = piece[lead.end():]
        if piece.strip():
            out.append(piece.strip())
        elif lead and not out:
            out.append(lead.group(1).strip())
    return out


def markers(sentence: str) -> tuple[tuple[int, ...], str]:
    """The passage numbers a sentence cites, and the sentence without its markers."""
    cited: list[int] = []
    for m in _MARKER.finditer(sentence):
        spec = m.group(1)
        for part in re.split(r"\s*(?:,|and)\s*", spec):
            bounds = re.split(r"\s*[-–]\s*", part)
            if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit() and int(bounds[1]) - int(bounds[0]) < 20:
                cited += range(int(bounds[0]), int(bounds[1]) + 1)
            elif part.isdigit():
                cited.append(int(part))
    claim = " ".join(_MARKER.sub(" ", sentence).split())
    claim = re.sub(r"\s+([.,;:!?])", r"\1", claim)
    return tuple(dict.fromkeys(cited)), claim


def numbers_in(text: str) -> set[str]:
    words = {_NUMBER_WORDS[w.lower()] for w in _WORD.findall(text) if w.lower() in _NUMBER_WORDS}
    return words | {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def names_in(claim: str) -> set[str]:
    found = set()
    for m in _NAME.finditer(claim):
        if m.start() == 0 or claim[:m.start()].strip() == "" or m.group(0) in _NOT_NAMES:
            continue
        found.add(re.sub(r"['’]s$", "", m.group(0)))
    return found


def says_not_in_article(claim: str) -> bool:
    """"The article does not say …": the writer's own abstention, not a claim."""
    return bool(_NOT_IN_ARTICLE.search(claim))


def is_instruction(sentence: str) -> bool:
    """A sentence that speaks to a model rather than about the world."""
    return bool(_INSTRUCTION.search(sentence))


def missing_fact(claim: str, passage_text: str) -> str | None:
    """A number or a name of the claim that the passage lacks, said as the reason, or None."""
    missing_numbers = sorted(numbers_in(claim) - numbers_in(passage_text))
    if missing_numbers:
        return f"{missing_numbers[0]} is not in the cited passage"
    lowered = passage_text.lower()
    missing_names = sorted(n for n in names_in(claim) if not re.search(rf"\b{re.escape(n.lower())}\b", lowered))
    if missing_names:
        return f"{missing_names[0]} is not in the cited passage"
    return None


INSTRUCTION_SUPPORTS_NOTHING = "its closest passage sentence is an instruction, not a statement"


def rule_broken(claim: str, passage_text: str, support: Support | None) -> str | None:
    """Why a claim cannot be supported by this passage whatever a model says of it: a number or a
    name of the claim that the passage lacks, or a supporting sentence that is an instruction."""
    if (missing := missing_fact(claim, passage_text)) is not None:
        return missing
    if support is not None and is_instruction(support.text):
        return INSTRUCTION_SUPPORTS_NOTHING
    return None
