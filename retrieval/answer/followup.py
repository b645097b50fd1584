"""Follow-up questions read as standalone questions, without an LLM.

A question that leans on earlier ones is rewritten from the previous question as it was read:
- a fragment fills the ellipsis: "And Iran's?" after "What were Pakistan's motives?" reads as
  "What were Iran's motives?"; "What about Syria?" swaps Syria for the previous question's first
  name; "And in percent?" is added to it; "What about the fifth?" swaps the ordinal; "And the
  others?" asks for the rest of what it listed; a bare "Why?" asks the previous question's why;
- a pronoun ("it", "its", "they", "their", "that", "the two" …) is replaced by what an earlier
  question was about: its first name ("Who leads it?" after "What is the Army of Justice?"), or
  its noun phrase opening with "the"; "they"/"their" prefer two names joined by "and" or a plural;
  "Which one …"/"Which of them …" becomes "Which of <the previous plural> …".
A question that stands on its own (no pronoun pointing back, not a fragment) is left alone.

Two pronouns may stand for an earlier *answer*, read through `answer_of` (the short answer to an
earlier question): "he"/"she" after a who-question (the person it named), "that"/"this" after a
what-question whose answer is a short "the …" phrase ("the electoral process"). After a question
about who wrote the text, "he"/"she" is the author, and what the author says is the article's.
The reading is shown to the user ("Read as: …"), who can correct it, so the rules favour a
plain, predictable reading, and leave a pronoun alone when nothing earlier agrees with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_WORD = re.compile(r"[\w’'-]+")
_WH = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}
_AUX = {"is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "can", "could", "will", "would",
        "should", "may", "might", "must", "be", "been", "what's", "who's", "what’s", "who’s"}
# Negated auxiliaries end a phrase as the others do: "Which of the big names can't stand?"
_AUX |= {n + a + "t" for n in ("can", "don", "doesn", "didn", "isn", "aren", "wasn", "weren", "won", "wouldn",
                              "shouldn", "couldn", "hasn", "haven", "hadn") for a in ("'", "’")} | {"cannot"}
_PREPOSITIONS = {"of", "in", "on", "at", "to", "for", "from", "by", "with", "about", "into", "over", "after",
                 "before", "during", "between", "against", "under", "than", "as", "per", "since", "until",
                 "within", "without", "toward", "towards", "regarding", "behind", "across", "among"}
_FUNCTION = _WH | _AUX | _PREPOSITIONS | {
    "the", "a", "an", "and", "or", "but", "not", "no", "so", "also", "too", "just", "only", "very", "it", "its",
    "they", "them", "their", "he", "she", "his", "her", "him", "this", "that", "these", "those", "there",
    "then", "any", "some", "much", "many", "more", "most", "other", "others", "one", "ones", "all", "both",
    "each", "i", "you", "we", "me", "us", "my", "your", "our", "if", "whether", "else", "exactly", "really"}
# Capitalized only because they open the question: never a name.
_OPENERS = _FUNCTION | {"besides", "roughly", "apart", "overall", "please", "tell", "now", "ok", "okay", "well",
                        "anyway", "according", "since", "in", "on", "at", "for", "from", "after", "before"}
# "that"/"this" point back (a pronoun, not "that decision") when an auxiliary, a preposition, the
# end, or one of these verbs follows them.
_VERBS_AFTER_PRONOUN = {"happen", "happened", "mean", "means", "meant", "lead", "led", "cause", "caused", "take",
                        "took", "start", "started", "end", "ended", "begin", "began", "occur", "occurred", "come",
                        "came", "affect", "affected", "say", "said", "matter", "matters", "change", "changed",
                        "work", "happening", "occurring", "starting", "ending", "beginning", "coming", "going",
                        "changing", "leading", "causing", "taking", "mattering"}
# After "was the …"/"is the …", a passive question's participle ends the words: "When was the
# lighthouse built?" is about the lighthouse.
_IRREGULAR_PARTICIPLES = {"built", "made", "held", "led", "sent", "found", "known", "written", "taken", "given",
                          "done", "paid", "set", "put", "caught", "brought", "bought", "taught", "fought", "sold",
                          "told", "left", "kept", "won", "lost", "hit", "shot", "struck", "begun", "seen", "chosen",
                          "spoken", "stolen", "broken", "born", "drawn", "grown", "thrown", "shown", "driven", "hidden",
                          "met", "read", "run", "said", "spent", "meant", "felt", "heard", "laid", "lent", "bound"}
_PARTICLES = {"out", "up", "down", "off", "back", "away", "over", "around", "through", "along"}
# Nouns for people: "he"/"she" stand for these (or a name), "it" never does.
_PEOPLE = {"author", "writer", "journalist", "analyst", "leader", "president", "minister", "spokesman",
           "spokesperson", "chief", "head", "commander", "man", "woman", "person", "official", "ambassador"}
# "it" about a text: the article ("Who is the author of this piece?" → "When did it come out?").
_THE_TEXT = re.compile(r"\b(this|the)\s+(piece|article|text|report|analysis|paper|page)\b", re.I)
# Verbs whose subject is an event: "When did that happen?" never stands for a thing the question named.
_EVENTS = {"happen", "happened", "happening", "happens", "occur", "occurred", "occurring", "take", "took", "taking",
           "start", "started", "starting", "end", "ended", "ending", "begin", "began", "beginning"}
_GROUPS = {"army", "group", "party", "government", "organization", "organisation", "movement", "forces", "militia",
           "council", "committee", "ministry", "guard", "guards", "corps", "front", "league", "union", "alliance",
           "team", "police", "military", "cabinet", "parliament", "administration", "company", "agency"}
_EVENT_NOUNS = {"meeting", "meetings", "strike", "strikes", "attack", "attacks", "election", "elections", "war",
                "talks", "visit", "summit", "crisis", "incident", "conflict", "escalation", "exchange", "operation",
                "vote", "process", "ceremony", "launch", "release", "protest", "protests", "clash", "clashes"}
# The document's subject, when its title is a name ("Frank Zappa", "The Beatles"), not a headline.
_SUBJECT = re.compile(r"[A-Z][\w’'.-]*(?:\s+(?:of\s+|the\s+|and\s+|&\s+)?[A-Z0-9][\w’'.-]*){0,5}")
# A question about who wrote the text: "he"/"she" after it is the author, whose words are the
# article's ("What does he say about India?" asks what the article says).
_WHO_WROTE = re.compile(r"^who\s+(wrote|is\s+the\s+(author|writer)\s+of|authored)\b", re.I)
_SAYING = {"say", "says", "said", "write", "writes", "wrote", "argue", "argues", "argued", "think", "thinks",
           "claim", "claims", "suggest", "suggests", "mean", "means", "conclude", "concludes", "view", "opinion",
           "believe", "believes", "predict", "predicts", "expect", "expects", "recommend", "recommends"}
# An answer that names a thing "that"/"this" can stand for: a short "the …" phrase.
_THE_THING = re.compile(r"the\s+[a-z][\w’'-]*(?:\s+[a-z][\w’'-]*){0,4}")
# What is said of a text, not of what it is about: "Who published it?", "How long a read is it?"
_ABOUT_A_TEXT = re.compile(r"\b(publish\w*|wr[io]te|written|author\w*|filed|posted|released|updated|read|"
                           r"come\s+out|came\s+out|headline|title[sd]?|byline|section|category)\b", re.I)
_NUMBER_ORDINALS = {w: o for ws, o in zip(
    [("one", "1"), ("two", "2"), ("three", "3"), ("four", "4"), ("five", "5"), ("six", "6"), ("seven", "7"),
     ("eight", "8"), ("nine", "9"), ("ten", "10")],
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]) for w in ws}
_NUMBERED = re.compile(r"(?:the\s+)?(?:number|no\.|#|point|item)\s*(one|two|three|four|five|six|seven|eight|nine|ten|"
                       r"[1-9]|10)", re.I)
_ORDINALS = r"(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final|next)"
_LEAD = re.compile(r"^(?:and|but|so|also|ok|okay|then|well)\s*,?\s+", re.I)
_FRAGMENT = re.compile(r"^(?:(?:what|how)\s+about|what\s+of|and)\s+(?P<x>.+)$", re.I)
_NAMED_THEN_QUESTION = re.compile(r"^(?:and|but|so|(?:what|how)\s+about|as\s+for)\s+(?P<x>[^,]+),\s*(?P<q>.+)$", re.I)
_REST = re.compile(r"^(the\s+)?(others|rest|other\s+ones|remaining\s+ones|remaining\s+\w+|other\s+\w+)$", re.I)
_ORDINAL = re.compile(rf"\b(the\s+)?{_ORDINALS}\b(\s+one)?", re.I)
_WHICH_ONE = re.compile(r"\b(which|what)\s+(one|ones|of\s+them|of\s+those|of\s+these)\b", re.I)
_THE_TWO = re.compile(r"\b(the\s+two|both)\b(?!\s+(?!of\b|are\b|were\b|at\b|in\b)[a-z]+s\b)", re.I)
_INDEFINITES = {"who": "(?:anyone|anybody|someone|somebody)", "what": "(?:anything|something)",
                "where": "(?:anywhere|somewhere)"}
_BARE_WH = re.compile(r"^(why|how|when|where|who|what)(\s+not)?$", re.I)
# A name: capitalized words, joined by "of (the)" ("Army of Justice") or by "and" inside a name.
_NAME = re.compile(r"(?<![\w’'])(?:[A-Z][\w’'.-]*)"
                   r"(?:\s+(?:of\s+(?:the\s+)?|and\s+(?=[A-Z][a-z]+\s+[A-Z]))?[A-Z][\w’'.-]*)*")
_AFTER_AUX = re.compile(r"\b(?:{})\s+(?:the\s+)?$".format("|".join(sorted(_AUX))), re.I)
_POSSESSIVE_END = re.compile(r"['’]s?$")
# A person's name as a short answer gives it: two to five capitalized words ("Anwar-ul-Haq Kakar").
_PERSON_NAME = re.compile(r"[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+){1,4}")


def standalone(question: str, previous: Sequence[str], answer_of: Callable[[str], str | None] | None = None,
               subject: str | None = None) -> str:
    """The question as it reads on its own, given the earlier questions of the conversation
    (oldest first, as they were asked). Unchanged when it already stands alone. `answer_of`
    gives the short answer to an earlier question (read as it stands alone), asked only when
    "he"/"she" may stand for the person a who-question's answer named."""
    subject = subject if subject and _SUBJECT.fullmatch(subject.strip()) else None
    readings: list[str] = []
    for earlier in previous:
        readings.append(_read(earlier, readings, answer_of, subject))
    return _read(question, readings, answer_of, subject)


