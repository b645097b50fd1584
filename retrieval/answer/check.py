"""Check written sentences against numbered passages, before they are shown: nothing is shown as
supported unless cited has found the passage sentence (or two adjacent ones) that says it.

With the verifier (retrieval/search/verifier.py), in any words: each sentence's claim (the sentence
without its markers) is read against the sentences of the passages it cites that come closest to
it (by the encoder), singly and with a neighbour. Then:
- supported: the verifier says one of them entails the claim (ENTAIL_ABOVE), and the hard rules
  hold (retrieval/answer/claims.py: every number and name of the claim is in that passage, and the
  sentence is not an instruction to a model);
- contradicted: the verifier says one of them contradicts it (CONTRADICT_ABOVE, and more than it
  entails it): shown with that sentence;
- attributed: a sentence with no marker, or whose cited passage does not say it, is read against
  the other given passages, and supported by the one that entails it, its marker cited's own;
- unsupported otherwise; a marker naming a passage that was not given is an invalid citation.
Without a verifier (--no-verifier), check_by_similarity.py's check: the article's own words only.

Instructions inside a document cannot change a verdict: nothing here does what the passages or the
writer say, and a passage sentence that is itself an instruction supports nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np

from retrieval.answer.check_by_similarity import SimilarityChecker
from retrieval.answer.claims import (
    CONTRADICTED,
    INVALID,
    NO_ANSWER,
    NOT_IN_ARTICLE,
    SUPPORTED,
    UNSUPPORTED,
    CheckedSentence,
    Support,
    markers,
    rule_broken,
    says_not_in_article,
    split_sentences,
)

__all__ = ["CONTRADICTED", "INVALID", "NO_ANSWER", "NOT_IN_ARTICLE", "SUPPORTED", "UNSUPPORTED", "CheckedSentence",
           "CheckedText", "Checker", "Support", "markers", "split_sentences"]

# Chosen once by `cited eval --check` (eval/check_calibration.py: its rule, on the verifier's
# held-out articles; the figures are in docs/llm-mode.md).
ENTAIL_ABOVE = 0.75
# Contradicted when the verifier gives contradiction at least this, and more than entailment: fixed
# before any figure was seen (the verifier's own most likely label, when it is a clear one).
CONTRADICT_ABOVE = 0.5
CLOSEST = 3  # passage sentences read singly per claim (the closest by the encoder)
NOTHING_GIVEN_SAYS = "cites no passage, and no passage given says this"
NO_PASSAGE_SAYS = "no passage of the article says this"


@dataclass(frozen=True)
class CheckedText:
    """A text checked sentence by sentence against the article (`cited check`, Library.check)."""

    sentences: tuple[CheckedSentence, ...]

    def to_json(self) -> dict:
        return {"sentences": [s.to_json() for s in self.sentences],
                "counts": {verdict: sum(s.verdict == verdict for s in self.sentences)
                           for verdict in (SUPPORTED, CONTRADICTED, UNSUPPORTED)}}


@dataclass(frozen=True)
class _Premise:
    """A passage sentence, or two adjacent ones, that a claim is read against."""

    support: Support
    passage_text: str


@dataclass(frozen=True)
class _Reading:
    premise: _Premise
    entailment: float
    contradiction: float


@dataclass(frozen=True)
class ClaimReadings:
    """A claim and what the verifier read of it: against the passages it cites, and (read when
    asked) against the other passages given; the invalid markers, if any."""

    sentence: str
    claim: str
    cited: tuple[int, ...]
    given: int  # how many passages were given
    cited_readings: tuple[_Reading, ...]
    other_readings: Callable[[], tuple[_Reading, ...]]
    invalid: list[int] = field(default_factory=list)


class Checker:
    """Checks sentences against numbered passages (retrieval.search.retriever.Passage) of one index;
    with a verifier, in any words (above), else by similarity (check_by_similarity.py)."""

    def __init__(self, retriever, verifier=None, entail_above: float = ENTAIL_ABOVE,
                 contradict_above: float = CONTRADICT_ABOVE) -> None:
        self.retriever = retriever
        self.verifier = verifier
        self.entail_above = entail_above
        self.contradict_above = contradict_above
        self._similarity = SimilarityChecker(retriever) if verifier is None else None

    def check(self, text: str, passages: list) -> list[CheckedSentence]:
        if self.verifier is None:
            return self._similarity.check(text, passages)
        sentences = split_sentences(text)
        if not sentences:
            return []
        parsed = [markers(s) for s in sentences]
        vectors = self.retriever.embedder.encode([claim for _, claim in parsed])
        return [self._one(s, cited, claim, vector, passages)
                for s, (cited, claim), vector in zip(sentences, parsed, vectors)]

    def _one(self, sentence: str, cited: tuple[int, ...], claim: str, vector: np.ndarray, passages: list,
             nothing_says: str = NOTHING_GIVEN_SAYS) -> CheckedSentence:
        return verdict(self.readings(sentence, cited, claim, vector, passages), self.entail_above,
                       self.contradict_above, nothing_says)

    def readings(self, sentence: str, cited: tuple[int, ...], claim: str, vector: np.ndarray,
                 passages: list) -> ClaimReadings:
        """What the verifier reads of a claim: against its cited passages now, against the other
        given passages when the verdict asks for them (read once, then kept)."""
        invalid = [n for n in cited if not 1 <= n <= len(passages)]
        if says_not_in_article(claim) or invalid:
            return ClaimReadings(sentence, claim, cited, len(passages), (), lambda: (), invalid[:1])
        readings = tuple(self._read(claim, vector, [(n, passages[n - 1]) for n in cited]))
        others = cache(lambda: tuple(self._read(claim, vector, [(n, p) for n, p in enumerate(passages, 1)
                                                                if n not in cited])))
        return ClaimReadings(sentence, claim, cited, len(passages), readings, others)

    def check_text(self, text: str, limit: int, k: int | None = None, doc: str | None = None,
                   on_sentence=None) -> list[CheckedSentence]:
        """Any text (a summary of the article, an answer from elsewhere), sentence by sentence,
        against the article: each sentence against the passages retrieval finds for it, as a
        sentence with no marker is (supported ones are attributed). Markers in the text are ignored.
        `on_sentence(done, total)` follows the progress of a long text."""
        sentences = split_sentences(text_to_check(text, limit))
        out = []
        for done, sentence in enumerate(sentences, 1):
            _, claim = markers(sentence)
            passages = self.retriever.search(claim, k=k, doc=doc)
            if self.verifier is None:
                every = "".join(f"[{n}]" for n in range(1, len(passages) + 1))  # as if it cited them all
                checked = self._similarity.check(f"{claim} {every}", passages)[:1]
                out.append(replace(checked[0], text=sentence, cited=()) if checked else
                           CheckedSentence(sentence, claim, (), UNSUPPORTED, NO_PASSAGE_SAYS))
            else:
                [vector] = self.retriever.embedder.encode([claim])
                out.append(self._one(sentence, (), claim, vector, passages, NO_PASSAGE_SAYS))
            if on_sentence is not None:
                on_sentence(done, len(sentences))
        return out

    def _read(self, claim: str, vector: np.ndarray, numbered: list) -> list[_Reading]:
        """The verifier's reading of the claim against the premises of these passages."""
        premises = self._premises(vector, numbered)
        judged = self.verifier.judge([(claim, p.support.text) for p in premises])
        return [_Reading(p, j.entailment, j.contradiction) for p, j in zip(premises, judged)]

    def _premises(self, vector: np.ndarray, numbered: list) -> list[_Premise]:
        """The CLOSEST sentences of the passages to the claim's vector, and the closest one with
        its closer neighbour (an answer often spans two sentences)."""
        retriever = self.retriever
        scored = []  # (similarity, n, passage, sentence index)
        for n, passage in numbered:
            chunk = retriever.chunks[passage.chunk]
            first = int(retriever.sentence_starts[passage.chunk])
            for i in range(len(chunk.sentences)):
                scored.append((float(retriever.index.sentence_vectors[first + i] @ vector), n, passage, i))
        scored.sort(key=lambda x: -x[0])
        out = [self._premise(n, passage, i, i) for _, n, passage, i in scored[:CLOSEST]]
        if scored:
            _, n, passage, i = scored[0]
            near = {(x[1], x[3]): x[0] for x in scored}
            neighbours = [j for j in (i - 1, i + 1) if (n, j) in near]
            if neighbours:
                j = max(neighbours, key=lambda j: near[(n, j)])
                out.append(self._premise(n, passage, min(i, j), max(i, j)))
        return out

    def _premise(self, n: int, passage, first: int, last: int) -> _Premise:
        chunk = self.retriever.chunks[passage.chunk]
        start, end = chunk.sentences[first][0], chunk.sentences[last][1]
        text = chunk.text[start - chunk.start:end - chunk.start]
        return _Premise(Support(chunk.doc, chunk.paragraph, start, end, text, n), passage.text)


