"""A question and its answer as one declarative sentence: "When did the Therhi massacre take
place?" + "June 3, 1963" → "The Therhi massacre took place on June 3, 1963." People wrote SQuAD's
questions by paraphrasing the paragraph, so these statements say what a sentence of the paragraph
says in other words: the true claims the verifier learns from and is measured on (an LLM's
sentences are such paraphrases).

Rules, no parser: the question's wh-phrase and auxiliary are found by their words, the subject
and the verb after "did/does/can …" by the longest run of the question's words that the paragraph
holds (it names the subject as the question does) before a word that can be a verb; verbs are
inflected with lemminflect. Questions of a form the rules do not know give None.
"""

from __future__ import annotations

import re

_PREPOSITIONS = {"in", "on", "at", "by", "from", "to", "for", "during", "of", "with", "after", "before", "since",
                 "until", "into", "through", "under", "over", "about", "against", "between", "among", "within"}
_DO = {"do": "VBP", "does": "VBZ", "did": "VBD"}
_BE = {"is", "are", "was", "were"}
_OTHER_AUX = {"has", "have", "had", "can", "could", "will", "would", "should", "may", "might", "must", "shall"}
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her", "my", "our", "your",
                "some", "any", "each", "every", "no", "many", "much", "most", "several", "one", "two"}
_WH = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}
_MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b")
_DAY_OF_MONTH = re.compile(r"\b\d{1,2}\b")


def _lemmas(word: str) -> dict:
    from lemminflect import getAllLemmas

    return getAllLemmas(word)


def _is_base_verb(word: str) -> bool:
    return word.islower() and word in _lemmas(word).get("VERB", ())


def _is_participle(word: str) -> bool:
    from lemminflect import getInflection

    if not word.islower():
        return False
    return any(word in getInflection(lemma, "VBN") for lemma in _lemmas(word).get("VERB", ()))


def _inflect(verb: str, tag: str) -> str:
    from lemminflect import getInflection

    forms = getInflection(verb, tag)
    return forms[0] if forms else verb


def _split_subject(words: list[str], context: str, is_verb) -> int | None:
    """Where the verb starts in `words` (the subject before it). Each word that can be the verb is
    scored: the paragraph holds the subject before it as written (+2; it names the subject as the
    question does), it can only be a verb, not a noun (+1), a determiner precedes it (-5: "the
    second edition"); the best wins, the later on a tie ("the massacre take place")."""
    lowered = " ".join(context.split()).lower()
    best, where = None, None
    for k in range(1, len(words)):
        if not is_verb(words[k]) or words[k - 1].lower() == "to":  # "want X to be": not the verb
            continue
        score = 2 * (" ".join(words[:k]).lower() in lowered and words[k - 1].lower() not in _DETERMINERS) \
            + ("NOUN" not in _lemmas(words[k])) - 5 * (words[k - 1].lower() in _DETERMINERS)
        if best is None or score >= best:
            best, where = score, k
    return where


def _adverbial(wh: str, answer: str, preposition: str | None) -> str | None:
    """The answer as the phrase that ends the sentence: "in 1963", "on June 3, 1963", "in Paris"."""
    first = answer.split()[0].lower()
    if preposition:
        return f"{preposition} {answer}"
    if first in _PREPOSITIONS or first in {"because", "due", "so"}:
        return answer
    if wh == "when":
        day = _MONTH.search(answer) and _DAY_OF_MONTH.search(answer)
        return f"{'on' if day else 'in'} {answer}"
    if wh == "where":
        return f"in {answer}"
    if wh == "why":
        return f"because of {answer}"
    return None


def _finish(words: list[str]) -> str:
    text = " ".join(w for w in words if w).strip()
    text = re.sub(r"\s+([,.;:])", r"\1", text).rstrip(" .,;:")
    return text[:1].upper() + text[1:] + "."