def _read(question: str, readings: list[str], answer_of: Callable[[str], str | None] | None = None,
          subject: str | None = None) -> str:
    q = " ".join(question.split())
    if not q or not readings:
        return _resolve_pronouns(q, [""], None, subject) if q and subject else q
    before = readings[-1].rstrip("?!. ")
    body = q.rstrip("?!. ")
    bare = _BARE_WH.match(_LEAD.sub("", body))
    if bare:
        return _swap_wh(before, bare.group(1), bool(bare.group(2)))
    named = _NAMED_THEN_QUESTION.match(body)
    if named and _is_clause(named.group("q")):  # "And Iran, why did it hold back?"
        return _named_pronoun(named.group("x").strip(), named.group("q"), before) + "?"
    fragment = _FRAGMENT.match(_LEAD.sub("", body)) or _FRAGMENT.match(body)
    if fragment and not _is_clause(fragment.group("x")):
        return _fill_ellipsis(readings, fragment.group("x").strip(" ,"))
    words = _WORD.findall(body)
    if len(words) <= 3 and all(w[:1].isupper() for w in words) and words[0].lower() not in _OPENERS:
        return _fill_ellipsis(readings, body)  # "Iran's?" or "Syria?" alone
    if _LEAD.match(q) and _is_clause(_LEAD.sub("", q)):
        q = _LEAD.sub("", q)  # "And who did they want to keep out?"
        q = q[:1].upper() + q[1:]
    return _resolve_pronouns(q, readings, answer_of, subject)


