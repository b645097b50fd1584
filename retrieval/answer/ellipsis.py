"""Ellipses filled from the previous question: "And Iran's?", "What about Syria?", "And in
Syria?", "What about the fifth?", "And number two?", "And the others?", "And vice versa?"
(followup.py reads the rest of a follow-up)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.answer.phrases import (
    AUX,
    LIST_NOUNS,
    ORDINAL_WORDS,
    POSSESSIVE_END,
    PREPOSITIONS,
    WH,
    WORD,
    names_in,
    plural_phrase,
    the_phrase,
)


@dataclass(frozen=True)
class Listed:
    """A list an answer gave: its name as a reading says it ("Iran’s motives") and its points'
    headings, as the article writes them ("6. Additional Regional Calculations (Israel)"); or,
    with no name, the names its prose listed ("the Therhi massacre", "the Lahore incident")."""
    name: str
    points: tuple[str, ...] = ()

    def point_at(self, place: int | None) -> str | None:
        """The point at `place` (-1 the last), None when there is none there."""
        return self.points[place] if place is not None and -len(self.points) <= place < len(self.points) else None


# The list an earlier question was answered with, if its answer gave one.
ListOf = Callable[[str], Listed | None]

NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
NUMBER_ORDINALS = {n: o for i, o in enumerate(ORDINAL_WORDS) for n in (NUMBER_WORDS[i], str(i + 1))}
_NUMBERED = re.compile(r"(?:the\s+)?(?:number|no\.|#|point|item)\s*({}|[1-9]|10)".format("|".join(NUMBER_WORDS)),
                       re.I)
ORDINALS = r"({}|last|final|next)".format("|".join(ORDINAL_WORDS))
_SOMEONE = re.compile(r"^(?:every|any|some|no)(?:one|body|thing)\b", re.I)
_THE_OTHER_WAY = re.compile(r"^(?:the\s+other\s+way\s+a?round|vice\s+versa|the\s+reverse|conversely)$", re.I)
_REST = re.compile(r"^(the\s+)?(others|rest|other\s+ones|remaining\s+ones|remaining\s+\w+|other\s+\w+)$", re.I)
# A side, view or take: "Tehran's side of it", "from Iran's side", "the Pakistani view".
_SIDE = re.compile(r"(?:from\s+)?(?P<x>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)(?:['’]s?)?\s+"
                   r"(?:side|view|perspective|take|point\s+of\s+view|end)(?:\s+of\s+(?:it|this|that|things))?")
# An owner's plural with more said of it: "Tehran's reasons for backing off", "Iran's fears about Israel".
_OWNED_PLURAL = re.compile(r"[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*['’]s?\s+(?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*[^s\W]s\s+"
                           r"(?:for|about|of|behind|against|in|on|to)\b.*")
# "Islamabad itself": a party set against the one the previous question asked about.
_REFLEXIVE = re.compile(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*\s+(?:itself|themselves|himself|herself)")
# A question whose subject sits between its auxiliary and its closing verb: "What might | the Baloch
# groups on the Pakistani side | do".
_SUBJECT_THEN_VERB = re.compile(r"(?P<asks>(?:what|why|how|when|where)\s+(?:do|does|did|might|could|would|will|can|"
                                r"should|may))\s+(?P<subject>.+?)\s+(?P<verb>[a-z]+(?<!ing)(?<!ed))", re.I)
_ORDINAL = re.compile(rf"\b(the\s+)?{ORDINALS}\b(\s+one)?", re.I)


def fill_ellipsis(readings: list[str], x: str, list_of: ListOf | None = None) -> str | None:
    """The previous question (the last of `readings`) with the fragment `x` in its place: "Iran's"
    for its owner, "Syria" for its first name, "in Syria" for its "in …", "the fifth" for its
    ordinal (or of the list its answer gave, `list_of`), "the others" for the rest of what it
    listed; None when nothing takes its place."""
    b = readings[-1].rstrip("?!. ")
    words = WORD.findall(x)
    if _REST.match(x):
        return _the_rest(b)
    if _THE_OTHER_WAY.match(x):
        return _swapped(b)
    side = _SIDE.fullmatch(x)
    if side and names_in(b):  # "And Tehran's side of it?": Tehran in the subject's place
        return _from_the_side_of(b, side.group("x"))
    numbered = _NUMBERED.fullmatch(x)
    if numbered:  # "And number two?": the second
        x = "the " + NUMBER_ORDINALS[numbered.group(1).lower()]
    if _ORDINAL.fullmatch(x):  # "What about the fifth?": the ordinal of the last question that had one
        ordinal = _ORDINAL.fullmatch(x).group(2).lower()
        for earlier in reversed(readings):
            m = _ORDINAL.search(earlier)
            if m:
                e = earlier.rstrip("?!. ")
                return f"{e[:m.start(2)]}{ordinal}{e[m.end(2):]}?"
        listed = previous_list(readings, list_of)
        group = list_before(readings, listed)
        if group:  # "And number two?" after "Which of Pakistan's motives involves India?"
            return f"What is the {ordinal} of {group}?"
        named = listed.point_at(place_of(ordinal)) if listed else None
        return f"What about {named}?" if named else None  # the names an answer listed in its prose, or as written
    if words and words[0].lower() in PREPOSITIONS:
        p = words[0].lower()
        # "And in Syria?" after "… in Iraq" or "… in the Iraqi city": in its place
        places = (list(re.finditer(rf"\s{p}\s+[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*", b))
                  or list(re.finditer(rf"\s{p}\s+the\s+[\w’'-]+(?:\s+[\w’'-]+){{0,3}}$", b)))
        if places:
            m = places[-1]
            return f"{b[:m.start()]} {x}{b[m.end():]}?"
        if x[len(words[0]):].strip()[:1].isupper() and re.search(rf"\s{p}\s", b):
            return None  # "in Syria" beside an "in …" it cannot take the place of: asked as written
        return f"{b} {x}?"  # "And in percent?": a qualifier of the same question
    names = names_in(b)
    if POSSESSIVE_END.search(x):  # "And Iran's?": in place of the previous question's owner
        owner = next((m for m in names if POSSESSIVE_END.search(m.group())), None)
        if owner:
            return f"{b[:owner.start()]}{x}{b[owner.start() + len(owner.group()):]}?"
    listed = _OWNED_PLURAL.fullmatch(x)
    if listed:  # "And Tehran's reasons for backing off?": a question of its own
        return f"What {'were' if _aux_of(b) in ('did', 'was', 'were', 'had') else 'are'} {x}?"
    reflexive = _REFLEXIVE.fullmatch(x)
    if reflexive:  # "And Islamabad itself?" after "What might the Baloch groups … do?": the subject's place
        subject = _SUBJECT_THEN_VERB.fullmatch(b)
        return f"{subject.group('asks')} {x} {subject.group('verb')}?" if subject else None
    if names and x[:1].isupper():  # "What about Syria?": in place of its first name
        if re.search(r"\b(it|its|they|them|their|this|that|these|those)\b", x, re.I):
            return None  # "And Tehran's side of it?" points back itself: no name to put in a name's place
        name = names[0]
        if b[:name.start()].lower().endswith("the ") and re.match(r"\s+[a-z]", b[name.end():]):
            return None  # "the Baloch groups": a name that qualifies a noun is no place for "Syria"
        possessive = POSSESSIVE_END.search(name.group())
        bare = POSSESSIVE_END.sub("", x)  # "And Iran's?" after "Why did Pakistan hold back?": Iran
        swapped = bare + (possessive.group() if possessive else "")
        return f"{b[:name.start()]}{swapped}{b[name.start() + len(name.group()):]}?"
    phrase = the_phrase(b) if b.split()[:1] and b.split()[0].lower() in WH | AUX else None  # a question, not a fragment
    if phrase and re.search(r"[A-Z][\w’'-]*(?:\s+[a-z][\w-]*){2,}$", b[phrase[0]:phrase[1]]):
        return None  # "the West tense right now": a name, then what is said of it, no phrase to take the place of
    if phrase and not _SOMEONE.match(x):  # "And everyone else?" is no thing to put in a thing's place
        return f"{b[:phrase[0]]}{x}{b[phrase[1]:]}?"
    return None  # nothing to put it in place of: asked as written, never "<previous> — <fragment>"


def place_of(ordinal: str) -> int | None:
    """The index an ordinal word counts to: "second" 1, "last" -1; None for "next"."""
    word = ordinal.lower()
    return -1 if word in ("last", "final") else ORDINAL_WORDS.index(word) if word in ORDINAL_WORDS else None


def _aux_of(b: str) -> str:
    """The auxiliary a question opens with, after its question word: "did" of "Why did …"."""
    m = re.match(r"\s*(?:what|which|who|why|how|when|where)\s+(\w+)", b, re.I)
    return m.group(1).lower() if m else ""


def _from_the_side_of(before: str, x: str) -> str | None:
    """The previous question asked from `x`'s side: its two names traded when `x` is its second
    ("What does Islamabad accuse Tehran of?" → "What does Tehran accuse Islamabad of?"), `x` in
    the place of its only name ("Why did Pakistan hold back?" → "Why did Iran hold back?"); None
    otherwise: a third party's view of it ("And Kabul's view of it?") is no question of that shape."""
    said = [POSSESSIVE_END.sub("", m.group()) for m in names_in(before)]
    if x in said[1:]:
        return _swapped(before)
    if len(said) == 1 and x != said[0]:
        return fill_ellipsis([before], x)
    return None