def statement(question: str, answer: str, context: str = "") -> str | None:
    """The question answered by `answer` as a sentence, or None for a form the rules do not know.
    `context` (the paragraph) helps find where the subject ends."""
    answer = " ".join(answer.split()).strip().rstrip(".")
    words = re.sub(r"[?!.]+\s*$", "", " ".join(question.split())).split()
    if not answer or len(words) < 2:
        return None
    preposition = None
    if words[0].lower() in _PREPOSITIONS and len(words) > 2 and words[1].lower() in _WH:
        preposition, words = words[0].lower(), words[1:]
    wh = words[0].lower()
    if wh not in _WH:
        return None
    rest = words[1:]
    head: list[str] = []  # the wh-phrase's own noun words: "how many [people]", "which [team]"
    if wh == "how" and rest and rest[0].lower() in {"many", "much"}:
        rest = rest[1:]
        while rest and len(head) < 4 and rest[0].lower() not in _DO.keys() | _BE | _OTHER_AUX \
                and not _only_verb(rest[0]):
            head.append(rest.pop(0))
        wh = "how many"
        if not re.search(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand|"
                         r"million|billion|dozen|few|several|many|half)\b", answer, re.I):
            return None  # not a number: it would not read as one
    elif wh in {"what", "which", "whose"}:
        while rest and len(head) < 4 and rest[0].lower() not in _DO.keys() | _BE | _OTHER_AUX and not (
                head and (_only_verb(rest[0]) or rest[0].endswith("ed"))):
            head.append(rest.pop(0))
    elif wh == "how":
        return None  # manner, degree: no place for the answer that reads well
    if not rest:
        return None
    filler = answer if wh != "how many" else _with_noun(answer, head)
    aux = rest[0].lower()
    if aux in _OTHER_AUX and wh in {"what", "which", "who", "how many"} and len(rest) > 1 \
            and (_is_base_verb(rest[1]) or _is_participle(rest[1]) or rest[1] == "been"):
        return _finish([filler, *rest])  # the wh-phrase is the subject: "What event would necessitate …"
    if aux in _DO or aux in _OTHER_AUX:
        body = rest[1:]
        is_verb = _is_base_verb if aux in _DO or aux in {"can", "could", "will", "would", "should", "may", "might",
                                                          "must", "shall"} else _is_participle
        k = _split_subject(body, context, is_verb)
        if k is None:
            return None
        subject, verb, tail = body[:k], body[k], body[k + 1:]
        if wh == "what" and verb == "do" and not tail:  # "What did X do?" + "focused on …"
            return _finish([*subject, answer])
        verb = _inflect(verb, _DO[aux]) if aux in _DO else f"{aux} {verb}"
        if wh in {"what", "which", "who", "whom", "how many"} and preposition is None:
            if not tail or (tail[0].lower() in _PREPOSITIONS and tail[-1].lower() not in _PREPOSITIONS):
                return _finish([*subject, verb, filler, *tail])
            return _finish([*subject, verb, *tail, filler])  # "… participate in" + the answer
        phrase = _adverbial(wh, answer, preposition)
        return None if phrase is None else _finish([*subject, verb, *tail, phrase])
    if aux in _BE:
        body = rest[1:]
        if not body:
            return None
        if wh in {"what", "which", "who", "how many"} and preposition is None and _predicate_word(body[0]):
            return _finish([filler, rest[0], *body])  # the wh-phrase is the subject: "What is consumed in …"
        # "When was X founded", "What is X known for": the participle ends the subject.
        k = next((i for i in range(1, len(body)) if _is_participle(body[i])
                  and (i == len(body) - 1 or body[i + 1].lower() in _PREPOSITIONS | {"as", "up"})), None)
        if k is None and body[-1].lower() in _PREPOSITIONS:
            return None  # "What party is X part of": no place for the answer
        subject, tail = (body[:k], body[k:]) if k is not None else (body, [])
        while subject and len(subject) > 1 and subject[-1].endswith("ly") and subject[-1].islower():
            tail.insert(0, subject.pop())  # "X originally blamed on" → "X was originally blamed on"
        if wh in {"what", "which", "who", "whom"} and preposition is None:
            return _finish([*subject, rest[0], *tail, filler])
        phrase = _adverbial(wh, answer, preposition)
        return None if phrase is None else _finish([*subject, rest[0], *tail, phrase])
    if wh in {"what", "which", "who", "whose", "how many"} and preposition is None:
        return _finish([filler, *rest])  # the wh-phrase is the subject: "Who wrote …"
    return None


def _only_verb(word: str) -> bool:
    """A word that can be a verb and nothing else ("died", "live" can be an adjective too: not)."""
    lemmas = _lemmas(word)
    return word.islower() and "VERB" in lemmas and not lemmas.keys() & {"NOUN", "PROPN", "ADJ"}


def _predicate_word(word: str) -> bool:
    """A word after "is/was" that starts a predicate, not a subject: a participle, an adjective,
    a preposition ("What is consumed in …", "Who was responsible for …", "What is as …")."""
    if not word.islower() or word in _DETERMINERS:
        return False
    return _is_participle(word) or word in _PREPOSITIONS | {"as", "more", "less", "most", "also", "not", "often"} \
        or "NOUN" not in _lemmas(word) and bool(_lemmas(word))


def _with_noun(answer: str, noun: list[str]) -> str:
    """"How many people": the number with its noun ("75 million people"), unless it has it."""
    if not noun or noun[-1].lower() in answer.lower():
        return answer
    return f"{answer} {' '.join(noun)}"