def _named_pronoun(x: str, q: str, before: str) -> str:
    """The question with its first pronoun standing for x, completed by what the previous question
    said after the same last words: ("Iran", "why did it hold back"), after "Why did Pakistan hold
    back from escalating" → "Why did Iran hold back from escalating"."""
    q = q.rstrip("?!. ")
    m = re.search(r"\b(it|he|she|they|him|them|its|his|her|their)\b", q, re.I)
    if m:
        stands = _possessive(x) if m.group(1).lower() in ("its", "his", "her", "their") else x
        q = q[:m.start()] + stands + q[m.end():]
    last = " ".join(q.split()[-2:])
    at = before.lower().rfind(" " + last.lower())
    if len(last.split()) == 2 and at >= 0:
        q += before[at + 1 + len(last):]
    return q[:1].upper() + q[1:]


def _is_clause(text: str) -> bool:
    """A fragment with its own question word or auxiliary is a question of its own."""
    words = [w.lower() for w in _WORD.findall(text)]
    return bool(words) and (words[0] in _WH or words[0] in _AUX)


def _fill_ellipsis(readings: list[str], x: str) -> str:
    b = readings[-1].rstrip("?!. ")
    words = _WORD.findall(x)
    if _REST.match(x):
        return _the_rest(b)
    numbered = _NUMBERED.fullmatch(x)
    if numbered:  # "And number two?": the second
        x = "the " + _NUMBER_ORDINALS[numbered.group(1).lower()]
    if _ORDINAL.fullmatch(x):  # "What about the fifth?": the ordinal of the last question that had one
        ordinal = _ORDINAL.fullmatch(x).group(2).lower()
        for earlier in reversed(readings):
            m = _ORDINAL.search(earlier)
            if m:
                e = earlier.rstrip("?!. ")
                return f"{e[:m.start(2)]}{ordinal}{e[m.end(2):]}?"
        group = next((p for p in (_plural_phrase(r.rstrip("?!. ")) for r in reversed(readings)) if p), None)
        if group:  # "And number two?" after "Which of Pakistan's motives involves India?"
            return f"What is the {ordinal} of {group}?"
    if words and words[0].lower() in _PREPOSITIONS:
        if re.search(rf"\s{words[0].lower()}\s+[A-Z]", b):  # "And in Syria?" after "… in Iraq": in its place
            m = list(re.finditer(rf"\s{words[0].lower()}\s+[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*", b))[-1]
            return f"{b[:m.start()]} {x}{b[m.end():]}?"
        return f"{b} {x}?"  # "And in percent?": a qualifier of the same question
    names = _names(b)
    if _POSSESSIVE_END.search(x):  # "And Iran's?": in place of the previous question's owner
        owner = next((m for m in names if _POSSESSIVE_END.search(m.group())), None)
        if owner:
            return f"{b[:owner.start()]}{x}{b[owner.start() + len(owner.group()):]}?"
    if names and x[:1].isupper():  # "What about Syria?": in place of its first name
        name = names[0]
        possessive = _POSSESSIVE_END.search(name.group())
        swapped = x + (possessive.group() if possessive and not _POSSESSIVE_END.search(x) else "")
        return f"{b[:name.start()]}{swapped}{b[name.start() + len(name.group()):]}?"
    phrase = _the_phrase(b)
    if phrase:
        return f"{b[:phrase[0]]}{x}{b[phrase[1]:]}?"
    return f"{b} — {x}?"