def _the_rest(b: str) -> str | None:
    plural = plural_phrase(b)
    if plural:  # "the motives" → "the other motives"; "Iran’s motives" → "Iran’s other motives"
        first, _, rest = plural.partition(" ")
        if first.lower() == "the" and rest:
            return f"What are the other {rest}?"
        if POSSESSIVE_END.search(first) and rest:
            return f"What are {first} other {rest}?"
        return f"What are the other {plural}?"
    phrase = the_phrase(b)
    if phrase:  # "What share of the population is that?" → "What about the rest of the population?"
        return f"What about the rest of {b[phrase[0]:phrase[1]]}?"
    return None  # "In actual numbers, apart from that?" is no question: asked as written


def _swapped(before: str) -> str | None:
    """"And vice versa?" after "What does Pakistan accuse Iran of?" → "What does Iran accuse
    Pakistan of?": its two names trade places (a possessive stays where it was); None unless the
    question names exactly two."""
    names = [(m.start(), m.start() + len(POSSESSIVE_END.sub("", m.group())), POSSESSIVE_END.sub("", m.group()))
             for m in names_in(before)]
    if len(names) != 2 or names[0][2] == names[1][2]:
        return None
    (a0, a1, a), (b0, b1, b) = names
    return f"{before[:a0]}{b}{before[a1:b0]}{a}{before[b1:]}?"


