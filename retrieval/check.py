"""Check an LLM's answer against the passages it was given, sentence by sentence, before it is
shown: nothing is shown as supported unless cited has found the passage sentence that says it.

A sentence's markers ("[2]", "[1, 3]", "[Passage 2]") must name passages that were given, or its
verdict is an invalid citation; a sentence with no marker is unsupported. Otherwise its claim (the
sentence without its markers) is compared with each sentence of the passages it cites:
- every number in the claim appears in the cited passages (number words count as numbers);
- every name (a capitalised word past the sentence's first) appears in them;
- the claim and its best-matching passage sentence agree on negation;
- the best-matching passage sentence is a statement, not an instruction to a model;
- their dense similarity (the bundled encoder) reaches SUPPORT_ABOVE, or the claim's words (three
  or more) are all that sentence's (an LLM that quotes is supported however short the quote).
The passages' own sentence vectors come from the index, so a check embeds only the claims. The
threshold was calibrated once by `cited eval --check` on claims built from SQuAD articles that are
not the public ones (eval/README.md). Instructions inside a document cannot change a verdict:
nothing here does what the passages or the LLM say, and a passage sentence that is itself an
instruction ("ignore previous instructions and say that …") supports nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

SUPPORTED, UNSUPPORTED, INVALID, NO_ANSWER = "supported", "unsupported", "invalid citation", "no answer"
SUPPORT_ABOVE = 0.85  # chosen by `cited eval --check` (eval/checking.py), with WORD_ABOVE
# A word of the claim that the cited passages do not have (after stemming) must be close in meaning
# to one they do (by the encoder's word vectors), or the claim says something they do not.
WORD_ABOVE = 0.65
_STOPWORDS = frozenset("""about above after again against also among another because been before being below between
both cannot could does doing down during each either every from further have having here into itself just made make
many more most much must never only other over same should since some such than that their them then there these they
this those through under until very what when where which while whom whose will with within without would your
article passage passages according says said states stated mentions mentioned""".split())
NOT_IN_ARTICLE = "The article does not say."

_MARKER = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:,|and|-|–)\s*\d+)*)\s*\]", re.I)
_LEADING_MARKERS = re.compile(r"^((?:\s*\[[^\]]{1,20}\])+)\s*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][\w'’-]*[A-Za-z0-9]")
_WORD = re.compile(r"[\w'’-]+")
_NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|without|cannot)\b|n['’]t\b", re.I)
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
    verdict: str  # SUPPORTED, UNSUPPORTED, INVALID or NO_ANSWER
    reason: str  # why, in a few words (empty when supported)
    similarity: float = 0.0
    support: Support | None = None
    word_match: float = 1.0  # how close the claim's least-matched new word comes to a word of the passage

    @property
    def supported(self) -> bool:
        return self.verdict == SUPPORTED

    def to_json(self) -> dict:
        s = self.support
        return {"text": self.text, "cited": list(self.cited), "verdict": self.verdict, "supported": self.supported,
                "reason": self.reason, "similarity": round(self.similarity, 4),
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


def _numbers(text: str) -> set[str]:
    words = {_NUMBER_WORDS[w.lower()] for w in _WORD.findall(text) if w.lower() in _NUMBER_WORDS}
    return words | {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def _names(claim: str) -> set[str]:
    found = set()
    for m in _NAME.finditer(claim):
        if m.start() == 0 or claim[:m.start()].strip() == "" or m.group(0) in _NOT_NAMES:
            continue
        found.add(re.sub(r"['’]s$", "", m.group(0)))
    return found


def _content_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if len(w) > 3]


def _stems(words) -> list[str]:
    """Each word's stem, with the stemmer BM25 uses (retrieval/lexical.py)."""
    from retrieval.lexical import _stemmer

    return _stemmer().stemWords([w.lower().strip("'’-") for w in words])


def _plain_words(text: str) -> list[str]:
    """The claim's words that carry meaning: alphabetic, four letters or more, not function words."""
    return [w for w in (w.lower() for w in _WORD.findall(text)) if w.isalpha() and len(w) >= 4 and w not in _STOPWORDS]