def _the_rest(b: str) -> str:
    plural = _plural_phrase(b)
    if plural:  # "the motives" → "the other motives"; "Iran’s motives" → "Iran’s other motives"
        first, _, rest = plural.partition(" ")
        if first.lower() == "the" and rest:
            return f"What are the other {rest}?"
        if _POSSESSIVE_END.search(first) and rest:
            return f"What are {first} other {rest}?"
        return f"What are the other {plural}?"
    return f"{b}, apart from that?"


def _swap_wh(before: str, wh: str, negated: bool) -> str:
    """"Why?" after "Did Iran retaliate?" → "Why did Iran retaliate?"; after "Since when has Iran
    avoided …?" → "Why has Iran avoided …?": the question word goes before the auxiliary."""
    words = before.split()
    for i, w in enumerate(words[:4]):
        if w.lower() in _AUX and all(v.lower() in _WH | _PREPOSITIONS for v in words[:i]):
            rest = " ".join(words[i + 1:])
            indefinite = _INDEFINITES.get(wh.lower())
            if indefinite:  # "Who?" after "Could Israel team up with anyone …": who it could team up with
                if not re.search(rf"\b{indefinite}\b", rest, re.I) and wh.lower() != "where":
                    return f"{wh.capitalize()}?"  # "Who?" after "Did Iran retaliate?": nothing it asks about
                rest = " ".join(re.sub(rf"\b{indefinite}\b\s*", "", rest, count=1, flags=re.I).split())
            return f"{wh.capitalize()} {w.lower()}{'n’t' if negated else ''} {rest}?"
    return f"{wh.capitalize()}: {before}?"


