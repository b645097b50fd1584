"""What a question names, for the follow-up rules (followup.py) to point back at: its names
("Army of Justice", not a capitalized opener), its topic, its first noun phrase opening with "the",
the plural it speaks of, two names it pairs, a possessive. Word lists shared with followup.py."""

from __future__ import annotations

import re

WORD = re.compile(r"[\w’'-]+")
WH = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}
AUX = {"is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "can", "could", "will", "would",
       "should", "may", "might", "must", "be", "been", "what's", "who's", "what’s", "who’s"}
# Negated auxiliaries end a phrase as the others do: "Which of the big names can't stand?"
AUX |= {n + a + "t" for n in ("can", "don", "doesn", "didn", "isn", "aren", "wasn", "weren", "won", "wouldn",
                             "shouldn", "couldn", "hasn", "haven", "hadn") for a in ("'", "’")} | {"cannot"}
PREPOSITIONS = {"of", "in", "on", "at", "to", "for", "from", "by", "with", "about", "into", "over", "after",
                "before", "during", "between", "against", "under", "than", "as", "per", "since", "until",
                "within", "without", "toward", "towards", "regarding", "behind", "across", "among", "beyond",
                "besides", "despite"}
FUNCTION = WH | AUX | PREPOSITIONS | {
    "the", "a", "an", "and", "or", "but", "not", "no", "so", "also", "too", "just", "only", "very", "it", "its",
    "they", "them", "their", "he", "she", "his", "her", "him", "this", "that", "these", "those", "there",
    "then", "any", "some", "much", "many", "more", "most", "other", "others", "one", "ones", "all", "both",
    "each", "i", "you", "we", "me", "us", "my", "your", "our", "if", "whether", "else", "exactly", "really"}
# Capitalized only because they open the question: never a name.
OPENERS = FUNCTION | {"besides", "roughly", "apart", "overall", "please", "tell", "now", "ok", "okay", "well",
                       "anyway", "according", "since", "in", "on", "at", "for", "from", "after", "before",
                       # requests: "Explain …", "Sum up …", "Number three — …"
                       "explain", "sum", "summarize", "summarise", "describe", "list", "give", "name", "compare",
                       "show", "break", "walk", "outline", "define", "elaborate", "number", "remind", "say",
                       # a greeting or thanks before the question: "Hi! Which …", "Thanks. And …"
                       "hi", "hello", "hey", "thanks", "thank", "cheers", "great", "cool", "alright", "sure",
                       "yes", "yeah", "wow", "interesting"}
# After "was the …"/"is the …", a passive question's participle ends the words: "When was the
# lighthouse built?" is about the lighthouse.
IRREGULAR_PARTICIPLES = {"built", "made", "held", "led", "sent", "found", "known", "written", "taken", "given",
                         "done", "paid", "set", "put", "caught", "brought", "bought", "taught", "fought", "sold",
                         "told", "left", "kept", "won", "lost", "hit", "shot", "struck", "begun", "seen", "chosen",
                         "spoken", "stolen", "broken", "born", "drawn", "grown", "thrown", "shown", "driven", "hidden",
                         "met", "read", "run", "said", "spent", "meant", "felt", "heard", "laid", "lent", "bound"}
PARTICLES = {"out", "up", "down", "off", "back", "away", "over", "around", "through", "along"}
# A name: capitalized words, joined by "of (the)" ("Army of Justice") or by "and" inside a name.
# "OK" and "I" are capitalized without being names, or part of one ("Are Iranians OK with …"); nor
# is a month or a day on its own a name a pronoun stands for ("What did the museum announce in March?").
_NEVER_NAMES = {"OK", "Okay", "I", "I'm", "I’m", "I've", "I’ve", "I'd", "I’d", "I'll", "I’ll", "January", "February",
                "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday",
                "Friday", "Saturday", "Sunday",
                "Hmm", "Hmmm", "Hm", "Wow", "Oh", "Ah", "Huh", "Fine", "Whatever", "Interesting", "Gotcha"}
NAME = re.compile(r"(?<![\w’'])(?:[A-Z][\w’'.-]*)"
                  r"(?:\s+(?:of\s+(?:the\s+)?|and\s+(?=[A-Z][a-z]+\s+[A-Z]))?(?!(?:OK|Okay|I)\b)[A-Z][\w’'.-]*)*")
