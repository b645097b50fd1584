"""Words typed wrong, read as the article writes them ("betwen" → "between", "balcoh" → "Baloch"),
and chat shorthand spelt out ("ppl" → "people", "whats" → "what's"), so that search and the
reader, which match words, find what a hurried reader means.

A word is corrected only when no English dictionary (pyspellchecker's) and no word of the article
knows it, and exactly one word of the article is one edit away (a letter added, dropped, changed
or two swapped): the question is about the article, so its words are the likely ones, and a word
that is merely rare ("loggerheads") or foreign is left as typed. A known name with an "s" stuck
on ("pakistans") is its possessive. A word typed without its vowels ("grps") is the one word of the
article whose consonants it spells ("groups"); a short word no dictionary knows that begins one
name of the article ("pak") is that name ("Pakistan")."""

from __future__ import annotations

import re
import weakref
from functools import cache

from retrieval.answer.casing import read_once

_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")  # "ministers' names": the apostrophe is no letter
_SHORTEST = 5  # shorter words have too many neighbours one edit away
_VOWELS = set("aeiouy")
_SENTENCE_OPENS = {"", ".", "!", "?", ":", "“", '"', "—"}  # what comes before a capital a sentence gives
# Contractions typed without their apostrophe, and chat shorthand.
_BETWEEN_TWO = re.compile(r"\s+[\w’'-]+\s+(?:and|n|&)\s+\w", re.I)
_SHORTHAND = {
    "whats": "what's", "thats": "that's", "whos": "who's", "wheres": "where's", "hows": "how's",
    "whys": "why's", "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't",
    "wasnt": "wasn't", "arent": "aren't", "werent": "weren't", "cant": "can't", "couldnt": "couldn't",
    "wouldnt": "wouldn't", "shouldnt": "shouldn't", "hasnt": "hasn't", "havent": "haven't", "hadnt": "hadn't",
    "ppl": "people", "govt": "government", "govts": "governments", "btw": "by the way", "pls": "please",
    "plz": "please", "abt": "about", "bc": "because", "cuz": "because", "thru": "through", "yrs": "years",
    "rn": "right now", "nd": "and", "n": "and", "r": "are", "u": "you",  # one letter: only typed in lower case
    "wat": "what", "wut": "what", "wht": "what", "wen": "when", "whn": "when", "whr": "where", "hw": "how",
    "y": "why", "coz": "because", "cos": "because", "bcoz": "because", "ur": "your", "tho": "though",
    "pm": "prime minister", "gonna": "going to", "wanna": "want to", "approx": "approximately",
}
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@cache
def _english():
    from spellchecker import SpellChecker  # imported on first use: --help loads no dictionary

    return SpellChecker(distance=1)


def article_words(texts) -> dict[str, str]:
    """Lower case → the form the texts write it in, for each word of the texts: capitalized if they
    write it so inside a sentence and never in lower case ("Baloch"), else in lower case ("According"
    opening a sentence is "according")."""
    lower: set[str] = set()  # every word, in lower case
    named: dict[str, str] = {}  # capitalized inside a sentence: its form
    written: set[str] = set()  # written in lower case somewhere
    for text in texts:
        for m in _WORD.finditer(text):
            w = m.group()
            if w[:1].islower():
                written.add(w)
            elif text[:m.start()].rstrip()[-1:] not in _SENTENCE_OPENS:
                named.setdefault(w.lower(), w)
            lower.add(w.lower())
    return {w: w for w in lower} | {low: w for low, w in named.items() if low not in written}


def spelled(question: str, words: dict[str, str]) -> str:
    """`question` with each word typed wrong written as the article writes it, and its shorthand
    spelt out; every other word as typed."""
    if not words:
        return question
    out, last = [], 0
    for m in _WORD.finditer(question):
        typed = m.group()
        low = typed.lower()
        form = _SHORTHAND.get(low) if len(typed) > 1 or _a_letter_alone(question, m) else None
        if low == "btw" and _BETWEEN_TWO.match(question, m.end()):
            form = "between"  # "disputes btw iran n pak": between two things, not "by the way"
        if question[m.end():m.end() + 1] in ("'", "’") or question[m.start() - 1:m.start()].isdigit():
            continue  # "couldn't": a contraction's first part; "2nd": an ordinal's ending
        # The dictionary is loaded only for a word the article does not know (most questions have none).
        if form is None and low not in words and len(low) >= _SHORTEST and low not in _english():
            form = _one_edit_away(low, words, _english())
        if form is None and typed.islower() and len(low) >= 3 and not _VOWELS & set(low) and low not in words \
                and low not in _english():  # "grps"; not an acronym ("NSC")
            form = _vowels_left_out(low, words)
        if form is None and typed.islower() and 3 <= len(low) < _SHORTEST and low not in words \
                and low not in _english():  # "pak": the one name of the article it begins
            form = _name_begun(low, words)
        if form is None:
            continue
        if typed[:1].isupper() and not (typed.isupper() and len(typed) > 1):  # "PM": "prime minister"
            form = form[:1].upper() + form[1:]
        out.append(question[last:m.start()] + form)
        last = m.end()
    return "".join(out) + question[last:]


def _one_edit_away(low: str, words: dict[str, str], english) -> str | None:
    base = words.get(low[:-1]) if low.endswith("s") else None
    if base and base[:1].isupper():
        return base + "'s"  # "pakistans reasons": Pakistan's
    near = {w for w in english.edit_distance_1(low) if w in words and len(w) >= _SHORTEST
            and w.replace("z", "s") != low.replace("z", "s")}  # "organisation" is spelt, not misspelt
    if len(near) != 1:
        return None
    return words[near.pop()]


def _a_letter_alone(question: str, m: re.Match) -> bool:
    """A letter typed in lower case as a word of its own ("n who are …"), not of "u.s." nor "section N"."""
    around = question[m.start() - 1:m.start()] + question[m.end():m.end() + 1]
    return m.group().islower() and all(c.isspace() or c in ",?!" for c in around)


def _vowels_left_out(low: str, words: dict[str, str]) -> str | None:
    """The one article word that `low`, a word with no vowel, spells without its vowels ("grps" →
    "groups"); None when no word or several do."""
    near = {w for w in words if len(w) > len(low) and w[0] == low[0]
            and "".join(c for c in w if c not in _VOWELS) == low}
    return words[near.pop()] if len(near) == 1 else None


def _name_begun(low: str, words: dict[str, str]) -> str | None:
    """The article's name that `low` begins, when one does and every other it begins extends it
    ("pak" → "Pakistan", of "Pakistan", "Pakistani", "Pakistanis"); None otherwise."""
    names = sorted((w for w in words.values() if w[:1].isupper() and w.lower().startswith(low)), key=len)
    return names[0] if names and all(n.startswith(names[0]) for n in names) else None


def words_for(retriever, doc: str | None) -> dict[str, str]:
    """The words of `doc` (of the whole index when None), read once per retriever and document."""
    return read_once(_CACHE, retriever, doc, article_words)