def _resolve_pronouns(q: str, readings: list[str], answer_of: Callable[[str], str | None] | None = None,
                      subject: str | None = None) -> str:
    which = _WHICH_ONE.search(q)
    if which:
        latest = _plural_phrase(readings[-1].rstrip("?!. "))
        group = latest if which.group(2).lower().startswith("one") and latest else _pair_across(readings) or next(
            (p for p in (_plural_subject(r.rstrip("?!. ")) for r in reversed(readings)) if p), None)
        if group:
            q = f"{q[:which.start()]}{which.group(1)} of {group}{q[which.end():]}"
            return q[:1].upper() + q[1:]
    two = _THE_TWO.search(q)
    if two:
        pair = next((p for p in map(_pair, reversed(readings)) if p), None) or _pair_across(readings)
        if pair:
            q = q[:two.start()] + pair + q[two.end():]
    topics = next((t for t in map(_topic, reversed(readings)) if t), None)
    thing, owner = topics or (None, None)
    plural = next((p for p in (_plural_subject(r.rstrip("?!. ")) for r in reversed(readings)) if p), None)
    answered: list[str | None] = []  # the person the previous who-question's answer named, once asked
    author = next((r for r in reversed(readings) if _WHO_WROTE.match(r) and _THE_TEXT.search(r)), None)
    words = list(_WORD.finditer(q))
    out, last, used = [], 0, set()
    for i, m in enumerate(words):
        w = m.group().lower()
        following = words[i + 1].group().lower() if i + 1 < len(words) else ""
        previous = words[i - 1].group().lower() if i else ""
        if w in ("him", "she", "he", "his", "her") and answer_of is not None and not (answered or author or subject):
            answered.append(_person_answered(readings[-1], answer_of))
        person = answered[0] if answered and w in ("him", "she", "he", "his", "her") else None
        if author and w in ("she", "he", "his", "her"):  # the author of the text
            replacement = _the_author(w, following)
        elif w in ("him", "she", "he", "his", "her") and _names(q[:m.start()]):
            replacement = None  # the question named someone before: "What did Tesla say he would build?"
        elif subject and w in ("him", "she", "he", "his", "her"):  # whom the document is about (CANARD)
            replacement = _possessive(subject) if w in ("his", "her") else subject
        elif person:  # a who-question's answer: "Who heads the government?" → "What does he oversee?"
            replacement = _possessive(person) if w in ("his", "her") else person
        elif w in ("this", "that") and _points_back(following) and (said := _thing_answered(readings[-1], answer_of)):
            replacement = said  # the previous answer: "What is he to oversee?" → "When is that happening?"
        elif w in ("this", "that") and _points_back(following) and (
                (following in _EVENTS and not _is_event(thing))
                or re.match(r"what\s+(do|does|did)\b", readings[-1], re.I)):
            replacement = None  # an event or what was announced, not the question's subject: as written
        elif w in ("it", "him", "she", "he") or (w in ("this", "that") and _points_back(following)):
            replacement = _agreeing(w, thing, readings[-1], q)
        elif w in ("they", "them") or (w in ("these", "those") and _points_back(following)):
            replacement = plural or (owner if _is_group(owner) else None)  # not Islamabad; the Army of Justice
        elif w in ("its", "his", "her"):
            replacement = _agreeing_owner(w, owner) and _possessive(owner)
        elif w == "their":
            group = plural or (owner if _is_group(owner) else None)
            replacement = group and _possessive(group)
        else:
            replacement = None
        if w == "that" and i > 0 and previous not in _WH | _AUX | _PREPOSITIONS:
            replacement = None  # "the group that attacked": a relative pronoun, not a pointer back
        if w in ("this", "that") and previous == "like":
            replacement = None  # "at odds like this": in this way
        if w == "it" and i == 1 and words[0].group().lower() in _AUX and re.search(r"\b(that|to)\b", q[m.end():]):
            replacement = None  # "Was it a surprise that …": "it" stands for what follows
        if w in ("they", "them", "their") and replacement and (replacement in used or replacement in q):
            replacement = None  # "Why are they against them?": not both the same; nor what the question names
        if replacement is None:
            continue
        used.add(replacement)
        if i == 0:
            replacement = replacement[:1].upper() + replacement[1:]
        out.append(q[last:m.start()] + replacement)
        last = m.end()
    return "".join(out) + q[last:] if out else q