AFTER_AUX = re.compile(r"\b(?:{})\s+(?:the\s+)?$".format("|".join(sorted(AUX))), re.I)
POSSESSIVE_END = re.compile(r"['’]s?$")
# What a list is a list of ("Iran's motives"): the words a question asks for a list by.
LIST_NOUNS = ("reasons", "motives", "motivations", "factors", "considerations", "calculations", "points", "drivers",
              "causes", "grounds")
# The places a question names an item of a list by ("the second of Pakistan's motives").
ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def names_in(text: str) -> list[re.Match]:
    """The names in a question (capitalized words, "Army of Justice"), not a capitalized opener."""
    out = []
    for m in NAME.finditer(text):
        if m.group() in _NEVER_NAMES:
            continue
        if m.start() == 0:
            first, _, rest = m.group().partition(" ")
            if first.lower().rstrip("’'s") in OPENERS or first.lower() in OPENERS:
                if not rest[:1].isupper():
                    continue
                m = NAME.match(text, len(first) + 1)
        out.append(m)
    return out


def topic_of(reading: str) -> tuple[str, str] | None:
    """What a question is about: (the thing, for "it"; its owner, for "its"/"his"). The thing is
    the question's subject name (the first name after an auxiliary, else its first name), with
    what that name owns when possessive ("Pakistan's cabinet meeting"), or its phrase opening with
    "the" ("the Pakistani cabinet meeting"); else its first phrase opening with "the"."""
    b = reading.rstrip("?!. ")
    # "… compare with Iran's?": a possessive that ends the question owns what it names before, not a topic.
    names = [m for m in names_in(b) if not (POSSESSIVE_END.search(m.group()) and m.end() == len(b))]
    if names:
        subject = [m for m in names if AFTER_AUX.search(b[:m.start()])]
        name = (subject or names)[0]
        text = name.group()
        held = None if subject or POSSESSIVE_END.search(text) else _QUALIFIED.search(b[:name.start()])
        after_aux = held and re.search(r"\b(?:do|does|did|can|could|will|would|should)\s+$", b[:held.start()], re.I)
        if held and not after_aux and not set(held.group("words").split()) & FUNCTION:
            # "who chaired the cabinet meeting in Pakistan": the meeting, which the place only qualifies
            return (b[held.start():name.end()],) * 2
        owner = POSSESSIVE_END.sub("", text)
        this = re.search(r"\b(?:this|that)\s+$", b[:name.start()], re.I)
        if this:  # "this Iranian attack": the Iranian attack
            said = b[:this.start()] + "the " + b[name.start():]
            phrase = the_phrase(said, this.start())
            if phrase and phrase[1] > this.start() + 4 + len(text):
                return (said[phrase[0]:phrase[1]],) * 2
        if b[:name.start()].lower().endswith("the "):  # "the Pakistani cabinet meeting", "the Army of Justice"
            phrase = the_phrase(b, name.start() - 4)
            if phrase:
                return (b[phrase[0]:phrase[1]],) * 2
        if POSSESSIVE_END.search(text):
            kept = _phrase_words(b[name.end():], b[:name.start()])
            return (f"{text} {' '.join(kept)}" if kept else owner), owner
        return text, owner
    phrase = the_phrase(b)
    if phrase is None:  # "How does their equipment compare …": their equipment, not an older question's topic
        owned = re.search(r"\b(?:their|its)\s+(?P<noun>[a-z][\w-]*)", b)
        if owned and owned.group("noun") not in FUNCTION and not _VERB_FORM.fullmatch(owned.group("noun")):
            return (owned.group(),) * 2
    return (b[phrase[0]:phrase[1]],) * 2 if phrase else None


_VERB_FORM = re.compile(r"[a-z]+(?:ed|ing)")
# A "the" phrase a name qualifies, up to the preposition before the name: "the cabinet meeting in ".
_QUALIFIED = re.compile(r"\bthe\s+(?P<words>(?:[a-z][\w-]*\s+){1,3})(?:in|of|on|at|from|for)\s+$")