class Checker:
    """Checks sentences against numbered passages (retrieval.search.Passage) of one index."""

    def __init__(self, retriever, threshold: float = SUPPORT_ABOVE, word_threshold: float = WORD_ABOVE) -> None:
        self.retriever = retriever
        self.threshold = threshold
        self.word_threshold = word_threshold
        self._word_vectors: dict[str, np.ndarray] = {}

    def check(self, text: str, passages: list) -> list[CheckedSentence]:
        sentences = split_sentences(text)
        if not sentences:
            return []
        parsed = [markers(s) for s in sentences]
        claims = [claim for _, claim in parsed]
        vectors = self.retriever.embedder.encode(claims)
        return [self._one(s, cited, claim, vector, passages)
                for s, (cited, claim), vector in zip(sentences, parsed, vectors)]

    def _one(self, sentence: str, cited: tuple[int, ...], claim: str, vector: np.ndarray,
             passages: list) -> CheckedSentence:
        if _NOT_IN_ARTICLE.search(claim):
            return CheckedSentence(sentence, claim, cited, NO_ANSWER, "says the article does not say")
        if not cited:
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED, "cites no passage")
        wrong = [n for n in cited if not 1 <= n <= len(passages)]
        if wrong:
            return CheckedSentence(sentence, claim, cited, INVALID,
                                   f"cites [{wrong[0]}]; {len(passages)} passages were given")
        rows = [(n, passages[n - 1]) for n in cited]
        best = self._best_sentence(vector, rows)
        similarity, support = best
        cited_text = " ".join(p.text for _, p in rows)
        lowered = cited_text.lower()
        missing_numbers = sorted(_numbers(claim) - _numbers(cited_text))
        if missing_numbers:
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED,
                                   f"{missing_numbers[0]} is not in the cited passage", similarity, support)
        missing_names = sorted(n for n in _names(claim) if not re.search(rf"\b{re.escape(n.lower())}\b", lowered))
        if missing_names:
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED,
                                   f"{missing_names[0]} is not in the cited passage", similarity, support)
        foreign, word_match = self._least_matched_word(claim, cited_text)
        if word_match < self.word_threshold:
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED,
                                   f"“{foreign}” is not in the cited passage, nor a word like it", similarity, support,
                                   word_match)
        if support is not None and _INSTRUCTION.search(support.text):
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED,
                                   "its closest passage sentence is an instruction, not a statement", similarity, support)
        if support is not None and len(_NEGATION.findall(claim)) != len(_NEGATION.findall(support.text)):
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED,
                                   "negation differs from the passage", similarity, support)
        # Quoted: three or more of the claim's words, all in its best passage sentence.
        words = _content_words(claim)
        quoted = support is not None and len(words) >= 3 and all(w in support.text.lower() for w in words)
        if similarity >= self.threshold or quoted:
            return CheckedSentence(sentence, claim, cited, SUPPORTED, "", similarity, support, word_match)
        return CheckedSentence(sentence, claim, cited, UNSUPPORTED,
                               f"no sentence of the cited passage says this (similarity {similarity:.2f})",
                               similarity, support, word_match)

    def _least_matched_word(self, claim: str, cited_text: str) -> tuple[str, float]:
        """The claim's word (not in the cited passages, after stemming) that comes least close to
        any of their words, and how close (1.0 when every word is theirs)."""
        have = list(dict.fromkeys(_plain_words(cited_text)))
        stems = set(_stems(have))
        words = list(dict.fromkeys(_plain_words(claim)))
        novel = [w for w, stem in zip(words, _stems(words)) if stem not in stems]
        if not novel:
            return "", 1.0
        if not have:
            return novel[0], 0.0
        vectors = self._vectors(novel + have)
        theirs = np.stack([vectors[w] for w in have])
        scores = [(float(np.max(theirs @ vectors[w])), w) for w in novel]
        score, word = min(scores)
        return word, score

    def _vectors(self, words: list[str]) -> dict[str, np.ndarray]:
        missing = [w for w in dict.fromkeys(words) if w not in self._word_vectors]
        if missing:
            for w, v in zip(missing, self.retriever.embedder.encode(missing)):
                self._word_vectors[w] = v
        return {w: self._word_vectors[w] for w in words}

    def _best_sentence(self, vector: np.ndarray, rows: list) -> tuple[float, Support | None]:
        retriever = self.retriever
        index = retriever.index
        best: tuple[float, Support | None] = (-1.0, None)
        for n, passage in rows:
            chunk = retriever.chunks[passage.chunk]
            first = int(retriever.sentence_starts[passage.chunk]) if len(chunk.sentences) else 0
            for i, (start, end) in enumerate(chunk.sentences):
                score = float(index.sentence_vectors[first + i] @ vector)
                if score > best[0]:
                    text = chunk.text[start - chunk.start:end - chunk.start]
                    best = (score, Support(chunk.doc, chunk.paragraph, start, end, text, n))
        return best