def _person_answered(before: str, answer_of: Callable[[str], str | None]) -> str | None:
    """The name a who-question's short answer gives ("Who heads the interim government?" →
    "Anwar-ul-Haq Kakar"), which a follow-up's "he"/"she" stands for; None for any other question,
    for "Who is X?" (the person is X), or an answer that is not a name."""
    if not re.match(r"who\b", before, re.I) or re.match(r"[Ww]ho\s+(is|was|are|were)\s+[A-Z]", before):
        return None
    name = answer_of(before.rstrip("?!. ") + "?")
    if name and _PERSON_NAME.fullmatch(name.strip()):
        return name.strip()
    return None


def _is_group(name: str | None) -> bool:
    """A name "they" can stand for though it is one: "the Army of Justice", "the caretaker government"."""
    return bool(name) and any(w.lower().strip("’'s") in _GROUPS for w in name.split())


def _is_event(thing: str | None) -> bool:
    """"the Pakistani cabinet meeting" can happen; "the army" or a person cannot."""
    return bool(thing) and thing.split()[-1].lower() in _EVENT_NOUNS


def _the_author(pronoun: str, following: str) -> str:
    """What "he"/"his" stands for after a question about who wrote the text: the article when its
    author says, thinks or argues something ("What does he say about India?", "In his view"),
    else the author ("When was he born?")."""
    if following in _SAYING:
        return "the article’s" if pronoun in ("his", "her") else "the article"
    return "the author’s" if pronoun in ("his", "her") else "the author"


def _thing_answered(before: str, answer_of: Callable[[str], str | None] | None) -> str | None:
    """The thing a what-question's short answer named ("What is Kakar supposed to oversee?" →
    "the electoral process"), which a following "that"/"this" stands for; None for any other
    question or an answer that is no short "the …" phrase (a date, a number, a clause)."""
    defining = re.match(r"what\s+(is|are|was|were)\s+(the\s+)?[A-Z]", before)  # "What is the Army of Justice?"
    if answer_of is None or not re.match(r"what\b", before, re.I) or defining:
        return None
    said = (answer_of(before.rstrip("?!. ") + "?") or "").strip()
    return said if _THE_THING.fullmatch(said) else None


def _agreeing(pronoun: str, thing: str | None, before: str, question: str = "") -> str | None:
    """What a singular pronoun stands for, if the previous question's topic agrees with it: "it"
    is not a person ("the author"; about a text, "it" is the article, and so is what is
    published or read: "Who published it?" after "What's the main argument of this article?"),
    "he"/"she"/"him" not a thing ("the interim government"; of "Sharif's government", Sharif),
    nor an ordinal ("the second"). None: the question is asked as written."""
    if pronoun == "it" and _THE_TEXT.search(before) and _ABOUT_A_TEXT.search(question):
        return "the article"
    if thing is None or re.fullmatch(rf"(the\s+)?{_ORDINALS}", thing, re.I):
        return None
    head = thing.split()[-1].lower().strip("’'s")
    person = head in _PEOPLE
    if pronoun == "it" and person:
        return "the article" if _THE_TEXT.search(before) else None
    if pronoun in ("he", "she", "him"):
        owner = re.match(r"(.+?)['’]s?\s", thing)
        if owner and owner.group(1)[:1].isupper():  # "Shehbaz Sharif’s government": he is Sharif
            return owner.group(1)
        if not person and (thing.lower().startswith("the ") or not thing[:1].isupper()):
            return None
    return thing