def _phrase_words(after: str, before: str) -> list[str]:
    """The words of a noun phrase that start `after`, up to a function word; after do/does/did
    the last of them is the question's verb ("How does the army compare"), not part of it."""
    kept = []
    for w in re.findall(r"[\w’'-]+|[^\w\s]", after):
        if not re.match(r"[\w’'-]+$", w) or w.lower() in FUNCTION or not w[:1].islower():
            break
        kept.append(w)
    if kept and re.search(r"\b(do|does|did|can|could|will|would|should)\s+(\S+\s+)*$", before, re.I) \
            and not re.search(r"\b(is|are|was|were|has|have|had)\b", before, re.I):
        return kept[:before_the_verb(kept, keep=0)]
    return kept[:before_the_participle(kept, before)]


def before_the_participle(words: list, before: str) -> int:
    """How many of a passive question's subject words come before its participle ("was the
    lighthouse built" → 1); all of them when `before` does not end in a form of "be" (and
    "the")."""
    text = [w if isinstance(w, str) else w.group() for w in words]
    passive = re.search(r"\b(is|are|was|were|been|being)\s+(the\s+)?$", before, re.I)
    last = text[-1].lower() if text else ""
    if passive and len(text) > 1 and (last in IRREGULAR_PARTICIPLES or re.search(r"[a-z]{3}ed$", last)):
        return len(text) - 1
    return len(text)


def before_the_verb(words: list, keep: int) -> int:
    """How many of a do-question's subject words come before its verb (and the verb's particle):
    "author come out" → 1. At least `keep` stay (a phrase's noun after "the"). `words`: strings
    or regex matches."""
    text = [w if isinstance(w, str) else w.group() for w in words]
    n = len(text)
    if n > keep + 1 and text[-1].lower() in PARTICLES:
        n -= 1  # "When did the author come out", "Why did Pakistan's army back down": one particle
    return n - 1 if n > keep and text[n - 1][:1].islower() else n


_LY_NOUNS = {"family", "assembly", "supply", "ally", "rally", "monopoly", "anomaly", "italy", "july", "belly", "bully"}


def the_phrase(b: str, start: int = 0) -> tuple[int, int] | None:
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
        if not re.match(r"[\w’'-]+$", w) or (w.lower() in FUNCTION and not joins):
            break
        if words and (w in IRREGULAR_PARTICIPLES or re.fullmatch(r"[a-z]{3,}ed", w)):
            break  # "why the treaty failed": the verb, not the phrase
        if words and re.fullmatch(r"[a-z]{3,}ly", w) and w not in _LY_NOUNS:
            break  # "the Iranian side properly": an adverb ends it
        words.append(t)
    if words and re.search(r"\b(do|does|did|can|could|will|would|should)\s+$", b[:m.start()], re.I):
        words = words[:before_the_verb(words, keep=1)]  # "What does the author conclude": not the verb
    words = words[:before_the_participle(words, b[:m.end()])]  # "When was the lighthouse built": not "built"
    if not words:
        return None
    return m.start(), m.end() + words[-1].end()


def pair_in(reading: str) -> str | None:
    """"Tehran and Israel" for "the two": a pair written as one ("the Pakistan–Iran flare-up"),
    else the first two names of a question."""
    joined = re.search(r"\b([A-Z][a-z]+)[-–—]([A-Z][a-z]+)\b", reading)
    if joined and joined.group(1) != joined.group(2):
        return f"{joined.group(1)} and {joined.group(2)}"
    names = [POSSESSIVE_END.sub("", m.group()) for m in names_in(reading.rstrip("?!. "))]
    names = [n for i, n in enumerate(names) if n not in names[:i]]
    return f"{names[0]} and {names[1]}" if len(names) >= 2 else None


def pair_across(readings: list[str]) -> str | None:
    """"Shehbaz Sharif and Bilawal Bhutto Zardari" for "which of them" after two questions that
    each named one: the subjects of the last two questions, when they differ."""
    if len(readings) < 2:
        return None
    firsts = [(topic_of(r) or (None, None))[1] for r in readings[-2:]]
    if all(firsts) and firsts[0] != firsts[1] and all(f[:1].isupper() for f in firsts):
        return f"{firsts[0]} and {firsts[1]}"
    return None


