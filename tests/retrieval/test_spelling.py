"""Words typed wrong, read as the article writes them, with the real English dictionary."""

from __future__ import annotations

import pytest

from retrieval.answer.spelling import article_words, spelled, words_for

TEXT = ("According to the report, the Kurdish villages near Erbil were shelled between March and May. "
        "Ankara’s ministers met the Kurdish delegation from Ankara. The ministers' organization met in Erbil.")


@pytest.mark.parametrize("typed,read", [
    ("acording to the report, who shelled the villages?", "according to the report, who shelled the villages?"),
    ("what happened betwen march and may", "what happened between march and may"),
    ("who shelled the kurdsih villages", "who shelled the Kurdish villages"),  # two letters swapped
    ("what happened in ebril", "what happened in Erbil"),
    ("why were ankaras ministers there", "why were Ankara's ministers there"),  # a name's possessive
    ("whats the gist", "what's the gist"),
    ("why do ppl fear the govt", "why do people fear the government"),
    ("Betwen whom?", "Between whom?"),  # a capital typed stays
    ("which vllgs were shelled", "which villages were shelled"),  # typed without its vowels
    ("did the mnstrs meet", "did the ministers meet"),
    ("n why r the villages shelled rn", "and why are the villages shelled right now"),  # one-letter shorthand
    ("what happened btw ankara n erbil", "what happened between ankara and erbil"),  # "btw" between two
    ("btw who met in erbil", "by the way who met in erbil"),
    ("wat did the ministers in erb say", "what did the ministers in Erbil say"),  # a name begun: the one it begins
    ("y did ank shell them", "why did Ankara shell them"),
    ("wen did the pm meet them", "when did the prime minister meet them"),
    ("which former PM met them", "which former prime minister met them"),  # an acronym spelt out in lower case
])
def test_a_word_typed_wrong_is_read_as_the_article_writes_it(typed, read):
    assert spelled(typed, article_words([TEXT])) == read


@pytest.mark.parametrize("typed", [
    "did the villages retaliate",  # English, though the article has no "retaliate": not "retaliated"
    "which organisation met?",  # British spelling, not a typing error for "organization"
    "why couldn't the ministers meet?",  # a contraction's first part is no word typed wrong
    "what are the ministers' names?",
    "were they at loggerheads?",  # rare, not wrong
    "quantos ministros havia?",  # foreign: nothing of the article is one edit away
    "how are the villages",  # short words have too many neighbours
    "what did the NSC say",  # an acronym, not a word typed without its vowels
    "what does section N say",  # a letter typed as a capital is no shorthand
    "what did the u.s. say",  # nor a letter of an abbreviation
    "and the 2nd one you mean?",  # "nd" in "2nd" is an ordinal's ending
    "hmm, who shelled them",  # no word of the article has these consonants
    "what did mar say",  # "March", "May"… : a short word that begins no one name
])
def test_a_word_english_or_the_article_knows_or_too_far_from_it_is_kept(typed):
    assert spelled(typed, article_words([TEXT])) == typed


def test_with_no_words_of_the_article_nothing_is_corrected():
    assert spelled("betwen", {}) == "betwen"


def test_the_words_are_read_once_per_document(answerer):
    words = words_for(answerer.retriever, None)
    assert words["baloch"] == "Baloch" and words["between"] == "between"
    assert words_for(answerer.retriever, None) is words