def _agreeing_owner(pronoun: str, owner: str | None) -> str | None:
    """The owner "his"/"her" may stand for: a name or a person ("the author"), not "the main
    candidates"; "its", anything but a person."""
    if owner is None:
        return None
    person = owner.split()[-1].lower().strip("’'s") in _PEOPLE
    if pronoun == "its":
        return None if person else owner
    return owner if owner[:1].isupper() or person else None


def _points_back(following: str) -> bool:
    return following == "" or following in _AUX or following in _PREPOSITIONS or following in _VERBS_AFTER_PRONOUN


def _names(text: str) -> list[re.Match]:
    """The names in a question (capitalized words, "Army of Justice"), not a capitalized opener."""
    out = []
    for m in _NAME.finditer(text):
        if m.start() == 0:
            first, _, rest = m.group().partition(" ")
            if first.lower().rstrip("’'s") in _OPENERS or first.lower() in _OPENERS:
                if not rest[:1].isupper():
                    continue
                m = _NAME.match(text, len(first) + 1)
        out.append(m)
    return out


def _topic(reading: str) -> tuple[str, str] | None:
    """What a question is about: (the thing, for "it"; its owner, for "its"/"his"). The thing is
    the question's subject name (the first name after an auxiliary, else its first name), with
    what that name owns when possessive ("Pakistan's cabinet meeting"), or its phrase opening with
    "the" ("the Pakistani cabinet meeting"); else its first phrase opening with "the"."""
    b = reading.rstrip("?!. ")
    names = _names(b)
    if names:
        subject = [m for m in names if _AFTER_AUX.search(b[:m.start()])]
        name = (subject or names)[0]
        text = name.group()
        owner = _POSSESSIVE_END.sub("", text)
        if b[:name.start()].lower().endswith("the "):  # "the Pakistani cabinet meeting", "the Army of Justice"
            phrase = _the_phrase(b, name.start() - 4)
            if phrase:
                return (b[phrase[0]:phrase[1]],) * 2
        if _POSSESSIVE_END.search(text):
            kept = _phrase_words(b[name.end():], b[:name.start()])
            return (f"{text} {' '.join(kept)}" if kept else owner), owner
        return text, owner
    phrase = _the_phrase(b)
    return (b[phrase[0]:phrase[1]],) * 2 if phrase else None


def _phrase_words(after: str, before: str) -> list[str]:
    """The words of a noun phrase that start `after`, up to a function word; after do/does/did
    the last of them is the question's verb ("How does the army compare"), not part of it."""
    kept = []
    for w in re.findall(r"[\w’'-]+|[^\w\s]", after):
        if not re.match(r"[\w’'-]+$", w) or w.lower() in _FUNCTION or not w[:1].islower():
            break
        kept.append(w)
    if kept and re.search(r"\b(do|does|did|can|could|will|would|should)\s+(\S+\s+)*$", before, re.I) \
            and not re.search(r"\b(is|are|was|were|has|have|had)\b", before, re.I):
        return kept[:_before_the_verb(kept, keep=0)]
    return kept[:_before_the_participle(kept, before)]


def _before_the_participle(words: list, before: str) -> int:
    """How many of a passive question's subject words come before its participle ("was the
    lighthouse built" → 1); all of them when `before` does not end in a form of "be" (and
    "the")."""
    text = [w if isinstance(w, str) else w.group() for w in words]
    passive = re.search(r"\b(is|are|was|were|been|being)\s+(the\s+)?$", before, re.I)
    last = text[-1].lower() if text else ""
    if passive and len(text) > 1 and (last in _IRREGULAR_PARTICIPLES or re.search(r"[a-z]{3}ed$", last)):
        return len(text) - 1
    return len(text)


