"""What a pronoun of a follow-up may stand for, by agreement: "he"/"she" a person or a name of
several words, "it" a thing or the article, "they" a plural or a group; and the earlier answers a
pronoun may point at (the person a who-question's answer named, the thing a what-question's answer
named). followup.py asks these while it reads a follow-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval.answer.ellipsis import ORDINALS
from retrieval.answer.phrases import AUX, PREPOSITIONS

# "that"/"this" point back (a pronoun, not "that decision") when an auxiliary, a preposition, the
# end, or one of these verbs follows them.
_VERBS_AFTER_PRONOUN = {"happen", "happened", "mean", "means", "meant", "lead", "led", "cause", "caused", "take",
                        "took", "start", "started", "end", "ended", "begin", "began", "occur", "occurred", "come",
                        "came", "affect", "affected", "say", "said", "matter", "matters", "change", "changed",
                        "work", "happening", "occurring", "starting", "ending", "beginning", "coming", "going",
                        "changing", "leading", "causing", "taking", "mattering"}
# Nouns for people: "he"/"she" stand for these (or a name), "it" never does.
_PEOPLE = {"author", "writer", "journalist", "analyst", "leader", "president", "minister", "spokesman",
           "spokesperson", "chief", "head", "commander", "man", "woman", "person", "official", "ambassador"}
# "it" about a text: the article ("Who is the author of this piece?" → "When did it come out?").
THE_TEXT = re.compile(r"\b(this|the)\s+(piece|article|text|report|analysis|paper|page)\b", re.I)
_GROUPS = {"army", "group", "party", "government", "organization", "organisation", "movement", "forces", "militia",
           "council", "committee", "ministry", "guard", "guards", "corps", "front", "league", "union", "alliance",
           "team", "police", "military", "cabinet", "parliament", "administration", "company", "agency"}
_EVENT_NOUNS = {"meeting", "meetings", "strike", "strikes", "attack", "attacks", "election", "elections", "war",
                "talks", "visit", "summit", "crisis", "incident", "conflict", "escalation", "exchange", "operation",
                "vote", "process", "ceremony", "launch", "release", "protest", "protests", "clash", "clashes"}
# A question about who wrote the text: "he"/"she" after it is the author, whose words are the
# article's ("What does he say about India?" asks what the article says).
WHO_WROTE = re.compile(r"^who\s+(wrote|is\s+the\s+(author|writer)\s+of|authored)\b", re.I)
SAYING = {"say", "says", "said", "write", "writes", "wrote", "argue", "argues", "argued", "think", "thinks",
          "claim", "claims", "suggest", "suggests", "mean", "means", "conclude", "concludes", "view", "opinion",
          "believe", "believes", "predict", "predicts", "expect", "expects", "recommend", "recommends"}
# An answer that names a thing "that"/"this" can stand for: a short "the …" phrase.
_THE_THING = re.compile(r"the\s+[a-z][\w’'-]*(?:\s+[a-z][\w’'-]*){0,4}")
# Published is what a text is, never a country or a person: "When was it published?".
_PUBLISHED = re.compile(r"\b(publish\w*|put\s+(?:it\s+)?out|posted)\b", re.I)
# What only a text (or a person) does with its matter, said of "it".
# "Which school does it say …?": a text says in the present; "Who did it say it was hitting?" is an actor's past.
_TEXT_DOES = re.compile(r"\b(?:(?:does|did|do)\s+it\s+(?:mention|discuss|bring\s+up|cite|cover|talk\s+about|list)|"
                        r"does\s+it\s+say)\b", re.I)
# What is said of a text, not of what it is about: "Who published it?", "How long a read is it?"
_ABOUT_A_TEXT = re.compile(r"\b(publish\w*|put\s+(?:it\s+)?out|wr[io]te|written|author\w*|filed|posted|released|"
                           r"updated|read|come\s+out|came\s+out|headline|title[sd]?|byline|section|category|"
                           # what a text does with its matter: "Which incidents does it bring up?"
                           r"brings?\s+up|mention\w*|discuss\w*|cites?|says?|talks?\s+about|covers?)\b", re.I)
# "the Pakistani" cut from "the Pakistani and Iranian foreign ministers": an adjective, no thing.
_DEMONYM = re.compile(r"the\s+[A-Z][\w’'-]*(?:i|ian|ese|ish)")
# A person's full name, as "he"/"she"/"his" may stand for it and a short answer may give it: two to
# five capitalized words ("Imran Khan", "Anwar-ul-Haq Kakar"); one word is as often a country ("Iran").
_FULL_NAME = re.compile(r"[A-Z][\w’'.-]+(?:\s+(?:of\s+|de\s+|al-|bin\s+)?[A-Z][\w’'.-]+){1,4}")


# "Who was Prime Minister of Pakistan …?" asks for a person by a role, written as a name; so does
# "Which former prime minister …?".
_ROLES = (r"(?:President|Prime|Minister|King|Queen|Chancellor|Chair(?:man|woman)?|Head|Leader|Chief|Governor|Mayor|"
          r"Secretary|Speaker|General|Commander|Director|CEO|Pope|Emperor)\b")
_A_ROLE = re.compile(rf"who\s+(?:is|was|are|were)\s+(?:[A-Z]\w*\s+)?{_ROLES}", re.I)
_WHICH_ROLE = re.compile(rf"which\s+(?:[a-z]+\s+)?{_ROLES}", re.I)


def person_answered(before: str, answer_of: Callable[[str], str | None]) -> str | None:
    """The name a who-question's short answer gives ("Who heads the interim government?" →
    "Anwar-ul-Haq Kakar"; "Which former prime minister …?" is one), which a follow-up's "he"/"she"
    stands for; None for any other question, for "Who is X?" (the person is X), or an answer that
    is not a name."""
    if not (re.match(r"who\b", before, re.I) or _WHICH_ROLE.match(before)) or (
            re.match(r"[Ww]ho\s+(is|was|are|were)\s+[A-Z]", before) and not _A_ROLE.match(before)):
        return None
    name = answer_of(before.rstrip("?!. ") + "?")
    if name and _FULL_NAME.fullmatch(name.strip()):
        return name.strip()
    return None


def is_group(name: str | None) -> bool:
    """A name "they" can stand for though it is one: "the Army of Justice", "the caretaker government"."""
    return bool(name) and any(w.lower().strip("’'s") in _GROUPS for w in name.split())


def is_event(thing: str | None) -> bool:
    """"the Pakistani cabinet meeting" can happen; "the army" or a person cannot."""
    return bool(thing) and thing.split()[-1].lower() in _EVENT_NOUNS


def the_author(pronoun: str, following: str) -> str:
    """What "he"/"his" stands for after a question about who wrote the text: the article when its
    author says, thinks or argues something ("What does he say about India?", "In his view"),
    else the author ("When was he born?")."""
    if following in SAYING:
        return "the article’s" if pronoun in ("his", "her") else "the article"
    return "the author’s" if pronoun in ("his", "her") else "the author"


def thing_answered(before: str, answer_of: Callable[[str], str | None] | None) -> str | None:
    """The thing a what-question's short answer named ("What is Kakar supposed to oversee?" →
    "the electoral process"), which a following "that"/"this" stands for; None for any other
    question or an answer that is no short "the …" phrase (a date, a number, a clause)."""
    defining = re.match(r"what\s+(is|are|was|were)\s+(the\s+)?[A-Z]", before)  # "What is the Army of Justice?"
    if answer_of is None or not re.match(r"what\b", before, re.I) or defining:
        return None
    said = (answer_of(before.rstrip("?!. ") + "?") or "").strip()
    return said if _THE_THING.fullmatch(said) else None


def agreeing(pronoun: str, thing: str | None, before: str, question: str = "") -> str | None:
    """What a singular pronoun stands for, if the previous question's topic agrees with it: "it"
    is not a person ("the author"; about a text, "it" is the article, and so is what is
    published or read: "Who published it?" after "What's the main argument of this article?"),
    "he"/"she"/"him" not a thing ("the interim government"; of "Sharif's government", Sharif),
    nor an ordinal ("the second"). None: the question is asked as written."""
    if pronoun == "it" and _TEXT_DOES.search(question):
        return "the article"  # "Which clashes does it mention?": what a text does, whatever was asked before
    if pronoun == "it" and _ABOUT_A_TEXT.search(question) and (
            THE_TEXT.search(before) or re.search(r"\b(author|writer)\b", before, re.I)):
        return "the article"  # "Which think tank published it?" after "What's the author's background?"
    if pronoun == "it" and _PUBLISHED.search(question) and (WHO_WROTE.match(before) or thing is None
                                                           or thing[:1].isupper()):
        return "the article"  # "When was it published?" after "Who wrote this?" or a question about Pakistan
    if thing is None or re.fullmatch(rf"(the\s+)?{ORDINALS}", thing, re.I) or _DEMONYM.fullmatch(thing):
        return None
    head = thing.split()[-1].lower().strip("’'s")
    person = head in _PEOPLE
    if pronoun == "it" and person:
        return "the article" if THE_TEXT.search(before) else None
    if pronoun in ("he", "she", "him"):
        owner = re.match(r"(.+?)['’]s?\s", thing)
        if owner and _FULL_NAME.fullmatch(owner.group(1)):  # "Shehbaz Sharif’s government": he is Sharif
            return owner.group(1)
        if not person and not _FULL_NAME.fullmatch(thing):
            return None  # a thing, or one capitalized word: "Iran" is no "he"
    if pronoun in ("this", "that") and (thing[:1].isupper() or re.fullmatch(r"the\s+[A-Z][\w’'-]*", thing)):
        return None  # "What's that about?" is about a thing said, not "Pakistan" nor "the Greek"
    if pronoun in ("it", "this", "that") and _is_plural(thing):
        return None  # "When was it last updated?" is not about "the underlying problems"; "Why does that
        # matter?" is no "Why does the strikes matter?"
    return thing


def _is_plural(thing: str) -> bool:
    """Whether a phrase's head, its last word before a preposition ("the floods in Leeds"), is plural."""
    words = thing.split()
    head = next((words[i - 1] for i, w in enumerate(words) if i > 0 and w.lower() in PREPOSITIONS), words[-1])
    return head[:1].islower() and head.endswith("s") and not head.endswith(("ss", "us", "is", "ics", "news"))


def agreeing_owner(pronoun: str, owner: str | None) -> str | None:
    """The owner "his"/"her" may stand for: a name or a person ("the author"), not "the main
    candidates"; "its", anything but a person."""
    if owner is None:
        return None
    person = owner.split()[-1].lower().strip("’'s") in _PEOPLE
    if pronoun == "its":
        return None if person else owner
    return owner if _FULL_NAME.fullmatch(owner) or person else None


def points_back(following: str) -> bool:
    return following == "" or following in AUX or following in PREPOSITIONS or following in _VERBS_AFTER_PRONOUN
