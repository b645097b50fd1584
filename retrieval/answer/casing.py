"""Names typed in lower case, written as the article writes them ("why did iran hold back?" →
"why did Iran hold back?"), so that the follow-up rules, which find names by their capitals, find
them in what a reader types in lower case, as many people do.

A word is a name when the article writes it with a capital where no sentence starts, and never in
lower case; headings in title case ("Concerns Regarding Sectarian Unrest within Pakistan") teach nothing."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable

from retrieval.answer.phrases import FUNCTION

_WORD = re.compile(r"[A-Za-z][\w’'-]*")
# Sentences and the parts of a line a heading may take ("3. Sidestepping Pakistan’s …: Since …").
_PIECE = re.compile(r"[^.!?:;\n]+")
# Read at most this many passages for a library's names: a larger library is read one document at
# a time (a conversation stays with its document); asked of all of it, a question keeps its casing.
MAX_ROWS = 5000
# Capitalized words next to each other, or joined by "of (the)": "Army of Justice", "Red Sea".
_RUN = re.compile(r"[A-Z][\w’'-]*(?:(?: of(?: the)?)? [A-Z][\w’'-]*)*")
_LONGEST = 6  # words in a name looked up
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def name_casing(texts: Iterable[str]) -> dict[str, str]:
    """Lower case → the form the texts write it in: each word they write only as a name on its own
    ("iran" → "Iran"), and each run of two or more words of a name of several ("red sea" → "Red
    Sea", "imran khan" → "Imran Khan"), whose words alone may be common ones ("the foreign ministry")."""
    alone: dict[str, str] = {}
    phrases: dict[str, str] = {}
    lower: set[str] = set()
    for text in texts:
        for piece in _PIECE.findall(text):
            words = _WORD.findall(piece)
            if all(w[0].isupper() or w.lower() in FUNCTION for w in words):
                continue  # a heading in title case capitalizes every word but "of", "within" …
            lower.update(_key(w) for w in words if w[0].islower())
            for m in _RUN.finditer(piece):
                run = m.group().split()
                if m.start() == len(piece) - len(piece.lstrip()):
                    run = run[1:]  # the piece's first word is capitalized by its place
                while run and run[0].lower() in FUNCTION:
                    run = run[1:]
                if len(run) == 1:
                    alone.setdefault(_key(run[0]), _base(run[0]))
                for i in range(len(run)):
                    for j in range(i + 2, len(run) + 1):
                        if run[i].lower() not in FUNCTION and run[j - 1].lower() not in FUNCTION:
                            form = " ".join(run[i:j - 1] + [_base(run[j - 1])])
                            phrases.setdefault(form.lower(), form)
    alone = {k: v for k, v in alone.items() if k not in lower and k not in FUNCTION and len(k) > 1}
    return phrases | alone


def true_case(question: str, casing: dict[str, str]) -> str:
    """`question` with each name typed in lower case written as the article writes it; other words,
    and every word typed with a capital, as typed. The longest name wins ("red sea" before "sea")."""
    if not casing:
        return question
    words = list(_WORD.finditer(question))
    out, last, i = [], 0, 0
    while i < len(words):
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            start, end = words[i].start(), words[i + n - 1].end()
            typed = question[start:end]
            form = casing.get(_key(typed)) if typed.islower() and (n == 1 or " " in typed) else None
            if form and " ".join(typed.split()) == typed and _key(typed) == form.lower():
                out.append(question[last:start] + form + typed[len(form):])
                last, i = end, i + n
                break
        else:
            i += 1
    return "".join(out) + question[last:]


def casing_for(retriever, doc: str | None) -> dict[str, str]:
    """The names of `doc` (of the whole index when None), read once per retriever and document."""
    return read_once(_CACHE, retriever, doc, name_casing)


def read_once(cache: weakref.WeakKeyDictionary, retriever, doc: str | None, build) -> dict[str, str]:
    """`build` of the texts of `doc`'s passages (the whole index's when None), kept in `cache` per
    retriever and document; {} above MAX_ROWS passages."""
    per_doc = cache.setdefault(retriever, {})
    if doc not in per_doc:
        rows = retriever.rows_for(doc)
        per_doc[doc] = build(retriever.chunks[int(r)].text for r in rows) if len(rows) <= MAX_ROWS else {}
    return per_doc[doc]


def _key(word: str) -> str:
    return _base(word).lower()


def _base(word: str) -> str:
    """The word without a possessive: "Iran’s" → "Iran"."""
    return re.sub(r"['’]s?$", "", word)