def _before_the_verb(words: list, keep: int) -> int:
    """How many of a do-question's subject words come before its verb (and the verb's particle):
    "author come out" → 1. At least `keep` stay (a phrase's noun after "the"). `words`: strings
    or regex matches."""
    text = [w if isinstance(w, str) else w.group() for w in words]
    n = len(text)
    if n > keep + 1 and text[-1].lower() in _PARTICLES:
        n -= 1  # "When did the author come out", "Why did Pakistan's army back down": one particle
    return n - 1 if n > keep and text[n - 1][:1].islower() else n


def _the_phrase(b: str, start: int = 0) -> tuple[int, int] | None:
    """The first noun phrase opening with "the" (from `start`): "the caretaker government",
    "the Army of Justice"."""
    m = re.compile(r"\bthe\s+", re.I).search(b, start)
    if not m:
        return None
    words = []
    tokens = list(re.finditer(r"[\w’'-]+|[^\w\s]", b[m.end():]))
    for i, t in enumerate(tokens):
        w = t.group()
        joins = w == "of" and i + 1 < len(tokens) and tokens[i + 1].group()[:1].isupper()
        if not re.match(r"[\w’'-]+$", w) or (w.lower() in _FUNCTION and not joins):
            break
        words.append(t)
    if words and re.search(r"\b(do|does|did|can|could|will|would|should)\s+$", b[:m.start()], re.I):
        words = words[:_before_the_verb(words, keep=1)]  # "What does the author conclude": not the verb
    words = words[:_before_the_participle(words, b[:m.end()])]  # "When was the lighthouse built": not "built"
    if not words:
        return None
    return m.start(), m.end() + words[-1].end()


def _pair(reading: str) -> str | None:
    """"Tehran and Israel" for "the two": the first two names of a question."""
    names = [_POSSESSIVE_END.sub("", m.group()) for m in _names(reading.rstrip("?!. "))]
    names = [n for i, n in enumerate(names) if n not in names[:i]]
    return f"{names[0]} and {names[1]}" if len(names) >= 2 else None


def _pair_across(readings: list[str]) -> str | None:
    """"Shehbaz Sharif and Bilawal Bhutto Zardari" for "which of them" after two questions that
    each named one: the subjects of the last two questions, when they differ."""
    if len(readings) < 2:
        return None
    firsts = [(_topic(r) or (None, None))[1] for r in readings[-2:]]
    if all(firsts) and firsts[0] != firsts[1] and all(f[:1].isupper() for f in firsts):
        return f"{firsts[0]} and {firsts[1]}"
    return None


def _plural_phrase(b: str) -> str | None:
    """The phrase of a question that names several things, up to its first plural noun:
    "Iran’s motives" of "Which of Iran’s motives concerns Israel"."""
    for m in re.finditer(r"(?:\bthe\s+|(?<![\w’'])[A-Z][\w-]*['’]s?\s+)((?:[a-z][\w-]*\s+){0,3}?)([a-z][\w-]*s)\b", b):
        noun = m.group(2)
        words = (m.group(1) or "").split()
        if not noun.endswith(("ss", "us", "is")) and not any(w in _FUNCTION for w in words + [noun]):
            return m.group()
    return None


def _plural_subject(b: str) -> str | None:
    """For "they"/"their"/"which of them": two names joined by "and", a plural name ("Iranians"),
    or a plural noun phrase ("the foreign ministers")."""
    names = _names(b)
    for i in range(len(names) - 1):
        between = b[names[i].end():names[i + 1].start()]
        if between.strip() == "and":
            return b[names[i].start():names[i + 1].end()]
    for m in names:
        if m.group().endswith("s") and not _POSSESSIVE_END.search(m.group()) and " " not in m.group():
            return m.group()
    return _plural_phrase(b)


def _possessive(phrase: str) -> str:
    return phrase if _POSSESSIVE_END.search(phrase) else (phrase + "’" if phrase.endswith("s") else phrase + "’s")