def text_to_check(text: str, limit: int) -> str:
    """The text as cited can check it, or a TextToCheckError: not empty, not over `limit`
    characters, not binary (NUL bytes or a share of control characters)."""
    from retrieval.base.errors import BinaryTextToCheck, EmptyTextToCheck, TextToCheckTooLong

    if not isinstance(text, str) or not text.strip():
        raise EmptyTextToCheck()
    if len(text) > limit:
        raise TextToCheckTooLong(len(text), limit)
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if "\x00" in text or controls > 0.05 * len(text):
        raise BinaryTextToCheck()
    return text


def verdict(r: ClaimReadings, entail_above: float, contradict_above: float,
            nothing_says: str = NOTHING_GIVEN_SAYS) -> CheckedSentence:
    """The verdict on a claim from the verifier's readings (Checker's docstring has the rules)."""
    sentence, claim, cited = r.sentence, r.claim, r.cited

    def said(verdict_: str, reason: str, reading: _Reading, attributed: bool = False,
             marked: tuple[int, ...] = cited) -> CheckedSentence:
        return CheckedSentence(sentence, claim, marked, verdict_, reason, support=reading.premise.support,
                               attributed=attributed, entailment=reading.entailment)

    if says_not_in_article(claim):
        return CheckedSentence(sentence, claim, cited, NO_ANSWER, "says the article does not say")
    if r.invalid:
        return CheckedSentence(sentence, claim, cited, INVALID, f"cites [{r.invalid[0]}]; {r.given} passages were given")
    best = max(r.cited_readings, key=lambda x: x.entailment, default=None)
    broken = None if best is None else rule_broken(claim, best.premise.passage_text, best.premise.support)
    if best is not None and best.entailment >= entail_above and broken is None:
        return said(SUPPORTED, "", best)
    others = r.other_readings()
    for found in sorted(others, key=lambda x: -x.entailment):
        if found.entailment < entail_above:
            break
        if rule_broken(claim, found.premise.passage_text, found.premise.support) is None:
            return said(SUPPORTED, "", found, attributed=True, marked=(found.premise.support.citation,))
    against = max(r.cited_readings + others, key=lambda x: x.contradiction, default=None)
    if against is not None and against.contradiction >= contradict_above and against.contradiction > against.entailment:
        return said(CONTRADICTED, f"the passage says otherwise: “{against.premise.support.text}”", against)
    if best is not None:
        return said(UNSUPPORTED, broken or "no sentence of the cited passage says this", best)
    return CheckedSentence(sentence, claim, cited, UNSUPPORTED, nothing_says)
