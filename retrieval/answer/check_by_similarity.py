"""The check without a verifier (--no-verifier): a claim is supported by the cited passage
sentence it comes closest to when the hard rules hold (retrieval/answer/claims.py), the two agree
on negation, and their dense similarity reaches SUPPORT_ABOVE — or the claim's words (three or
more) are all that sentence's. A word of the claim the passages lack must be close in meaning to
one they have (WORD_ABOVE). It recognises the article's own words; retrieval/answer/check.py's
verifier recognises what the article says in other words. The thresholds were chosen once by
`cited eval --check` on calibration articles (docs/evaluation.md)."""

from __future__ import annotations

import re

import numpy as np

from retrieval.answer.claims import (
    INSTRUCTION_SUPPORTS_NOTHING,
    INVALID,
    NO_ANSWER,
    SUPPORTED,
    UNSUPPORTED,
    CheckedSentence,
    Support,
    is_instruction,
    markers,
    missing_fact,
    says_not_in_article,
    split_sentences,
)

SUPPORT_ABOVE = 0.85  # chosen by `cited eval --check` (eval/checking.py), with WORD_ABOVE
# A word of the claim that the cited passages do not have (after stemming) must be close in meaning
# to one they do (by the encoder's word vectors), or the claim says something they do not.
WORD_ABOVE = 0.65
_STOPWORDS = frozenset("""about above after again against also among another because been before being below between
both cannot could does doing down during each either every from further have having here into itself just made make
many more most much must never only other over same should since some such than that their them then there these they
this those through under until very what when where which while whom whose will with within without would your
article passage passages according says said states stated mentions mentioned""".split())
_WORD = re.compile(r"[\w'’-]+")
_NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|without|cannot)\b|n['’]t\b", re.I)


class SimilarityChecker:
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
        if says_not_in_article(claim):
            return CheckedSentence(sentence, claim, cited, NO_ANSWER, "says the article does not say")
        if not cited:
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED, "cites no passage")
        wrong = [n for n in cited if not 1 <= n <= len(passages)]
        if wrong:
            return CheckedSentence(sentence, claim, cited, INVALID,
                                   f"cites [{wrong[0]}]; {len(passages)} passages were given")
        rows = [(n, passages[n - 1]) for n in cited]
        similarity, support = self._best_sentence(vector, rows)
        cited_text = " ".join(p.text for _, p in rows)
        missing = missing_fact(claim, cited_text)
        if missing is not None:
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED, missing, similarity, support)
        foreign, word_match = self._least_matched_word(claim, cited_text)
        if word_match < self.word_threshold:
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED,
                                   f"“{foreign}” is not in the cited passage, nor a word like it", similarity, support,
                                   word_match)
        if support is not None and is_instruction(support.text):
            return CheckedSentence(sentence, claim, cited, UNSUPPORTED, INSTRUCTION_SUPPORTS_NOTHING, similarity,
                                   support)
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


def _content_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if len(w) > 3]


def _stems(words) -> list[str]:
    """Each word's stem, with the stemmer BM25 uses (retrieval/index/lexical.py)."""
    from retrieval.index.lexical import _stemmer

    return _stemmer().stemWords([w.lower().strip("'’-") for w in words])


def _plain_words(text: str) -> list[str]:
    """The claim's words that carry meaning: alphabetic, four letters or more, not function words."""
    return [w for w in (w.lower() for w in _WORD.findall(text)) if w.isalpha() and len(w) >= 4 and w not in _STOPWORDS]