def plural_phrase(b: str) -> str | None:
    """The phrase of a question that names several things, up to its first plural noun:
    "Iran’s motives" of "Which of Iran’s motives concerns Israel"."""
    for m in re.finditer(r"(?:\bthe\s+|(?<![\w’'])[A-Z][\w-]*['’]s?\s+)((?:[a-z][\w-]*\s+){0,3}?)([a-z][\w-]*s)\b", b):
        noun = m.group(2)
        words = (m.group(1) or "").split()
        if noun in _WORDS_FOR_PARTS and b[m.end():].startswith(" of "):
            continue  # "the names of the two ministers": the ministers are what "they" are
        if not noun.endswith(("ss", "us", "is")) and not any(w in FUNCTION for w in words + [noun]):
            return m.group()
    return None


_WORDS_FOR_PARTS = {"names", "numbers", "kinds", "types", "sorts", "parts", "details", "words", "terms", "titles"}


# The nouns two names joined by "and" qualify: "(the Pakistani and Iranian) foreign ministers".
_OWNED_BY_PAIR = re.compile(r"(?:\s+[a-z][\w-]*){0,2}?\s+[a-z][\w-]*[^s\W]s\b")


def plural_subject(b: str) -> str | None:
    """For "they"/"their"/"which of them": two names joined by "and", a plural name ("Iranians"),
    or a plural noun phrase ("the foreign ministers")."""
    names = names_in(b)
    for i in range(len(names) - 1):
        between = b[names[i].end():names[i + 1].start()]
        if between.strip() == "and":
            owned = _OWNED_BY_PAIR.match(b, names[i + 1].end())
            if owned and b[:names[i].start()].lower().endswith("the "):  # "the Pakistani and Iranian ministers"
                return b[names[i].start() - 4:owned.end()]
            return b[names[i].start():names[i + 1].end()]
    for m in names:
        if m.group().endswith("s") and not POSSESSIVE_END.search(m.group()) and " " not in m.group():
            return m.group()
    return plural_phrase(b)


def possessive_of(phrase: str) -> str:
    return phrase if POSSESSIVE_END.search(phrase) else (phrase + "’" if phrase.endswith("s") else phrase + "’s")


# What joins one item of a list in running text to the next: "and", after a gloss in brackets, an
# apposition ("Shehbaz Sharif, the former prime minister of Pakistan, and …") or a place or time
# ("the Therhi massacre on June 3, 1963, and …") — never after a verb ("Pakistan has endured …
# between Sunnis and Shiites" lists no Pakistan).
_AND_NEXT = re.compile(r"(?:\s*(?:\[[^\]]*\]|\([^)]*\))"
                       r"|,\s+(?:the|a|an)\s+[^;.!?]*?,"
                       r"|\s+(?:on|in|at|from|since|during|of)\s+[^;.!?]*?)?,?\s+and\s+")


def coordinated_names(text: str) -> list[str]:
    """The last list of names a text gives in running prose, as it says them ("the Therhi massacre",
    "the Lahore incident" of "… notable incidents including the Therhi massacre on June 3, 1963,
    and the Lahore incident in February 1978."): names, with their "the" and the nouns right after
    them, joined by "and"; a name after a preposition ("of Pakistan") is no item. [] when none
    are joined."""
    items: list[tuple[int, int, str]] = []
    for m in names_in(text):
        start, before = m.start(), text[:m.start()]
        if before.lower().endswith("the "):
            start -= 4
        last_word = WORD.findall(text[:start])[-1:] or [""]
        if last_word[0].lower() in PREPOSITIONS or before.count("[") > before.count("]") \
                or before.count("(") > before.count(")"):
            continue  # "of Pakistan"; a gloss in brackets ("[Army of Prophet’s Companions]")
        nouns = []  # "the Therhi massacre": after "the", the nouns that follow the name are the item's
        for w in re.findall(r"[\w’'-]+|[^\w\s]", text[m.end():])[:2] if start < m.start() else []:
            if not re.fullmatch(r"[a-z][\w-]*", w) or w in FUNCTION:
                break
            nouns.append(w)
        end = m.end() + (len(" " + " ".join(nouns)) if nouns else 0)
        items.append((start, end, text[start:end]))
    chains: list[list[str]] = []
    for i, (start, end, said) in enumerate(items):
        if i and _AND_NEXT.fullmatch(text[items[i - 1][1]:start]) and chains:
            chains[-1].append(said)
        else:
            chains.append([said])
    return next((c for c in reversed(chains) if len(c) >= 2), [])
