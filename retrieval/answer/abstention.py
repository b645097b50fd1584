"""Whether the article answers: the one place that decides an abstention, and the sentence that
says what the article leaves open.

The answerer asks `decide` once per question, with what it knows: how many candidate sentences can
hold the kind of answer asked for (a number for "how many" …), how close the best of them comes to
the question, and — read only when those two pass — the reader's best probability that one of
them answers. Every threshold is a setting, chosen on calibration articles (docs/evaluation.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval.base.settings import Settings

ABSTAIN_TEXT = "The article does not say."
NO_SENTENCE_OF_THE_KIND = "no retrieved sentence holds the kind of answer asked for"
WEAK_SUPPORT = "no retrieved sentence comes close to the question"
READER_FOUND_NONE = "the reader found no sentence that answers it"
NOTHING_SETTLES = "no sentence of the article settles it"


def decide(settings: Settings, fitting: int, support: float, best_probability: Callable[[], float | None],
           about_the_article: Callable[[], bool], settled: Callable[[], float | None] = lambda: None) -> str | None:
    """Why the answer abstains, or None. `fitting`: the candidate sentences that can hold the kind
    of answer asked for; `support`: the best one's dense similarity; `best_probability()`: the
    reader's best probability over them (None without a reader), asked only when needed;
    `about_the_article()`: whether retrieval's best sentence is the title, author or date line,
    which the reader never read in training and so never abstains on; `settled()`: the verifier's
    probability that the reader's surest sentence entails the question answered with its short
    answer (None when there is no such pair), asked only with Settings.verifier_abstain_below."""
    if not fitting:
        return NO_SENTENCE_OF_THE_KIND
    if support < settings.abstain_below:
        return WEAK_SUPPORT
    if settings.reader_abstain_below is not None:
        best = best_probability()
        if best is not None and best < settings.reader_abstain_below and not about_the_article():
            return READER_FOUND_NONE
    if settings.verifier_abstain_below is not None:
        entailed = settled()
        if entailed is not None and entailed < settings.verifier_abstain_below and not about_the_article():
            return NOTHING_SETTLES
    return None


_WH_FIRST = re.compile(r"^(what|which|who|whom|whose|when|where|why|how)\b", re.I)
_INVERTED = re.compile(r"^(?:\S+\s+){0,3}?(do|does|did|can|could|will|would|should|has|have|had|is|are|was|were)\b",
                       re.I)
_BE = re.compile(r"^(what|who|where|when)\s+(is|are|was|were)\s+(.+)$", re.I)
_PLAIN_QUESTION = re.compile(r"^[\w\s'’,-]+[?.!]?$")
_PLACE_WORDS = frozenset("in on at to for with from about behind under over into out up down".split())
_BEFORE_A_NOUN = frozenset("the a an for of in on at to by with from his her its their my our your".split())
# A participle or gerund: "happening", "signed", "born", "known" (a lower-case word, not a name).
_VERB_FORM = re.compile(r"^[a-z]+(ing|ed)$|^(born|known|made|built|given|taken|seen|done|held|led|won|lost|sold|found|"
                        r"paid|set|put|shot|killed|written|spoken|chosen|driven|fought|begun|struck|hit|elected)$")


def not_said(question: str) -> str:
    """"The article does not say how many people died." — what the article leaves open, said
    as an indirect question where the question's word order allows it. Only a plain question
    (words, at most 20) is repeated: an answer never carries markup or instructions it was sent."""
    q = question.strip().rstrip("?!. ")
    if not _PLAIN_QUESTION.match(question.strip()) or len(q.split()) > 20 or "," in q:
        return ABSTAIN_TEXT  # "What's his background, is he an academic?" has no one indirect form
    q = re.sub(r"^(what|who|where|when)['’]s\b", r"\1 is", q, flags=re.I)  # "What's the risk" → "what the risk is"
    be = _BE.match(q)
    if be:  # "What is the population of Iran" → "what the population of Iran is"
        wh, verb, words = be.group(1).lower(), be.group(2).lower(), be.group(3).split()
        if _VERB_FORM.match(words[0]) or words[0].lower() in _PLACE_WORDS or words[0].lower().endswith("ly"):
            # "What is fuelling the friction", "Who is actually in the running": "what"/"who" is its subject
            return f"The article does not say {wh} {verb} {be.group(3)}."
        # "When is that happening", "When was the treaty signed": the verb goes before the participle.
        at = next((i for i in range(1, len(words)) if _VERB_FORM.match(words[i])
                   and words[i - 1].lower() not in _BEFORE_A_NOUN), None)
        if at is not None:
            return f"The article does not say {wh} {' '.join(words[:at])} {verb} {' '.join(words[at:])}."
        return f"The article does not say {wh} {be.group(3)} {verb}."
    if re.match(r"(what|how)\s+about\b", q, re.I):
        return ABSTAIN_TEXT  # "What about the rest?" has no indirect form
    if _WH_FIRST.match(q) and not _INVERTED.match(q.split(" ", 1)[1] if " " in q else ""):
        return f"The article does not say {q[:1].lower()}{q[1:]}."
    return ABSTAIN_TEXT
