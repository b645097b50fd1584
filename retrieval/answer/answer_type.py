"""What kind of answer a question wants, and whether a sentence can hold one.

"How many people were killed?" wants a number and "When …?" a date: a sentence with no number
or date in it cannot answer them, however close its topic. This keeps the answerer from citing
a sentence that is only about the question (and from answering what the article doesn't say).
"""

from __future__ import annotations

import re

NUMBER, DATE, NAME = "number", "date", "name"

_QUESTION_TYPES = [
    (DATE, re.compile(r"^\s*(when|what (year|date|day|month|century|decade|time)|which (year|date|day|month|century|decade)|in what (year|month)|on what (date|day)|at what time|how long ago)\b", re.I)),
    (NUMBER, re.compile(r"\b(how (many|much|long|far|old|large|big|tall|high|often)|what (percentage|percent|proportion|share|fraction|number|amount)|what is the (population|number|size|length|cost|price))\b", re.I)),
    (NAME, re.compile(r"^\s*(who|whom|whose)\b", re.I)),
    (NAME, re.compile(
        r"^\s*(which|what)\s+(\w+\s+){0,2}(country|countries|city|cities|nation|nations|state|province|"
        r"region|group|groups|organi[sz]ations?|party|parties|movement|person|people|leader|company|"
        r"companies|river|capital|university|newspaper)\b", re.I)),
]

_DIGIT = re.compile(r"\d")
_NUMBER_WORD = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|half|quarter|single|double|several|first|second|third)\b", re.I,
)
_DATE_WORD = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|century|centuries|decade|decades|year|years|today|yesterday|ago|morning|evening|night|noon|"
    r"spring|summer|autumn|fall|winter|medieval|ancient|era|age|period|dynasty|reign|war|after|before|during|since|until)\b",
    re.I,
)
_CAPITALIZED = re.compile(r"\b[A-Z][\w'’.-]*[a-z][\w'’.-]*")


def expected_type(question: str) -> str | None:
    for kind, pattern in _QUESTION_TYPES:
        if pattern.search(question):
            return kind
    return None


# "How many people died?" is not answered by a year, a date ("in mid-January 2024") or a time of day.
_COUNT = re.compile(r"\bhow\s+(many|much)\b", re.I)
_MONTHS = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_DATES = re.compile(rf"\b\d{{4}}/\d{{1,2}}/\d{{1,2}}\b|\b\d{{1,2}}:\d\d\b"
                    rf"|\b(\d{{1,2}}\s+{_MONTHS}|{_MONTHS}\s+\d{{1,2}}(st|nd|rd|th)?,?|(1[5-9]|20)\d\d(s)?)\b", re.I)


# "What share of … ?" wants a share: a percentage or a fraction, not a count.
_SHARE = re.compile(r"\bwhat (percentage|percent|proportion|share|fraction)\b", re.I)
_A_SHARE = re.compile(r"%|\b(percent|per cent|half|halves|quarters?|thirds?|fifths?|tenths?|one in \w+|majority|minority)\b",
                      re.I)


# "6. Preparing for the Upcoming Pakistani Parliamentary Elections: …": the number of an outline's
# point orders it and counts nothing, so the type check (and the short answer's span) leaves it
# out. The reader still reads it: blanked for the reader too, its probabilities moved enough to
# lose an article-set question (docs/evaluation.md).
_POINT_NUMBER = re.compile(r"^\s*\d{1,2}\.(?=\s)")


def without_point_number(sentence: str) -> str:
    """`sentence` with the number of the point it opens blanked out, its length kept (offsets hold)."""
    number = _POINT_NUMBER.match(sentence)
    return sentence if number is None else " " * number.end() + sentence[number.end():]


def can_answer(sentence: str, kind: str | None, question: str) -> bool:
    if kind is None:
        return True
    sentence = without_point_number(sentence)
    if kind == NUMBER:
        if _SHARE.search(question):
            return bool(_A_SHARE.search(sentence))
        if _COUNT.search(question):
            sentence = _DATES.sub(" ", sentence)
        return bool(_DIGIT.search(sentence) or _NUMBER_WORD.search(sentence))
    if kind == DATE:
        return bool(_DIGIT.search(sentence) or _DATE_WORD.search(sentence))
    # A name: some capitalized word the question does not already contain.
    asked = {w.lower().strip("'’s") for w in re.findall(r"[\w'’]+", question)}
    words = _CAPITALIZED.findall(sentence)
    return any(w.lower().strip("'’s") not in asked for w in words)