def list_before(readings: list[str], listed: Listed | None) -> str | None:
    """What "the second one" or "And number two?" counts in: the name of the list the previous
    question was answered with (`listed`, from previous_list: "Iran’s motives", after "Why did Iran
    back off?"), else the latest plural an earlier question named ("Pakistan's motives"); a list
    with no name (names an answer listed in its prose) counts only after these."""
    return listed.name if listed and listed.name else next(
        (p for p in (plural_phrase(r.rstrip("?!. ")) for r in reversed(readings))
         if p and p.split()[-1].lower() in LIST_NOUNS), None)  # not "Iran's relations"


def previous_list(readings: list[str], list_of: ListOf | None) -> Listed | None:
    """The list the previous question was answered with; None if its answer gave none."""
    return list_of(readings[-1].rstrip("?!. ") + "?") if list_of and readings and readings[-1] else None


def point_named(word: str, listed: Listed) -> int | None:
    """Which point of a list "the election one" or "the one about India" means: the only one whose
    heading has the word ("6. Preparing for the Upcoming Pakistani Parliamentary Elections"); None
    if none or several do."""
    said = word.lower().rstrip("’'s")
    if len(said) < 3:
        return None
    hits = [i for i, point in enumerate(listed.points)
            if any(w == said or (len(said) >= 4 and w.startswith(said)) for w in re.findall(r"[a-z]+", point.lower()))]
    return hits[0] if len(hits) == 1 else None
