"""The edits that make a true sentence say something else, for the verifier's training pairs
(eval/verifier_data.py) and the check's calibration claims (eval/checking.py): a number changed, a
name or a word swapped for one from elsewhere in the article, the negation flipped; and a
sentence's longest clause, which still says what it says."""

from __future__ import annotations

import random
import re

NUMBER = re.compile(r"\b\d+\b")
NAME = re.compile(r"(?<=\s)[A-Z][a-z]{3,}\b")
NOT_NAMES = {"This", "That", "These", "Those", "There", "Their", "They", "When", "While", "With", "After", "Before",
             "Although", "However", "During", "Since", "From", "Some", "Many", "Most", "Other", "Such", "What", "Which"}
CONTENT = re.compile(r"\b[a-z]{5,}\b")
_AUX = re.compile(r"\b(is|was|are|were|has|have|had|can|could|will|would|did|does|do)\b")
_NOT = re.compile(r"\s+not\b")


def clause(sentence: str) -> str | None:
    """The sentence's longest clause (six words or more), as a sentence; None if it has none."""
    parts = [p.strip() for p in re.split(r"[,;]\s+", sentence.rstrip(".")) if p.strip()]
    best = max(parts, key=lambda p: len(p.split()), default="")
    if len(best.split()) < 6 or best == sentence.rstrip("."):
        return None
    return best[0].upper() + best[1:] + "."


def changed_number(text: str, rng: random.Random) -> str | None:
    found = list(NUMBER.finditer(text))
    if not found:
        return None
    hit = rng.choice(found)
    return text[:hit.start()] + str(int(hit.group(0)) + rng.randint(1, 9)) + text[hit.end():]


def names_of(text: str) -> list[str]:
    """The capitalized words past a sentence's first that name something."""
    return [m.group(0) for m in NAME.finditer(text) if m.group(0) not in NOT_NAMES]


def swapped_name(sentence: str, elsewhere: list[str], rng: random.Random) -> str | None:
    """One of the sentence's names swapped for a name of `elsewhere` (the article's, not here)."""
    here = [m for m in NAME.finditer(sentence) if m.group(0) not in NOT_NAMES]
    if not here or not elsewhere:
        return None
    hit = rng.choice(here)
    return sentence[:hit.start()] + rng.choice(elsewhere) + sentence[hit.end():]


def flipped_negation(text: str) -> str | None:
    if _NOT.search(text):
        return _NOT.sub("", text, count=1)
    m = _AUX.search(text)
    return None if m is None else text[:m.end()] + " not" + text[m.end():]


def swapped_word(text: str, keep: str, foreign: list[str], rng: random.Random) -> str | None:
    """`text` with one of its content words (not one of `keep`'s) swapped for a word of the
    article that the paragraph does not have: it no longer says what the paragraph says."""
    mine = [w for w in CONTENT.findall(text) if w not in keep.lower()]
    if not mine or not foreign:
        return None
    w = rng.choice(mine)
    return re.sub(rf"\b{w}\b", rng.choice(foreign), text, count=1)
