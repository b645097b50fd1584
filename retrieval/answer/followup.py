"""Follow-up questions read as standalone questions, without an LLM.

A question that leans on earlier ones is rewritten from the previous question as it was read:
- a fragment fills the ellipsis (ellipsis.py): "And Iran's?" after "What were Pakistan's motives?" reads as
  "What were Iran's motives?"; "What about Syria?" swaps Syria for the previous question's first
  name; "And in percent?" is added to it; "What about the fifth?" swaps the ordinal; "And the
  others?" asks for the rest of what it listed; a bare "Why?" asks the previous question's why;
- a pronoun ("it", "its", "they", "their", "that", "the two" …) is replaced by what an earlier
  question was about: its first name ("Who leads it?" after "What is the Army of Justice?"), or
  its noun phrase opening with "the"; "they"/"their" prefer two names joined by "and" or a plural;
  "Which one …"/"Which of them …" becomes "Which of <the previous plural> …", and "the last one"
  "the last of <the previous plural>"; after a who-question, "they" are the people it asked about,
  never a thing it named, so they stay as written.
A follow-up that points back but that no rule rewrites is searched beside the previous question
(context_of), and shown as asked.
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

from retrieval.answer.agreement import (
    SAYING,
    THE_TEXT,
    WHO_WROTE,
    agreeing,
    agreeing_owner,
    is_event,
    is_group,
    person_answered,
    points_back,
    the_author,
    thing_answered,
)
from retrieval.answer.ellipsis import (
    NUMBER_ORDINALS,
    NUMBER_WORDS,
    Listed,
    ListOf,
    fill_ellipsis,
    list_before,
    place_of,
    point_named,
    previous_list,
)
from retrieval.answer.phrases import (
    AUX,
    FUNCTION,
    LIST_NOUNS,
    NAME,
    OPENERS,
    ORDINAL_WORDS,
    PREPOSITIONS,
    WH,
    WORD,
    names_in,
    pair_across,
    pair_in,
    plural_phrase,
    plural_subject,
    possessive_of,
    the_phrase,
    topic_of,
)

# After "Was it …": a cleft ("Was it only the Baloch …"), not a pointer back.
_CLEFT = {"only", "just", "really", "mainly", "mostly", "chiefly", "largely", "partly", "simply", "all", "because"}
# Verbs whose subject is an event: "When did that happen?" never stands for a thing the question named.
_EVENTS = {"happen", "happened", "happening", "happens", "occur", "occurred", "occurring", "take", "took", "taking",
           "start", "started", "starting", "end", "ended", "ending", "begin", "began", "beginning"}
# The document's subject, when its title is a name ("Frank Zappa", "The Beatles"), not a headline.
_SUBJECT = re.compile(r"[A-Z][\w’'.-]*(?:\s+(?:of\s+|the\s+|and\s+|&\s+)?[A-Z0-9][\w’'.-]*){0,5}")
_LEAD = re.compile(r"^(?:(?:and|but|so|also|ok|okay|then|well)\s*,?\s+)+", re.I)  # "OK so why …"
_FRAGMENT = re.compile(r"^(?:(?:what|how)\s+about|what\s+of|and)\s+(?P<x>.+)$", re.I)
# A subordinate clause, or a question word inside: a question of its own that no earlier one completes.
_NO_FRAGMENT = re.compile(r"^(?:if|unless|because|although|though|whether|suppose|supposing)\b|"
                          r"\b(?:what|how|why|when|where|who|which)\b", re.I)
# A greeting or thanks said before the question, as its own sentence or with a comma.
_GREETING = re.compile(r"^(?:(?:(?:hi|hello|hey|ok|okay|thanks|thank\s+you|many\s+thanks|cheers|great|cool|perfect|"
                       r"wow|nice|good|right|alright|sure|awesome|understood|got\s+it|i\s+see|no\s+worries|"
                       r"makes\s+sense|fair\s+enough|that['’]s\s+(?:grim|sad|interesting|good|great|helpful))\b\s*)+"
                       r"(?:there|again|so\s+much|a\s+lot)?\s*[!.,]+\s*)+", re.I)
_NAMED_THEN_QUESTION = re.compile(r"^(?:and|but|so|(?:what|how)\s+about|as\s+for)\s+(?P<x>[^,]+),\s*(?P<q>.+)$", re.I)
# "Is the last one about America?": a point of the list an earlier question asked for, by its place.
# "… the second one?", "Tell me about the first.", "Could you elaborate on the second factor?"
_PLACED_ONE = re.compile(r"\b(?:the|that|this)\s+({}|last|final)(?:\s+(?:one|{})\b|(?=\s*[?.!]*\s*$))".format(
    "|".join(ORDINAL_WORDS), "|".join(n[:-1] for n in LIST_NOUNS)), re.I)
# A point of the list the previous answer gave, by a word of its heading: "the election one", "the
# one about India".
_NAMED_ONE = re.compile(r"\b(?:the|that|this)\s+(?P<x>[\w’'-]+)\s+one\b"
                        r"|\bthe\s+one\s+(?:about|on|with|involving|concerning|regarding)\s+(?P<y>[\w’'-]+)", re.I)
# A subject pronoun and a verb after "And" make a question of its own, not a fragment to fill.
_SUBJECTS = {"i", "you", "he", "she", "it", "we", "they"}
# A subordinate clause's subject pronoun, after a name in the main clause, stands for that name.
_SUBORDINATORS = {"if", "when", "whether", "because", "since", "after", "before", "unless", "once", "while",
                  "although", "though", "until"}
# So does the subject of what a name's verb of saying, thinking or feeling takes: "Why did Pakistan
# feel it had to hit back?"
_CLAUSE_VERBS = SAYING | {"feel", "feels", "felt", "thought", "know", "knew", "decide", "decided", "fear", "feared",
                           "hope", "hoped", "worry", "worried", "realize", "realized", "realise", "realised"}
# "that meeting", "those polls": a demonstrative before a noun (not "that is …"), which an earlier
# question may have named in full.
_THIS_NOUN = re.compile(r"\b(?:that|this|those|these)\s+(?P<noun>[a-z][\w-]*)\b(?!\s+(?:is|was|are|were)\b)")
# What two sides do together: "they" with no plural before are the previous question's two names.
_RECIPROCAL = re.compile(r"\b(each\s+other|one\s+another|in\s+dispute|disagree\w*|agree\w*|at\s+odds|fight\w*|"
                         r"clash\w*|negotiat\w*|reconcil\w*)\b", re.I)
_WHICH_ONE = re.compile(r"\b(which|what)\s+(one|ones|of\s+them|of\s+those|of\s+these)\b", re.I)
_THE_TWO = re.compile(r"\b(the\s+two|both)\b(?!\s+(?!of\b|are\b|were\b|at\b|in\b)(?:[a-z]+\s+)?[a-z]+s\b)", re.I)
# A question word that can give way to another ("Since when has Iran …" → "Why has Iran …"); "What
# would have happened …" has its subject in "What" and cannot.
_ADVERBIAL_WH = {"when", "where", "why", "how"}
_INDEFINITES = {"who": "(?:anyone|anybody|someone|somebody)", "what": "(?:anything|something)",
                "where": "(?:anywhere|somewhere)"}
# An ordinal and "one" typed without their article, after a verb or preposition: "when was 2nd one".
_BARE_ORDINAL = re.compile(r"\b((?:is|was|are|were|about|of|on|in|to)\s+)({})(?=\s+one\b)".format("|".join(ORDINAL_WORDS)),
                           re.I)
_NUMERIC_ORDINAL = re.compile(r"\b([1-{}])(?:st|nd|rd|th)\b".format(min(len(ORDINAL_WORDS), 9)), re.I)
# "The number two, can you explain it?", "and point 3?": a point picked by its number, "the second one".
_NUMBERED = re.compile(r"\b(?:the\s+)?(?:number|no\.|#|point|item)\s*({}|[1-9])(?=\s*(?:[,?.!]|$))".format(
    "|".join(NUMBER_WORDS)), re.I)
_YOU_LISTED = re.compile(r"\s+(?:that\s+)?(?:you|u)\s+(?:listed|mentioned|gave|named|cited|raised|brought\s+up)$",
                         re.I)
# "it" in an idiom stands for the matter at hand, not for a thing named before.
_IDIOM_IT = re.compile(r"\b(?:come|comes|came|coming|fit|fits)\s+into\s+it\b|\bto\s+do\s+with\s+it\b|\bin\s+it\s+for\b|"
                       r"\b(?:wrap|wraps|sum|sums|boil|boils)\s+it\s+(?:all\s+)?(?:up|down)\b|"
                       r"\b(?:let|lets|letting)\s+it\s+(?:go|slide|pass|be|drop|rest)\b", re.I)
# A topic said first, then taken up by a pronoun ("The Baloch from the two sides, they maybe work
# together?", "Iran, why did it hold back?"): the pronoun's antecedent is in the question itself.
_DISLOCATED = re.compile(r"^(?!(?i:so|and|but|ok|okay|well|then|also|now|yes|no|right|sure|thanks|if|in|when|after|"
                         r"what|what['’]s|which|who|who['’]s|whom|whose|where|why|how|"
                         r"h+m+|wow|oh|ah|huh|fine|whatever|interesting|gotcha|"
                         r"because|since|at|for|with|by|on)\b)(?:[Tt]he\s+)?[A-Z][^,?]{0,60},\s*(?:[^,?]*?\s)?"
                         r"(?:they|it|he|she|them|him)\b")
# A remark said before the question, as a sentence of its own ("Ooh the election one sounds juicy.
# Who's in the running?"): not part of what is asked; an abbreviation's full stop ("U.S.") ends none.
_REMARK = re.compile(r"^[^?]*?[a-z0-9][.!]+\s+(?P<q>[^.!?]+\?)$")
# A long question's context said first, in the same sentence, then what is asked: after a colon
# ("I wanted to check it against this article: roughly what share … ?"), after "so"/"then" ("if I
# understood correctly it was Iran that struck first, so then why did Pakistan …?"), or after the
# comma that ends an opening "since/given …" clause ("since the article also brings up …, what
# exactly are the factors …?"); not after an "if" clause, which is part of what is asked ("If Pakistan
# had not responded, what would Iran have done?"), nor after a request ("Tell me about the sixth one:
# when is the vote?" asks both). Only a question word or an auxiliary opens what is asked.
_ASKED = (r"(?P<q>(?:(?:roughly|exactly|basically|actually|just|now)\s+)?"
          r"(?:(?:{})\b|(?:{})\s)[^:]*\?)$".format("|".join(sorted(WH)), "|".join(sorted(AUX))))
_CONTEXT_FIRST = re.compile(
    r"^(?!\W*(?:please\s+)?(?:tell|explain|describe|give|show|list|talk|say)\b)(?P<c>(?:\S+\s+){{5}}[^?:]*?)"
    r"(?::\s+|,\s+(?:and\s+)?(?:so(?:\s+then)?|then)\s+){}".format(_ASKED), re.I)
_CLAUSE_FIRST = re.compile(
    r"^(?P<c>(?:(?:ok|okay|so|and|right|well)\W+)*(?:since|given|because|as|now\s+that)\s[^?,:]*?(?:\S+\s+){{3}}"
    r"[^?,:]*),\s+{}".format(_ASKED), re.I)


def asked_part(question: str) -> str | None:
    """What a question asks when it first says something else — a remark of its own ("Ok fair.
    Who's in the running?") or its context ("…, so then why did Pakistan …?") — else None."""
    q = " ".join(question.split())
    said = _REMARK.match(q) or _CONTEXT_FIRST.match(q) or _CLAUSE_FIRST.match(q)
    return said.group("q")[:1].upper() + said.group("q")[1:] if said else None


_BARE_WH = re.compile(r"^(why|how|when|where|who|what)(\s+not)?$", re.I)
def standalone(question: str, previous: Sequence[str], answer_of: Callable[[str], str | None] | None = None,
               subject: str | None = None, list_of: ListOf | None = None) -> str:
    """The question as it reads on its own, given the earlier questions of the conversation
    (oldest first, as they were asked). Unchanged when it already stands alone. `answer_of`
    gives the short answer to an earlier question (read as it stands alone), asked only when
    "he"/"she" may stand for the person a who-question's answer named; `list_of` the list an
    earlier question was answered with (its name, "Iran’s motives", and its points), asked only
    when a follow-up picks a point by its place ("Tell me more about the second one.") or by a
    word of its heading ("What's the Israel one about?")."""
    subject = subject if subject and _SUBJECT.fullmatch(subject.strip()) else None
    readings: list[str] = []
    for earlier in previous:
        readings.append(_read(earlier, readings, answer_of, subject, list_of))
    reading = _read(question, readings, answer_of, subject, list_of)
    return reading if reading == " ".join(question.split()) else reading[:1].upper() + reading[1:]


# Words by which a question points back at the conversation ("Could that spread?", "Why was one
# needed?"), whether or not a rule found what they stand for.
_POINTING_BACK = re.compile(r"\b(it|its|they|them|their|he|him|his|she|her|that|this|those|these|one|ones|there|"
                            r"then|else|other|others|rest)\b", re.I)


# "How do we know?", "Says who?", "Where's that coming from?", "Any proof?": the evidence for the
# previous answer, which only the previous question says what it is about.
_EVIDENCE = (r"(?:says\s+who|who\s+says(?:\s+(?:so|that))?|according\s+to\s+(?:whom|who)|based\s+on\s+what|"
             r"how\s+(?:do|can|would)\s+(?:we|they|you|i|the\s+author)\s+know(?:\s+(?:that|this|it))?|"
             r"where(?:['’]s|\s+is|\s+does)\s+(?:that|this)\s+(?:coming|come)\s+from|"
             r"(?:what['’]s|what\s+is|is\s+there|any)\s+(?:the\s+|some\s+|any\s+)?(?:evidence|proof|source)"
             r"(?:\s+(?:for|of)\s+(?:that|this|it))?|(?:evidence|proof|source)s?)")
_ASKS_FOR_EVIDENCE = re.compile(rf"^(?:(?:and|but|so|ok|okay|really|hmm+|wait|oh)\W+)*{_EVIDENCE}"
                                rf"(?:\W+{_EVIDENCE})*(?:\W+(?:exactly|then|though|tho|again))?\W*$", re.I)


def asks_for_evidence(question: str) -> bool:
    """Whether a follow-up asks only where the previous answer comes from ("Says who?")."""
    return bool(_ASKS_FOR_EVIDENCE.match(" ".join(question.split())))


def context_of(question: str, previous: Sequence[str], subject: str | None = None) -> str | None:
    """The previous question as it reads on its own, for a question that points back at it and that
    no rule could rewrite: retrieval reads the two together, so a passage that answers "Could that
    spread?" near the previous answer is found, while the reader, and the user, see the question as
    asked; so is one that asks only for the previous answer's evidence ("Says who?"). None when the
    question stands alone, was rewritten, or opens the conversation."""
    q = " ".join(question.split())
    asked = asked_part(q) or q  # "Ooh the election one sounds juicy. Who's in the running?"
    if not previous or not (_POINTING_BACK.search(asked) or asks_for_evidence(q)) or _DISLOCATED.match(q):
        return None
    if standalone(q, previous, subject=subject) != q:
        return None
    return standalone(previous[-1], previous[:-1], subject=subject)


def _read(question: str, readings: list[str], answer_of: Callable[[str], str | None] | None = None,
          subject: str | None = None, list_of: ListOf | None = None) -> str:
    q = " ".join(question.split())
    q = _GREETING.sub("", q) or q  # "Hi! Which …": "Hi" is no name
    q = _NUMERIC_ORDINAL.sub(lambda m: ORDINAL_WORDS[int(m.group(1)) - 1], q)  # "the 2nd one": the second
    q = _BARE_ORDINAL.sub(lambda m: f"{m.group(1)}the {m.group(2)}", q)  # "when was 2nd one": the second one
    q = _NUMBERED.sub(lambda m: "{}he {} one".format("T" if m.group()[:1].isupper() else "t",
                                                     NUMBER_ORDINALS[m.group(1).lower()]), q)
    if not q or not readings:
        return _resolve_pronouns(q, [""], None, subject) if q and subject else q
    if asks_for_evidence(q):
        return q  # "How do we know that?": the previous answer's evidence, searched beside it (context_of)
    remark = _REMARK.match(q)
    if remark:  # "Ok fair. And the Israel bit you mentioned, how does that tie in?": the question is read
        # (a question whose context comes first is read whole: its pronouns may point at that context)
        asked = asked_part(q)
        read = _read(asked, readings, answer_of, subject, list_of)
        return q if read == asked else read
    before = readings[-1].rstrip("?!. ")
    body = q.rstrip("?!. ")
    if re.fullmatch(r"vice\s+versa|conversely", _LEAD.sub("", body), re.I):
        return fill_ellipsis(readings, _LEAD.sub("", body)) or q  # "Vice versa?" with no "and"
    bare = _BARE_WH.match(_LEAD.sub("", body))
    if bare:
        return _swap_wh(before, bare.group(1), bool(bare.group(2)))
    named = _NAMED_THEN_QUESTION.match(body)
    if named and _is_clause(named.group("q")) and named.group("x").split()[0].lower() in PREPOSITIONS:
        # "And in Idlib, whom did it strike?": a place for the question, no name for its pronoun;
        # nor is the place the previous question was asked about ("… the sites in Erbil …").
        place = named.group("x").strip()
        prep = place.split()[0]
        said = re.sub(rf"(?i:\s+{re.escape(prep)}\s+(?:the\s+)?){NAME.pattern}", "", readings[-1], count=1)
        q = f"{named.group('q')} {place}?"
        return _resolve_pronouns(q[:1].upper() + q[1:], readings[:-1] + [said], answer_of, subject, list_of)
    if named and _is_clause(named.group("q")) and named.group("x").split()[0].lower() in AUX | _SUBORDINATORS | WH:
        named = None  # "And had Pakistan not pushed back, what would Iran have done?": a condition, no name;
        # "And how does that connect …, is the author saying …?": two questions, no name
    if named and _is_clause(named.group("q")):  # "And Iran, why did it hold back?"
        read = _named_pronoun(_YOU_LISTED.sub("", named.group("x").strip()), named.group("q"), before)
        return read + "?" if read else q
    fragment = _FRAGMENT.match(_LEAD.sub("", body)) or _FRAGMENT.match(body)
    if fragment and not _is_clause(fragment.group("x")):
        if _NO_FRAGMENT.search(fragment.group("x")):
            return q  # "And if Islamabad had let it slide?", "And roughly how long is it?": nothing to fill
        x = _YOU_LISTED.sub("", fragment.group("x").strip(" ,"))  # "the second one u listed": the second one
        return fill_ellipsis(readings, x, list_of) or q
    words = WORD.findall(body)
    if len(words) <= 3 and all(w[:1].isupper() for w in words) and words[0].lower() not in OPENERS:
        return fill_ellipsis(readings, body, list_of) or q  # "Iran's?" or "Syria?" alone
    if _LEAD.match(q) and _is_clause(_LEAD.sub("", q)):
        q = _LEAD.sub("", q)  # "And who did they want to keep out?"
        q = q[:1].upper() + q[1:]
    return _resolve_pronouns(q, readings, answer_of, subject, list_of)


def _named_pronoun(x: str, q: str, before: str) -> str | None:
    """The question with its first pronoun standing for x, completed by what the previous question
    said after the same last words: ("Iran", "why did it hold back"), after "Why did Pakistan hold
    back from escalating" → "Why did Iran hold back from escalating"; None when no pronoun takes x
    up ("And Iran, what happened next?"), which is asked as written."""
    q = q.rstrip("?!. ")
    m = re.search(r"\b(it|he|she|they|him|them|its|his|her|their|that|this)\b", q, re.I)
    if m is None:
        return None
    stands = possessive_of(x) if m.group(1).lower() in ("its", "his", "her", "their") else x
    q = q[:m.start()] + stands + q[m.end():]
    last = " ".join(q.split()[-2:])
    at = before.lower().rfind(" " + last.lower())
    if len(last.split()) == 2 and at >= 0:
        q += before[at + 1 + len(last):]
    return q[:1].upper() + q[1:]


def _is_clause(text: str) -> bool:
    """A fragment with its own question word or auxiliary is a question of its own; so is one with
    a subject pronoun and a verb ("And they accept this accusation or not?")."""
    words = [w.lower() for w in WORD.findall(text)]
    return bool(words) and (words[0] in WH or words[0] in AUX or (words[0] in _SUBJECTS and len(words) > 1))


def _swap_wh(before: str, wh: str, negated: bool) -> str:
    """"Why?" after "Did Iran retaliate?" → "Why did Iran retaliate?"; after "Since when has Iran
    avoided …?" → "Why has Iran avoided …?": the question word goes before the auxiliary."""
    words = before.split()
    for i, w in enumerate(words[:4]):
        if w.lower() in AUX and all(v.lower() in _ADVERBIAL_WH | PREPOSITIONS for v in words[:i]):
            rest = " ".join(words[i + 1:])
            indefinite = _INDEFINITES.get(wh.lower())
            if indefinite:  # "Who?" after "Could Israel team up with anyone …": who it could team up with
                if not re.search(rf"\b{indefinite}\b", rest, re.I) and wh.lower() != "where":
                    return f"{wh.capitalize()}?"  # "Who?" after "Did Iran retaliate?": nothing it asks about
                rest = " ".join(re.sub(rf"\b{indefinite}\b\s*", "", rest, count=1, flags=re.I).split())
            return f"{wh.capitalize()} {w.lower()}{'n’t' if negated else ''} {rest}?"
    return f"{wh.capitalize()}{' not' if negated else ''}?"  # "Why?" after "What would have happened …": as written


def _resolve_pronouns(q: str, readings: list[str], answer_of: Callable[[str], str | None] | None = None,
                      subject: str | None = None, list_of: ListOf | None = None) -> str:
    placed = _PLACED_ONE.search(q)
    listed = previous_list(readings, list_of) if placed else None
    group = placed and list_before(readings, listed)
    if group:
        q = _put(q, placed, f"the {placed.group(1).lower()} of {group}")
    elif placed:  # "the second one" of the names the previous answer listed in its prose
        q = _item_said(q, placed, listed, place_of(placed.group(1)))
    named = None if placed else _NAMED_ONE.search(q)
    listed = previous_list(readings, list_of) if named else None
    place = point_named(named.group("x") or named.group("y"), listed) if listed else None
    if place is not None and listed.name and place < len(ORDINAL_WORDS):
        q = _put(q, named, f"the {ORDINAL_WORDS[place]} of {listed.name}")
    elif place is not None:  # "the Lahore one": the name the previous answer listed with that word
        q = _item_said(q, named, listed, place)
    which = _WHICH_ONE.search(q)
    if which and "?" not in q[:which.start()]:  # "Is this from some think tank? Which one?": the tank
        latest = plural_phrase(readings[-1].rstrip("?!. "))
        group = latest if which.group(2).lower().startswith("one") and latest else pair_across(readings) or next(
            (p for p in (plural_subject(r.rstrip("?!. ")) for r in reversed(readings)) if p), None)
        if group:
            q = f"{q[:which.start()]}{which.group(1)} of {group}{q[which.end():]}"
            return q[:1].upper() + q[1:]
    q = _demonstrative(q, readings)
    two = _THE_TWO.search(q)
    if two:
        pair = next((p for p in map(pair_in, reversed(readings)) if p), None) or pair_across(readings)
        if pair:
            q = q[:two.start()] + pair + q[two.end():]
    topics = next((t for t in map(topic_of, reversed(readings)) if t), None)
    thing, owner = topics or (None, None)
    plural = next((p for p in (plural_subject(r.rstrip("?!. ")) for r in reversed(readings)) if p), None)
    if re.match(r"who\b", readings[-1], re.I):
        plural = None  # "they" after a who-question are the people it asked about, not things it named
    answered: list[str | None] = []  # the person the previous who-question's answer named, once asked
    author = next((r for r in reversed(readings) if WHO_WROTE.match(r) and THE_TEXT.search(r)), None)
    words = list(WORD.finditer(q))
    # A remark before the question ("Interesting that India comes into it. How does …?") keeps its words.
    asked_from = max((e.end() for e in re.finditer(r"[.!](?=\s+[A-Z])", q)), default=0)
    dislocated = _DISLOCATED.match(q)
    out, last, used = [], 0, set()
    for i, m in enumerate(words):
        w = m.group().lower()
        if m.start() < asked_from:
            continue
        following = words[i + 1].group().lower() if i + 1 < len(words) else ""
        previous = words[i - 1].group().lower() if i else ""
        if w in ("him", "she", "he", "his", "her") and answer_of is not None and not (answered or author or subject):
            answered.append(person_answered(readings[-1], answer_of))
        person = answered[0] if answered and w in ("him", "she", "he", "his", "her") else None
        if author and w in ("she", "he", "his", "her"):  # the author of the text
            replacement = the_author(w, following)
        elif w in ("him", "she", "he", "his", "her") and names_in(q[:m.start()]):
            replacement = None  # the question named someone before: "What did Tesla say he would build?"
        elif subject and w in ("him", "she", "he", "his", "her"):  # whom the document is about (CANARD)
            replacement = possessive_of(subject) if w in ("his", "her") else subject
        elif person:  # a who-question's answer: "Who heads the government?" → "What does he oversee?"
            replacement = possessive_of(person) if w in ("his", "her") else person
        elif w in ("this", "that") and points_back(following) and (said := thing_answered(readings[-1], answer_of)):
            replacement = said  # the previous answer: "What is he to oversee?" → "When is that happening?"
        elif w in ("this", "that") and points_back(following) and (
                (following in _EVENTS and not is_event(thing))
                or re.match(r"what\s+(do|does|did)\b", readings[-1], re.I)):
            replacement = None  # an event or what was announced, not the question's subject: as written
        elif w in ("it", "him", "she", "he") or (w in ("this", "that") and points_back(following)):
            replacement = agreeing(w, thing, readings[-1], q)
        elif w in ("they", "them") or (w in ("these", "those") and points_back(following)):
            replacement = plural or (owner if is_group(owner) else None)  # not Islamabad; the Army of Justice
            if replacement is None and _RECIPROCAL.search(q):  # "in what areas are they in dispute": two sides
                replacement = pair_in(readings[-1])
        elif w == "its" and names_in(q[:m.start()]):
            replacement = None  # "Why did Pakistan hold back? What were all its reasons?": Pakistan's
        elif w in ("its", "his", "her"):
            replacement = agreeing_owner(w, owner) and possessive_of(owner)
        elif w == "their":
            group = plural or (owner if is_group(owner) else None)
            replacement = group and possessive_of(group)
        else:
            replacement = None
        if w == "that" and i > 0 and previous not in WH | AUX | PREPOSITIONS:
            replacement = None  # "the group that attacked": a relative pronoun, not a pointer back
        if w in ("this", "that") and previous == "like":
            replacement = None  # "at odds like this": in this way
        if w == "it" and i == 1 and words[0].group().lower() in AUX and re.search(r"\b(that|to)\b", q[m.end():]):
            replacement = None  # "Was it a surprise that …": "it" stands for what follows
        if w == "it" and (previous == "let" or _IDIOM_IT.search(q[max(0, m.start() - 24):m.end() + 10])):
            replacement = None  # "let it go", "where does Israel come into it": idioms, no thing in them
        if w in ("it", "he", "she", "him", "they", "them") and replacement and re.search(r"['’]s?$", replacement):
            replacement = None  # "Pakistan and Iran’s (governments)" owns a noun; it is not what "them" is
        if w == "it" and previous in AUX and following in _CLEFT:
            replacement = None  # "Was it only the Baloch they feared?", "… or was it just the army?": a cleft
        if w == "they" and replacement and plural_subject(q[:m.start()]):
            replacement = None  # "When the two ministers spoke, what did they agree on?": the ministers
        if w in ("they", "them", "their") and replacement and (replacement in used or replacement in q):
            replacement = None  # "Why are they against them?": not both the same; nor what the question names
        if w in ("it", "he", "she", "him") and replacement and (replacement in used or replacement in q):
            replacement = None  # "Who did it say it was hitting?": "Who did Iran say it was hitting?"
        if w in ("it", "he", "she", "they") and previous in _SUBORDINATORS | _CLAUSE_VERBS and names_in(q[:m.start()]):
            replacement = None  # "What did Tehran expect if it went to war?", "Why did Pakistan feel it had to …?"
        if w == "it" and following in AUX and names_in(q[:m.start()]):
            replacement = None  # a clause's subject after a name: "Why did Pakistan feel like it had to …?"
        if w == "it" and following in _EVENTS and replacement and replacement[:1].isupper() and not is_event(replacement):
            replacement = None  # "When did it happen?" is no "When did Chile happen?" (a name is no event)
        if dislocated and m.end() == dislocated.end():
            replacement = None  # "The Baloch from the two sides, they maybe work together?": the topic said first
        if w in ("they", "them", "their") and replacement and _shares_a_name(replacement, q[:m.start()]):
            replacement = None  # "When did Iran hit them?": not "Iran and Pakistan", which holds the hitter
        if replacement is None:
            continue
        used.add(replacement)
        if i == 0:
            replacement = replacement[:1].upper() + replacement[1:]
        elif replacement.startswith("The ") and subject not in (replacement, possessive_of(subject or "")):
            replacement = "t" + replacement[1:]  # said first in an earlier question: "killed in the Therhi massacre"
        out.append(q[last:m.start()] + replacement)
        last = m.end()
    return "".join(out) + q[last:] if out else q


def _shares_a_name(phrase: str, text: str) -> bool:
    """Whether `phrase` holds a name that `text` names too."""
    named = {m.group().lower() for m in names_in(text)}
    return any(m.group().lower() in named for m in names_in(phrase))


def _item_said(q: str, m: re.Match, listed: Listed | None, place: int | None) -> str:
    """The question with `m` ("the second one") in place of the item at `place` of a list of names
    an answer gave in its prose (a list without a name: Listed("", names)); as it was otherwise."""
    named = listed.point_at(place) if listed is not None and not listed.name else None
    return q if named is None else _put(q, m, named)


def _put(q: str, m: re.Match, phrase: str) -> str:
    """The question with `phrase` in place of `m`; a phrase that opens the question before its
    question word is set off by a comma ("the first one what does it mean" → "The Sipah-e-Sahaba,
    what does it mean")."""
    rest = q[m.end():]
    if m.start() == 0 and re.match(r"\s+(?:{})\b".format("|".join(WH)), rest, re.I):
        rest = "," + rest
    q = q[:m.start()] + phrase + rest
    return q[:1].upper() + q[1:]


def _demonstrative(q: str, readings: list[str]) -> str:
    """"that meeting" as an earlier question named it: "What came out of that meeting?" after "Who
    chaired the Pakistani cabinet meeting …?" → "… of the Pakistani cabinet meeting?": the latest
    "the …" phrase of three words or more that holds the noun, up to it; else the question as it
    was."""
    m = _THIS_NOUN.search(q)
    if not m or m.group("noun").lower() in FUNCTION:
        return q
    for earlier in reversed(readings):
        b, at = earlier.rstrip("?!. "), 0
        while (phrase := the_phrase(b, at)) is not None:
            words = b[phrase[0]:phrase[1]].split()
            at_noun = next((i for i, w in enumerate(words) if w.lower() == m.group("noun").lower()), 0)
            if at_noun >= 2:  # "the Ankara trade summit (last week)": up to the noun
                said = " ".join(words[:at_noun + 1])
                return q[:m.start()] + said[:1].lower() + said[1:] + q[m.end():]
            at = phrase[1]
    return q
